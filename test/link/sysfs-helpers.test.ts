/**
 * The small readers behind probes: PMU type and format parsing, tracefs event ids and probe-event lines,
 * kallsyms lookups and the syscall prefix.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { archSyscallPrefix, kallsymsHas, syscallPrefix, syscallSymbol } from '../../src/link/kallsyms.js';
import { parsePmuFormat, pmuFieldValue, pmuFormat, pmuType } from '../../src/link/pmu.js';
import { probeSupport } from '../../src/link/probe-event.js';
import {
  findTracefs,
  probeEventLine,
  probeEventName,
  tracepointId,
  validateEventPart,
} from '../../src/link/tracefs.js';
import { KernelContext } from '../../src/syscall/context.js';
import { FakeBackend } from '../../src/syscall/fake-backend.js';

describe('pmu', () => {
  const formats: Array<[string, ReturnType<typeof parsePmuFormat>]> = [
    ['config:0', { word: 'config', shift: 0, width: 1 }],
    ['config:32-63', { word: 'config', shift: 32, width: 32 }],
    ['config1:0-7\n', { word: 'config1', shift: 0, width: 8 }],
    ['config2:5', { word: 'config2', shift: 5, width: 1 }],
  ];
  for (const [text, want] of formats)
    it(`parses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parsePmuFormat(text), want);
    });
  for (const bad of ['', 'config', 'config:', 'config:9-3', 'config:0-64', 'period:1', 'config4:1'])
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parsePmuFormat(bad), { code: 'EINVAL' });
    });

  it('places values in the field and refuses overflow', () => {
    const f = parsePmuFormat('config:32-63');
    assert.equal(pmuFieldValue(f, 0x1234, 'ref'), 0x1234n << 32n);
    assert.throws(() => pmuFieldValue(f, 1n << 32n, 'ref'), /does not fit/);
    assert.throws(() => pmuFieldValue(f, -1, 'ref'), /does not fit/);
  });

  it('reads the uprobe PMU of this kernel as sysfs describes it', () => {
    const type = Number(readFileSync('/sys/bus/event_source/devices/uprobe/type', 'utf8'));
    assert.equal(pmuType('uprobe'), type);
    assert.deepEqual(pmuFormat('uprobe', 'retprobe'), { word: 'config', shift: 0, width: 1 });
    assert.deepEqual(pmuFormat('uprobe', 'ref_ctr_offset'), { word: 'config', shift: 32, width: 32 });
    assert.equal(pmuType('no-such-pmu'), undefined);
    assert.equal(pmuFormat('uprobe', 'no-such-field'), undefined);
    assert.equal(probeSupport('uprobe').pmu, true);
  });
});

describe('tracefs', () => {
  it('reads tracepoint ids', () => {
    const root = findTracefs();
    assert.ok(root, 'tracefs is mounted on this machine');
    const id = Number(readFileSync(`${root}/events/syscalls/sys_enter_openat/id`, 'utf8'));
    assert.equal(tracepointId('syscalls', 'sys_enter_openat'), id);
    assert.throws(() => tracepointId('syscalls', 'no_such_event'), { code: 'ENOENT' });
  });

  for (const bad of ['', '.', '..', 'a/b', '../etc', 'a b', '-x'])
    it(`rejects the event part ${JSON.stringify(bad)}`, () => {
      assert.throws(() => validateEventPart('group', bad), { code: 'EINVAL' });
    });

  const lines: Array<[Parameters<typeof probeEventLine>[0], string]> = [
    [{ kind: 'kprobe', retprobe: false, location: 'vfs_read+8', symbol: 'vfs_read' }, 'p:g/e vfs_read+8'],
    [{ kind: 'kprobe', retprobe: true, location: 'vfs_read', symbol: 'vfs_read' }, 'r:g/e vfs_read'],
    [
      { kind: 'kprobe', retprobe: true, location: 'vfs_read', symbol: 'vfs_read', maxActive: 32 },
      'r32:g/e vfs_read',
    ],
    [
      { kind: 'uprobe', retprobe: false, location: '/bin/x:0x1a0(0x3030)', symbol: 'f' },
      'p:g/e /bin/x:0x1a0(0x3030)',
    ],
  ];
  for (const [spec, want] of lines)
    it(`writes ${want}`, () => {
      assert.equal(probeEventLine(spec, 'g', 'e'), want);
    });

  it('refuses maxActive except on kretprobes', () => {
    assert.throws(
      () =>
        probeEventLine(
          { kind: 'kprobe', retprobe: false, location: 'x', symbol: 'x', maxActive: 1 },
          'g',
          'e',
        ),
      { code: 'EINVAL' },
    );
  });

  it('makes short, clean event names', () => {
    const name = probeEventName(`__x64_sys_${'a'.repeat(100)}.isra.0`, 'deadbeef');
    assert.ok(name.length <= 63, name);
    assert.match(name, /^ebpfts_\d+_[A-Za-z0-9_]+_deadbeef$/);
    assert.notEqual(probeEventName('x'), probeEventName('x'));
  });
});

describe('kallsyms', () => {
  const text = [
    'ffffffff81000000 T _stext',
    'ffffffff816b4fc0 T __x64_sys_openat',
    'ffffffff816b5120 t __x64_sys_openat2',
    '0000000000000000 t my_mod_fn\t[my_mod]',
    '',
  ].join('\n');
  const cases: Array<[string, boolean]> = [
    ['__x64_sys_openat', true],
    ['__x64_sys_openat2', true],
    ['my_mod_fn', true],
    ['sys_openat', false],
    ['__x64_sys_open', false],
    ['T', false],
  ];
  for (const [sym, want] of cases)
    it(`${sym} ${want ? 'is' : 'is not'} listed`, () => {
      assert.equal(kallsymsHas(text, sym), want);
    });

  it('knows the wrapper prefixes', () => {
    assert.equal(archSyscallPrefix('x64'), '__x64_');
    assert.equal(archSyscallPrefix('arm64'), '__arm64_');
    assert.equal(archSyscallPrefix('riscv64'), '__riscv_');
    assert.equal(archSyscallPrefix('wasm'), undefined);
  });

  it('finds the running kernel prefix and applies it to sys_* only', () => {
    const ctx = new KernelContext(new FakeBackend());
    const kallsyms = readFileSync('/proc/kallsyms', 'utf8');
    const prefix = archSyscallPrefix() ?? '';
    const expected = prefix !== '' && kallsymsHas(kallsyms, `${prefix}sys_bpf`) ? prefix : '';
    assert.equal(syscallPrefix(ctx), expected);
    assert.equal(syscallSymbol(ctx, 'sys_openat'), `${expected}sys_openat`);
    assert.equal(syscallSymbol(ctx, 'vfs_read'), 'vfs_read');
    if (process.arch === 'x64') assert.equal(expected, '__x64_', 'x86-64 kernels have syscall wrappers');
  });
});
