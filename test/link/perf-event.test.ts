/**
 * Kernel tests: `perfEventOpen` + `attachPerfEvent` with software events (CPU clock sampling per CPU, task
 * clock on this thread), a tracepoint opened by hand, and the errors for impossible requests.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isNotSupportedError } from '../../src/errors.js';
import {
  attachPerfEvent,
  PerfHardwareConfig,
  PerfSoftwareConfig,
  PerfType,
  perfEventOpen,
  tracepointId,
} from '../../src/link/index.js';
import { ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { type CounterMap, count, counterMap, counterProgram, eventually } from './helpers.js';

checkFdLeaks();

describe('perf events', () => {
  let map: CounterMap;
  before(() => {
    map = counterMap();
  });
  after(() => map.close());

  it('a CPU_CLOCK sampling event on CPU 0 runs the program', async () => {
    using prog = counterProgram(map, ProgramType.PERF_EVENT);
    const start = count(map);
    const fd = perfEventOpen({
      type: PerfType.SOFTWARE,
      config: PerfSoftwareConfig.CPU_CLOCK,
      sampleFreq: 1000,
      cpu: 0,
    });
    using link = attachPerfEvent(prog, fd);
    fd.close(); // the link holds its own duplicate
    assert.ok(await eventually(() => count(map) - start >= 5n), `only ${count(map) - start} samples`);
    const d = link.info().details;
    assert.ok(d?.kind === 'perf_event' && d.event.type === 'event');
    assert.equal(d.event.config, BigInt(PerfSoftwareConfig.CPU_CLOCK));
    link.close();
    const stopped = count(map);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(count(map), stopped, 'no samples after close');
  });

  it('a TASK_CLOCK event on this thread samples while it runs', () => {
    using prog = counterProgram(map, ProgramType.PERF_EVENT, { pid: process.pid });
    const start = count(map);
    using fd = perfEventOpen({
      type: PerfType.SOFTWARE,
      config: PerfSoftwareConfig.TASK_CLOCK,
      samplePeriod: 1_000_000n, // every millisecond of CPU time
      pid: 0,
      cpu: -1,
    });
    using link = attachPerfEvent(prog, fd, { cookie: 3n });
    const until = Date.now() + 40;
    let spin = 0;
    while (Date.now() < until) spin++;
    assert.ok(spin > 0);
    assert.ok(count(map) - start >= 5n, `only ${count(map) - start} samples in 40 ms of CPU`);
    const d = link.info().details;
    assert.ok(d?.kind === 'perf_event' && d.event.type === 'event' && d.event.cookie === 3n);
  });

  it('attaches to a tracepoint perf event opened by hand', () => {
    using prog = counterProgram(map, ProgramType.TRACEPOINT, { pid: process.pid });
    const start = count(map);
    using fd = perfEventOpen({
      type: PerfType.TRACEPOINT,
      config: tracepointId('syscalls', 'sys_enter_openat'),
      samplePeriod: 1,
      label: 'openat tracepoint',
    });
    using _link = attachPerfEvent(prog, fd);
    closeSync(openSync('/proc/self/stat', 'r'));
    assert.ok(count(map) - start >= 1n);
  });

  it('rejects pid -1 with cpu -1 before calling the kernel', () => {
    assert.throws(() => perfEventOpen({ type: PerfType.SOFTWARE, pid: -1, cpu: -1 }), { code: 'EINVAL' });
  });

  it('reports a missing event type as a SyscallError naming the event', () => {
    assert.throws(
      () => perfEventOpen({ type: 0x7fff0000, config: 0, label: 'bogus pmu' }),
      (e: unknown) => /bogus pmu: perf_event_open: E/.test((e as Error).message),
    );
  });

  it('hardware events either open or say the kernel lacks them', () => {
    try {
      perfEventOpen({
        type: PerfType.HARDWARE,
        config: PerfHardwareConfig.CPU_CYCLES,
        samplePeriod: 100000,
      }).close();
    } catch (e) {
      assert.ok(isNotSupportedError(e), String(e));
      assert.equal(e.feature, 'hardware perf events');
    }
  });
});
