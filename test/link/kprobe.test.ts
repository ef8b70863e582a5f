/**
 * Kernel tests for hooks this project's CI kernel lacks: kprobes, kretprobes, kprobe_multi, and the
 * trampoline-based fentry / fexit / fmod_ret / LSM programs. Where the kernel has them the hook must fire
 * for this process; where it lacks them the error must be the clear NotSupportedError (and the test is then
 * skipped through `requireFeature`, which fails on CI for any feature not on the known-absent list).
 */
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { after, before, describe, it, type TestContext } from 'node:test';
import { isNotSupportedError, type NotSupportedError } from '../../src/errors.js';
import {
  attachFromSection,
  attachLSM,
  attachTracing,
  kprobe,
  kprobeMulti,
  kretprobe,
  type Link,
  probeSupport,
  syscallSymbol,
} from '../../src/link/index.js';
import { compareKernelRelease, runningKernelRelease } from '../../src/prog/kernel-release.js';
import { defaultContext } from '../../src/syscall/context.js';
import { AttachType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { requireFeature } from '../helpers/require-feature.js';
import { type CounterMap, count, counterMap, counterProgram, kernelFuncId } from './helpers.js';

checkFdLeaks();

function openSomething(times = 3): void {
  for (let i = 0; i < times; i++) closeSync(openSync('/proc/self/stat', 'r'));
}

/**
 * Runs `attach` under `requireFeature(feature)`. Returns the link, or undefined after checking the error with
 * `checkError` (the test is then skipped).
 */
function attachOrExplain(
  t: TestContext,
  feature: string,
  attach: () => Link,
  checkError: (e: NotSupportedError) => void,
): Link | undefined {
  let link: Link | undefined;
  let error: unknown;
  const ok = requireFeature(t, feature, () => {
    try {
      link = attach();
    } catch (e) {
      error = e;
      throw e;
    }
  });
  if (ok) return link;
  assert.ok(isNotSupportedError(error));
  checkError(error);
  return undefined;
}

describe('kprobes', () => {
  let map: CounterMap;
  before(() => {
    map = counterMap();
  });
  after(() => map.close());

  const noKprobes = (e: NotSupportedError): void => {
    assert.equal(e.feature, 'kprobes');
    assert.match(e.message, /neither the perf kprobe PMU nor tracefs kprobe_events/);
    assert.deepEqual(probeSupport('kprobe'), { pmu: false, tracefs: false });
  };

  for (const [name, attach] of [
    ['kprobe', kprobe],
    ['kretprobe', kretprobe],
  ] as const) {
    it(`${name} on sys_openat fires for this process`, (t) => {
      using prog = counterProgram(map, ProgramType.KPROBE, { pid: process.pid });
      const link = attachOrExplain(t, name, () => attach('sys_openat', prog), noKprobes);
      if (!link) return;
      using _link = link;
      const start = count(map);
      openSomething();
      assert.ok(count(map) - start >= 3n);
      const d = link.info().details;
      assert.ok(d?.kind === 'perf_event');
      if (d.event.type === 'unspec') {
        // bpf_link_info describes perf-event links since 6.6 (the 6.1 guest leaves it zeroed)
        const release = runningKernelRelease(defaultContext());
        assert.ok(release && compareKernelRelease(release, '6.6') < 0, 'unspec perf-event link on >= 6.6');
        return;
      }
      assert.ok(d.event.type === name);
      assert.equal(d.event.function, syscallSymbol(defaultContext(), 'sys_openat'));
    });
  }

  it('kretprobe with maxActive (tracefs) fires too', (t) => {
    using prog = counterProgram(map, ProgramType.KPROBE, { pid: process.pid });
    const link = attachOrExplain(
      t,
      'kretprobe',
      () => kretprobe('sys_openat', prog, { maxActive: 8 }),
      (e) => {
        assert.match(e.feature, /^(kprobes|kretprobe maxActive)$/);
      },
    );
    if (!link) return;
    using _link = link;
    const start = count(map);
    openSomething();
    assert.ok(count(map) - start >= 3n);
  });

  it('auto-attaches ksyscall/openat', (t) => {
    using prog = counterProgram(map, ProgramType.KPROBE, { pid: process.pid });
    const link = attachOrExplain(t, 'kprobe', () => attachFromSection(prog, 'ksyscall/openat'), noKprobes);
    if (!link) return;
    using _link = link;
    const start = count(map);
    openSomething();
    assert.ok(count(map) - start >= 3n);
  });

  it('kprobe_multi on sys_openat fires for this process', (t) => {
    using prog = counterProgram(map, ProgramType.KPROBE, {
      pid: process.pid,
      attachType: AttachType.TRACE_KPROBE_MULTI,
    });
    const symbols = [syscallSymbol(defaultContext(), 'sys_openat')];
    const link = attachOrExplain(
      t,
      'kprobe_multi',
      () => kprobeMulti({ program: prog, symbols }),
      (e) => {
        assert.equal(e.feature, 'kprobe_multi');
        assert.equal(e.minKernel, '5.18');
      },
    );
    if (!link) return;
    using _link = link;
    const start = count(map);
    openSomething();
    assert.ok(count(map) - start >= 3n);
    assert.equal(link.info().details?.kind, 'kprobe_multi');
  });
});

describe('trampolines', () => {
  let map: CounterMap;
  before(() => {
    map = counterMap();
  });
  after(() => map.close());

  const cases: Array<[feature: string, type: number, attachType: number, target: string]> = [
    ['fentry', ProgramType.TRACING, AttachType.TRACE_FENTRY, 'do_sys_openat2'],
    ['fexit', ProgramType.TRACING, AttachType.TRACE_FEXIT, 'do_sys_openat2'],
    ['fmod_ret', ProgramType.TRACING, AttachType.MODIFY_RETURN, 'security_file_open'],
    ['lsm', ProgramType.LSM, AttachType.LSM_MAC, 'bpf_lsm_file_open'],
  ];
  for (const [feature, type, attachType, target] of cases) {
    it(`${feature} on ${target} fires for this process`, (t) => {
      let prog: ReturnType<typeof counterProgram> | undefined;
      const link = attachOrExplain(
        t,
        feature,
        () => {
          prog = counterProgram(map, type, {
            pid: process.pid,
            attachType,
            attachBtfId: kernelFuncId(target),
          });
          return type === ProgramType.LSM ? attachLSM({ program: prog }) : attachTracing({ program: prog });
        },
        (e) => {
          assert.equal(e.feature, feature);
          assert.ok(e.minKernel);
        },
      );
      try {
        if (!link) return;
        using _link = link;
        const start = count(map);
        openSomething();
        assert.ok(count(map) - start >= 3n);
        const d = link.info().details;
        assert.ok(d?.kind === 'tracing' && d.attachType === attachType);
      } finally {
        prog?.close();
      }
    });
  }
});
