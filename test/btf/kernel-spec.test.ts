/**
 * Kernel BTF loading: the running kernel's spec against bpftool and gcc (vmlinux.h), caching per context,
 * the vmlinux ELF fallback (a synthetic ELF image carrying the kernel's BTF), and module BTF: the real
 * /sys/kernel/btf listing plus synthetic split BTF files in a temporary directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Int, Member, marshalTypes, Pointer, type Spec, Struct, Typedef } from '../../src/btf/index.js';
import {
  KERNEL_SPEC_CACHE_KEY,
  kernelModuleNames,
  kernelModuleSpecs,
  loadKernelModuleSpec,
  loadKernelSpec,
  locateKernelBtf,
  readBtfFile,
  SYSFS_VMLINUX_BTF,
  vmlinuxBtfCandidates,
} from '../../src/btf/kernel.js';
import { isNotSupportedError, isParseError, NotSupportedError } from '../../src/errors.js';
import type { Utsname } from '../../src/syscall/backend.js';
import { defaultContext, KernelContext } from '../../src/syscall/context.js';
import { FakeBackend } from '../../src/syscall/fake-backend.js';
import { evalCExpressions } from '../helpers/kernel-headers.js';
import { bpftoolVmlinuxIds, tempDir } from './kernel-helpers.js';

const bpftool = bpftoolVmlinuxIds();
const bpftoolIds = bpftool.ids;

function member(s: Struct, name: string): Member {
  const m = s.members.find((x) => x.name === name);
  assert.ok(m, `${s.name}.${name}`);
  return m;
}

describe('loadKernelSpec', () => {
  const ctx = new KernelContext();

  it('has the kernel types at the ids bpftool reports', () => {
    const spec = loadKernelSpec({ ctx });
    for (const [name, kind] of [
      ['task_struct', 'STRUCT'],
      ['sk_buff', 'STRUCT'],
      ['file', 'STRUCT'],
      ['pid_t', 'TYPEDEF'],
      ['do_sys_openat2', 'FUNC'],
    ] as const) {
      const want = bpftoolIds.get(`${kind} ${name}`);
      assert.ok(want !== undefined, `bpftool knows ${kind} ${name}`);
      const ids = spec.idsByName(name).filter((id) => spec.typeByID(id).kind === kind.toLowerCase());
      assert.equal(ids[0], want, `${kind} ${name}`);
    }
    assert.equal(spec.nextID - 1, bpftool.lastId);
  });

  it('matches gcc on sizes and member offsets (vmlinux.h)', () => {
    const spec = loadKernelSpec({ ctx });
    const cases: Array<[string, string[]]> = [
      ['task_struct', ['pid', 'tgid', 'real_parent', 'comm', 'mm', 'cred', 'flags']],
      ['sk_buff', ['len', 'data_len', 'head', 'data', 'truesize']],
      ['file', ['f_inode', 'f_flags', 'f_mode']],
      ['cred', ['uid', 'gid', 'euid']],
      ['pt_regs', ['ip', 'sp', 'ax', 'orig_ax']],
    ];
    const exprs: string[] = [];
    const ours: number[] = [];
    for (const [struct, fields] of cases) {
      const s = spec.typeByName(struct, Struct);
      exprs.push(`sizeof(struct ${struct})`);
      ours.push(s.size);
      for (const f of fields) {
        exprs.push(`__builtin_offsetof(struct ${struct}, ${f})`);
        ours.push(member(s, f).bitOffset / 8);
      }
    }
    assert.deepEqual(
      evalCExpressions(exprs).map((v) => Number(v)),
      ours,
    );
  });

  it('is read once per context', () => {
    const a = loadKernelSpec({ ctx });
    assert.equal(loadKernelSpec({ ctx }), a);
    assert.equal(ctx.cache.get(KERNEL_SPEC_CACHE_KEY), a);
    const other = new KernelContext();
    const b = loadKernelSpec({ ctx: other });
    assert.notEqual(b, a);
    other.resetCaches();
    assert.notEqual(loadKernelSpec({ ctx: other }), b);
    assert.equal(loadKernelSpec(), loadKernelSpec({ ctx: defaultContext() }));
  });

  it('asks for the kernel release only when sysfs has no BTF', () => {
    class CountingBackend extends FakeBackend {
      unameCalls = 0;
      override uname(): Utsname {
        this.unameCalls++;
        return super.uname();
      }
    }
    const backend = new CountingBackend();
    const spec = loadKernelSpec({ ctx: new KernelContext(backend) });
    assert.equal(spec.typeCount, bpftool.lastId);
    assert.equal(backend.unameCalls, 0);
    assert.equal(backend.calls.length, 0);
  });

  it('reads an explicit path, cached separately', () => {
    const c = new KernelContext();
    const viaPath = loadKernelSpec({ ctx: c, path: SYSFS_VMLINUX_BTF });
    assert.notEqual(viaPath, loadKernelSpec({ ctx: c }));
    assert.equal(viaPath, loadKernelSpec({ ctx: c, path: SYSFS_VMLINUX_BTF }));
    assert.equal(viaPath.typeCount, loadKernelSpec({ ctx: c }).typeCount);
  });
});

describe('vmlinux ELF fallback', () => {
  let dir = '';
  let remove = (): void => {};
  let image = '';
  let noBtf = '';
  before(() => {
    ({ dir, remove } = tempDir('ebpf-ts-vmlinux-elf-'));
    const src = join(dir, 'k.c');
    writeFileSync(src, 'int kernel_data[4096] = {1};\nint kernel_text(void) { return 42; }\n');
    noBtf = join(dir, 'vmlinux-nobtf');
    execFileSync('gcc', ['-c', '-o', noBtf, src]);
    image = join(dir, 'vmlinux-6.18.0-test');
    execFileSync('llvm-objcopy-19', [`--add-section=.BTF=${SYSFS_VMLINUX_BTF}`, noBtf, image]);
  });
  after(() => remove());

  it('searches sysfs first, then the libbpf list of vmlinux images', () => {
    const c = vmlinuxBtfCandidates('6.1.0-13-amd64');
    assert.equal(c[0], '/sys/kernel/btf/vmlinux');
    for (const p of [
      '/boot/vmlinux-6.1.0-13-amd64',
      '/lib/modules/6.1.0-13-amd64/vmlinux-6.1.0-13-amd64',
      '/usr/lib/debug/boot/vmlinux-6.1.0-13-amd64',
    ])
      assert.ok(c.includes(p), p);
  });

  it('reads .BTF out of an ELF image, with the same types as sysfs', () => {
    const file = readBtfFile(image);
    assert.equal(file.format, 'elf');
    assert.deepEqual(file.bytes, new Uint8Array(readFileSync(SYSFS_VMLINUX_BTF)));
    const c = new KernelContext();
    const spec = loadKernelSpec({ ctx: c, path: image });
    assert.equal(spec.typeCount, loadKernelSpec({ ctx: c }).typeCount);
    assert.equal(
      spec.typeByName('task_struct', Struct).size,
      loadKernelSpec({ ctx: c }).typeByName('task_struct', Struct).size,
    );
  });

  it('skips missing and unusable candidates and takes the first that works', () => {
    const bad = join(dir, 'garbage');
    writeFileSync(bad, 'not btf at all');
    const found = locateKernelBtf([join(dir, 'missing'), bad, noBtf, image]);
    assert.equal(found.path, image);
  });

  it('throws NotSupportedError (kernel BTF, 5.4) naming what it tried', () => {
    const bad = join(dir, 'garbage2');
    writeFileSync(bad, 'xx');
    assert.throws(
      () => locateKernelBtf([join(dir, 'missing'), bad, noBtf]),
      (e: unknown) => {
        assert.ok(isNotSupportedError(e));
        assert.ok(e instanceof NotSupportedError);
        assert.equal(e.feature, 'kernel BTF');
        assert.equal(e.minKernel, '5.4');
        assert.match(e.message, /garbage2: .*neither raw BTF nor an ELF file/);
        assert.match(e.message, /vmlinux-nobtf: .*no \.BTF section/);
        return true;
      },
    );
    assert.throws(() => locateKernelBtf([join(dir, 'missing')]), /is CONFIG_DEBUG_INFO_BTF set\?/);
  });

  it('reports a missing explicit path as ENOENT and a truncated image as ParseError', () => {
    assert.throws(() => loadKernelSpec({ ctx: new KernelContext(), path: join(dir, 'nope') }), {
      code: 'ENOENT',
    });
    const cut = join(dir, 'truncated');
    writeFileSync(cut, readFileSync(image).subarray(0, 200));
    assert.throws(
      () => readBtfFile(cut),
      (e: unknown) => isParseError(e),
    );
  });
});

describe('module BTF', () => {
  it('lists the modules of /sys/kernel/btf (none on a kernel without module BTF)', () => {
    const expected = readdirSync('/sys/kernel/btf')
      .filter((n) => n !== 'vmlinux')
      .sort();
    assert.deepEqual(kernelModuleNames(), expected);
    const seen = [...kernelModuleSpecs({ ctx: new KernelContext() })].map((m) => m.name);
    assert.deepEqual(seen, expected);
    if (expected.length === 0) {
      assert.throws(() => loadKernelModuleSpec('nf_conntrack', { ctx: new KernelContext() }), {
        code: 'ENOENT',
        message: /kernel module "nf_conntrack": no BTF/,
      });
    } else {
      const first = expected[0] as string;
      const spec = loadKernelModuleSpec(first, { ctx: new KernelContext() });
      assert.ok(spec.base !== undefined && spec.typeCount > 0);
    }
  });

  it('rejects names that are not plain module names', () => {
    for (const name of ['', '.', '..', '../etc/passwd', 'a/b', 'vmlinux'])
      assert.throws(() => loadKernelModuleSpec(name, { ctx: new KernelContext() }), { code: 'EINVAL' }, name);
  });

  describe('synthetic split BTF', () => {
    let dir = '';
    let remove = (): void => {};
    let base: Spec;
    const ctx = new KernelContext();
    before(() => {
      ({ dir, remove } = tempDir('ebpf-ts-modbtf-'));
      copyFileSync(SYSFS_VMLINUX_BTF, join(dir, 'vmlinux'));
      base = loadKernelSpec({ ctx, path: join(dir, 'vmlinux') });
      const task = base.typeByName('task_struct', Struct);
      const int = base.typeByName('int', Int);
      const state = new Struct('testmod_state', 16, [
        new Member('task', new Pointer(task), 0),
        new Member('counter', int, 64),
      ]);
      writeFileSync(
        join(dir, 'amod'),
        marshalTypes([state, new Typedef('testmod_state_t', state)], { base }).bytes,
      );
      writeFileSync(join(dir, 'zzbad'), new Uint8Array([0x9f, 0xeb, 1, 0, 24, 0, 0, 0]));
    });
    after(() => remove());

    it('parses a module on top of the base, with ids after vmlinux', () => {
      assert.deepEqual(kernelModuleNames({ dir }), ['amod', 'zzbad']);
      const spec = loadKernelModuleSpec('amod', { ctx, dir });
      assert.equal(spec.base, base);
      assert.equal(spec.firstID, base.nextID);
      const s = spec.typeByName('testmod_state', Struct);
      const ptr = member(s, 'task').type;
      assert.equal(ptr.kind, 'pointer');
      assert.equal(ptr.kind === 'pointer' && ptr.target, base.typeByName('task_struct', Struct));
      assert.equal(loadKernelModuleSpec('amod', { ctx, dir }), spec);
    });

    it('enumerates lazily: a module is only parsed when the iteration reaches it', () => {
      const c = new KernelContext();
      const it = kernelModuleSpecs({ ctx: c, dir });
      const first = it.next();
      assert.equal(first.done, false);
      assert.equal(first.value?.name, 'amod');
      assert.ok(![...c.cache.keys()].some((k) => k.includes('zzbad')));
      it.return(undefined);
      assert.throws(
        () => [...kernelModuleSpecs({ ctx: c, dir })],
        (e: unknown) => isParseError(e),
      );
    });

    it('reports a module without a file as ENOENT', () => {
      assert.throws(() => loadKernelModuleSpec('nosuchmod', { ctx, dir }), { code: 'ENOENT' });
    });
  });
});
