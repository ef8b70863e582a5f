/**
 * Kernel type and attach-target lookups: ids checked against bpftool on the running kernel, the
 * libbpf naming rules per attach kind, and module fallback through synthetic split BTF.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Func,
  FuncLinkage,
  FuncParam,
  FuncProto,
  Int,
  isTypeNotFoundError,
  marshalTypes,
  Pointer,
  Struct,
  Typedef,
} from '../../src/btf/index.js';
import {
  attachKindOf,
  findKernelFunction,
  findKernelType,
  type KernelAttachKind,
  kernelAttachName,
  loadKernelSpec,
  SYSFS_VMLINUX_BTF,
} from '../../src/btf/kernel.js';
import { KernelContext } from '../../src/syscall/context.js';
import { AttachType } from '../../src/syscall/uapi-enums.js';
import { bpftoolVmlinuxIds, tempDir } from './kernel-helpers.js';

const { ids: bpftoolIds } = bpftoolVmlinuxIds();
const ctx = new KernelContext();

describe('findKernelFunction on the running kernel', () => {
  const cases: Array<{ name: string; attach: KernelAttachKind; btf: string }> = [
    { name: 'sched_switch', attach: 'tp_btf', btf: 'TYPEDEF btf_trace_sched_switch' },
    { name: 'file_open', attach: 'lsm', btf: 'FUNC bpf_lsm_file_open' },
    { name: 'task', attach: 'iter', btf: 'FUNC bpf_iter_task' },
    { name: 'do_sys_openat2', attach: 'function', btf: 'FUNC do_sys_openat2' },
    { name: 'vfs_read', attach: 'function', btf: 'FUNC vfs_read' },
  ];
  for (const c of cases) {
    it(`${c.attach} ${c.name} -> ${c.btf}`, () => {
      const want = bpftoolIds.get(c.btf);
      assert.ok(want !== undefined, `bpftool has ${c.btf}`);
      const m = findKernelFunction(c.name, { ctx, attach: c.attach });
      assert.equal(m.id, want);
      assert.equal(m.spec, loadKernelSpec({ ctx }));
      assert.equal(m.module, undefined);
      assert.equal(`${m.type.kind === 'func' ? 'FUNC' : 'TYPEDEF'} ${m.type.name}`, c.btf);
    });
  }

  it('finds the unlink worker under its name on this kernel (do_unlinkat, later filename_unlinkat)', () => {
    const names = ['do_unlinkat', 'filename_unlinkat'].filter((n) => bpftoolIds.has(`FUNC ${n}`));
    assert.ok(names.length > 0, 'bpftool knows one of them');
    for (const n of ['do_unlinkat', 'filename_unlinkat']) {
      const want = bpftoolIds.get(`FUNC ${n}`);
      if (want === undefined) {
        assert.throws(
          () => findKernelFunction(n, { ctx }),
          (e: unknown) => isTypeNotFoundError(e),
        );
      } else {
        assert.equal(findKernelFunction(n, { ctx }).id, want);
      }
    }
  });

  it('accepts vmlinux:name and rejects unknown names with a clear error', () => {
    assert.equal(findKernelFunction('vmlinux:vfs_read', { ctx }).id, bpftoolIds.get('FUNC vfs_read'));
    assert.throws(() => findKernelFunction('no_such_function_xyz', { ctx }), {
      code: 'EBTFNOTFOUND',
      message: /Func "no_such_function_xyz": not found: not in vmlinux or any loaded module/,
    });
    assert.throws(() => findKernelFunction('vmlinux:no_such_function_xyz', { ctx }), /not in vmlinux$/);
  });

  it('findKernelType filters by kind', () => {
    const s = findKernelType('task_struct', Struct, { ctx });
    assert.equal(s.id, bpftoolIds.get('STRUCT task_struct'));
    assert.equal(s.type.size, loadKernelSpec({ ctx }).typeByName('task_struct', Struct).size);
    assert.throws(() => findKernelType('task_struct', Typedef, { ctx }), /Typedef "task_struct": not found/);
  });
});

describe('attach naming rules', () => {
  it('maps attach types to kinds', () => {
    const table: Array<[number, KernelAttachKind]> = [
      [AttachType.TRACE_RAW_TP, 'tp_btf'],
      [AttachType.LSM_MAC, 'lsm'],
      [AttachType.LSM_CGROUP, 'lsm'],
      [AttachType.TRACE_ITER, 'iter'],
      [AttachType.TRACE_FENTRY, 'function'],
      [AttachType.TRACE_FEXIT, 'function'],
      [AttachType.MODIFY_RETURN, 'function'],
    ];
    for (const [type, kind] of table) assert.equal(attachKindOf(type), kind, String(type));
  });

  it('prefixes names as libbpf does', () => {
    assert.deepEqual(kernelAttachName('x', 'tp_btf'), { name: 'btf_trace_x', type: Typedef });
    assert.deepEqual(kernelAttachName('x', 'lsm'), { name: 'bpf_lsm_x', type: Func });
    assert.deepEqual(kernelAttachName('x', 'iter'), { name: 'bpf_iter_x', type: Func });
    assert.deepEqual(kernelAttachName('x', 'function'), { name: 'x', type: Func });
  });
});

describe('module targets (synthetic split BTF)', () => {
  let dir = '';
  let remove = (): void => {};
  const c = new KernelContext();
  before(() => {
    ({ dir, remove } = tempDir('ebpf-ts-findmod-'));
    copyFileSync(SYSFS_VMLINUX_BTF, join(dir, 'vmlinux'));
    const base = loadKernelSpec({ ctx: c, path: join(dir, 'vmlinux') });
    const int = base.typeByName('int', Int);
    const skb = base.typeByName('sk_buff', Struct);
    const proto = new FuncProto(int, [new FuncParam('skb', new Pointer(skb))]);
    const mod = (fn: string) =>
      marshalTypes(
        [
          new Func(fn, proto, FuncLinkage.Global),
          new Typedef(`btf_trace_${fn}_event`, new Pointer(proto)),
          // Shadows a vmlinux function: vmlinux must win.
          new Func('vfs_read', proto, FuncLinkage.Global),
        ],
        { base },
      ).bytes;
    writeFileSync(join(dir, 'alpha'), mod('alpha_rx'));
    writeFileSync(join(dir, 'beta'), mod('beta_rx'));
  });
  after(() => remove());

  it('falls back to modules in name order and names the module', () => {
    const m = findKernelFunction('beta_rx', { ctx: c, dir });
    assert.equal(m.module?.name, 'beta');
    assert.ok(m.id >= m.spec.firstID && m.spec.base !== undefined);
    assert.equal(m.type.name, 'beta_rx');
    const tp = findKernelFunction('alpha_rx_event', { ctx: c, dir, attach: 'tp_btf' });
    assert.equal(tp.module?.name, 'alpha');
    assert.equal(tp.type.kind, 'typedef');
  });

  it('prefers vmlinux over a module defining the same name', () => {
    const m = findKernelFunction('vfs_read', { ctx: c, dir });
    assert.equal(m.module, undefined);
    assert.equal(m.id, bpftoolIds.get('FUNC vfs_read'));
  });

  it('restricts the search with module:name', () => {
    const m = findKernelFunction('beta:vfs_read', { ctx: c, dir });
    assert.equal(m.module?.name, 'beta');
    assert.ok(m.id >= m.spec.firstID);
    assert.throws(() => findKernelFunction('alpha:beta_rx', { ctx: c, dir }), /not in kernel module "alpha"/);
    assert.throws(() => findKernelFunction('gamma:beta_rx', { ctx: c, dir }), { code: 'ENOENT' });
  });

  it('cannot open the BTF object of a module the kernel does not have', () => {
    const m = findKernelFunction('alpha_rx', { ctx: c, dir });
    assert.ok(m.module);
    assert.throws(() => m.module?.objectId(), { code: 'ENOENT', message: /kernel BTF object "alpha"/ });
  });
});
