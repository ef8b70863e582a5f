/**
 * Externs: kconfig values compared with the running kernel's config (/proc/config.gz or /boot/config-*),
 * ksym addresses with /proc/kallsyms, kfunc calls, weak externs the kernel lacks; plus unit tests of the kconfig encoding,
 * config parsing and kallsyms parsing.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Type } from '../../src/btf/index.js';
import { ArrayType, Enum, Func, Int, IntEncoding, loadKernelSpec } from '../../src/btf/index.js';
import type { KconfigExtern } from '../../src/collection/externs.js';
import { loadCollectionSpec, newCollection } from '../../src/collection/index.js';
import { parseKallsyms } from '../../src/collection/kallsyms.js';
import { type KconfigSources, kconfigMapValue } from '../../src/collection/kconfig-values.js';
import { parseKernelConfig } from '../../src/collection/kernel-config.js';
import { isEbpfError } from '../../src/errors.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { fixture } from './helpers.js';

checkFdLeaks();

/** The running kernel's config, from where the loader finds it too: /proc/config.gz, else /boot/config-<release>. */
function runningConfig(): Map<string, string> {
  const text = existsSync('/proc/config.gz')
    ? gunzipSync(readFileSync('/proc/config.gz')).toString('latin1')
    : readFileSync(`/boot/config-${release()}`, 'latin1');
  return parseKernelConfig(text);
}

function kallsym(name: string): bigint | undefined {
  const m = new RegExp(`^([0-9a-f]+) \\w ${name}$`, 'm').exec(readFileSync('/proc/kallsyms', 'latin1'));
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

describe('externs on the running kernel', () => {
  it('kconfig values match /proc/config.gz; ksyms match /proc/kallsyms; kfuncs run', () => {
    const spec = loadCollectionSpec(fixture('coll_externs'));
    spec.variables.want_pid?.set(process.pid);
    using coll = newCollection(spec);
    assert.deepEqual(Object.keys(coll.programs), ['read_externs'], 'the ? program is not loaded');
    assert.equal(coll.programs.read_externs?.testRun().retval, 0);
    const v = coll.variables;
    const config = runningConfig();
    const tristate = (x: string | undefined) => (x === 'y' ? 1n : x === 'm' ? 2n : 0n);
    assert.equal(v.seen_hz?.getInteger(), BigInt(config.get('CONFIG_HZ') ?? 'x'));
    assert.equal(v.seen_bpf_syscall?.getInteger(), config.get('CONFIG_BPF_SYSCALL') === 'y' ? 1n : 0n);
    assert.equal(v.seen_tun?.getInteger(), tristate(config.get('CONFIG_TUN')));
    assert.equal(v.seen_nr_cpus?.getInteger(), BigInt(config.get('CONFIG_NR_CPUS') ?? 'x'));
    const hostname = JSON.parse(config.get('CONFIG_DEFAULT_HOSTNAME') ?? '""') as string;
    const seenHostname = new TextDecoder().decode(v.seen_hostname?.get()).replace(/\0+$/, '');
    assert.equal(seenHostname, hostname);
    // releases look like 6.18.44-fc-v595 or 6.12.117+deb13-amd64
    const [major, minor, patch] = (/^(\d+)\.(\d+)\.(\d+)/.exec(release()) ?? []).slice(1).map(Number) as [
      number,
      number,
      number,
    ];
    assert.equal(v.seen_version?.getInteger(), BigInt((major << 16) + (minor << 8) + Math.min(patch, 255)));
    assert.equal(v.seen_wrapper?.getInteger(), kallsym('__x64_sys_bpf') !== undefined ? 1n : 0n);
    assert.equal(v.seen_cookie?.getInteger(), 1n, 'bpf_get_attach_cookie exists since 5.15');
    assert.equal(v.seen_missing?.getInteger(), 0n);
    assert.equal(v.seen_missing_tristate?.getInteger(), 0n);
    const schedule = kallsym('schedule');
    assert.ok(schedule !== undefined && schedule !== 0n);
    assert.equal(BigInt.asUintN(64, v.seen_schedule?.getInteger() ?? 0n), schedule);
    assert.equal(v.seen_missing_ksym?.getInteger(), 0n);
    // weak kfuncs: bpf_task_from_pid/bpf_task_release exist since 6.2 (the 6.1 guest reports -1)
    const hasTaskKfuncs = ['bpf_task_from_pid', 'bpf_task_release'].every(
      (name) => loadKernelSpec().typesByName(name, Func).length > 0,
    );
    assert.equal(v.seen_task_pid?.getInteger(), hasTaskKfuncs ? BigInt(process.pid) : -1n);
    const kconfig = coll.maps['.kconfig'];
    assert.ok(kconfig);
    assert.throws(
      () => kconfig.update(new Uint8Array(4), new Uint8Array(kconfig.valueSize)),
      /EPERM/,
      'frozen',
    );
  });

  it('typed ksyms resolve to the kernel variable (its address needs CONFIG_KALLSYMS_ALL)', () => {
    const spec = loadCollectionSpec(fixture('coll_externs'));
    if (runningConfig().get('CONFIG_KALLSYMS_ALL') === 'y') {
      using coll = spec.loadAndAssign({ programs: ['typed_ksym'], maps: ['.bss'] });
      assert.equal(coll.programs.typed_ksym?.testRun().retval, 0);
      assert.equal(coll.variables.seen_rq_cpu?.getInteger(), coll.variables.seen_cpu?.getInteger());
    } else {
      // The kernel looked the BTF id up and names the variable: the id we passed was right.
      assert.throws(
        () => spec.loadAndAssign({ programs: ['typed_ksym'] }),
        /failed to find the address for kernel symbol 'runqueues'/,
      );
    }
  });

  it('a missing non-weak kconfig value is an error naming it', () => {
    const spec = loadCollectionSpec(fixture('coll_externs'));
    const externs = spec.object.externs.externs as Map<string, KconfigExtern>;
    const hz = externs.get('CONFIG_HZ');
    assert.ok(hz);
    externs.set('CONFIG_HZ', { ...hz, name: 'CONFIG_EBPF_TS_ABSENT' });
    try {
      assert.throws(
        () => newCollection(spec),
        (e: unknown) => {
          assert.ok(isEbpfError(e));
          assert.match(
            (e as Error).message,
            /^load "coll_externs\.bpf\.o": map "\.kconfig": kconfig extern "CONFIG_EBPF_TS_ABSENT": not set/,
          );
          return true;
        },
      );
    } finally {
      externs.set('CONFIG_HZ', hz);
    }
  });
});

describe('kconfig encoding', () => {
  const bool = new Int('bool', 1, IntEncoding.Bool);
  const char = new Int('char', 1, IntEncoding.Signed);
  const int = new Int('int', 4, IntEncoding.Signed);
  const u64 = new Int('unsigned long long', 8);
  const u16 = new Int('unsigned short', 2);
  const tri = new Enum('libbpf_tristate', 4, [
    { name: 'TRI_NO', value: 0n },
    { name: 'TRI_YES', value: 1n },
    { name: 'TRI_MODULE', value: 2n },
  ]);
  const str = new ArrayType(char, int, 6);
  const ext = (
    name: string,
    type: Type,
    kind: KconfigExtern['valueKind'],
    size: number,
    signed = false,
    weak = false,
  ): KconfigExtern => ({
    kind: 'kconfig',
    name,
    weak,
    type,
    valueKind: kind,
    signed,
    size,
    offset: 0,
  });
  const sources = (values: Record<string, string>): KconfigSources => ({
    config: () => new Map(Object.entries(values)),
    kernelVersion: () => 0x060c01,
    hasSyscallWrapper: () => true,
    hasBpfCookie: () => false,
  });
  const CASES: Array<[string, KconfigExtern, string | undefined, number[] | RegExp]> = [
    ['bool y', ext('CONFIG_A', bool, 'bool', 1), 'y', [1]],
    ['bool n', ext('CONFIG_A', bool, 'bool', 1), 'n', [0]],
    ['bool m', ext('CONFIG_A', bool, 'bool', 1), 'm', /'m' does not fit a bool/],
    ['tristate m', ext('CONFIG_A', tri, 'tristate', 4), 'm', [2, 0, 0, 0]],
    ['tristate y', ext('CONFIG_A', tri, 'tristate', 4), 'y', [1, 0, 0, 0]],
    ['char y', ext('CONFIG_A', char, 'char', 1), 'y', [0x79]],
    ['int decimal', ext('CONFIG_A', int, 'int', 4, true), '250', [250, 0, 0, 0]],
    ['int negative', ext('CONFIG_A', int, 'int', 4, true), '-2', [0xfe, 0xff, 0xff, 0xff]],
    ['int hex', ext('CONFIG_A', u64, 'int', 8), '0x1000', [0, 0x10, 0, 0, 0, 0, 0, 0]],
    ['int octal', ext('CONFIG_A', u16, 'int', 2), '010', [8, 0]],
    ['int too big', ext('CONFIG_A', u16, 'int', 2), '70000', /does not fit/],
    ['int from y', ext('CONFIG_A', int, 'int', 4, true), 'y', /cannot be stored in a int/],
    ['string', ext('CONFIG_A', str, 'char-array', 6), '"ab\\"c"', [0x61, 0x62, 0x22, 0x63, 0, 0]],
    [
      'string truncated',
      ext('CONFIG_A', str, 'char-array', 6),
      '"abcdefgh"',
      [0x61, 0x62, 0x63, 0x64, 0x65, 0],
    ],
    ['string into int', ext('CONFIG_A', int, 'int', 4, true), '"x"', /string value/],
    ['garbage', ext('CONFIG_A', int, 'int', 4, true), '12abc', /cannot parse/],
    ['missing', ext('CONFIG_A', int, 'int', 4, true), undefined, /not set in the kernel config/],
    ['missing weak', ext('CONFIG_A', int, 'int', 4, true, true), undefined, [0, 0, 0, 0]],
    ['kernel version', ext('LINUX_KERNEL_VERSION', int, 'int', 4), undefined, [1, 0x0c, 6, 0]],
    ['syscall wrapper', ext('LINUX_HAS_SYSCALL_WRAPPER', bool, 'bool', 1), undefined, [1]],
    ['bpf cookie', ext('LINUX_HAS_BPF_COOKIE', bool, 'bool', 1), undefined, [0]],
    ['unknown LINUX_', ext('LINUX_NO_SUCH', bool, 'bool', 1), undefined, /not set/],
  ];
  for (const [label, e, raw, want] of CASES) {
    it(label, () => {
      const src = sources(raw === undefined ? {} : { [e.name]: raw });
      if (want instanceof RegExp) assert.throws(() => kconfigMapValue([e], e.size, src, 'little'), want);
      else assert.deepEqual([...kconfigMapValue([e], e.size, src, 'little')], want);
    });
  }

  it('parseKernelConfig reads values and "is not set" lines', () => {
    const c = parseKernelConfig(
      '# comment\nCONFIG_A=y\n# CONFIG_B is not set\nCONFIG_C="x y"\n\nCONFIG_D=0x10\n',
    );
    assert.deepEqual(
      [...c],
      [
        ['CONFIG_A', 'y'],
        ['CONFIG_B', 'n'],
        ['CONFIG_C', '"x y"'],
        ['CONFIG_D', '0x10'],
      ],
    );
  });

  it('parseKallsyms keeps the requested names and rejects ambiguous ones', () => {
    const text = 'ffffffff81000000 T _stext\nffffffff82000000 t foo\t[mod]\nffffffff83000000 T bar\n';
    assert.deepEqual(
      [...parseKallsyms(text, new Set(['foo', 'bar', 'baz']))],
      [
        ['foo', 0xffffffff82000000n],
        ['bar', 0xffffffff83000000n],
      ],
    );
    assert.throws(() => parseKallsyms(`${text}ffffffff84000000 T bar\n`, new Set(['bar'])), /ambiguous/);
  });

  it('parseKallsyms matches whole names only, not prefixes, module names or other fields', () => {
    const text = [
      'ffffffff81000000 T foobar',
      'ffffffff81000010 t foo_2\t[foo]',
      'ffffffff81000020 d x foo',
      'not-hex t foo',
      'ffffffff81000030 T foo\r',
      'ffffffff81000040 T last',
    ].join('\n');
    assert.deepEqual(
      [...parseKallsyms(text, new Set(['foo', 'last', 'foo_', '']))],
      [
        ['foo', 0xffffffff81000030n],
        ['last', 0xffffffff81000040n],
      ],
    );
  });

  it('parseKallsyms stays linear on a kernel-sized table (200k lines, modules at the end)', () => {
    const lines: string[] = [];
    for (let i = 0; i < 200_000; i++) lines.push(`ffffffff8${i.toString(16).padStart(7, '0')} t sym_${i}`);
    lines.push('ffffffffc0000000 t modfn\t[somemod]');
    const text = `${lines.join('\n')}\n`;
    const t0 = performance.now();
    const got = parseKallsyms(text, new Set(['sym_199999', 'modfn', 'sym_7', 'absent']));
    const ms = performance.now() - t0;
    assert.equal(got.size, 3);
    assert.equal(got.get('modfn'), 0xffffffffc0000000n);
    // a quadratic scan took 15 s here on /proc/kallsyms; a linear one takes tens of ms
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });
});
