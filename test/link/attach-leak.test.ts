/**
 * Leak test: attaching and detaching over and over — 1,000 raw tracepoint attach/close cycles, perf-event
 * tracepoint cycles (1,000; 150 in slow kernel-matrix guests; EBPF_TS_LEAK_CYCLES overrides), 1,000 ring buffer
 * reader open/close cycles, 200 perf buffer reader cycles — must leave no descriptor (the
 * /proc/self/fd count, and each anon-inode descriptor: perf events, BPF links, epoll, eventfd) and no
 * mapping (/proc/self/maps: the ring and perf buffer mappings, and the total count) behind. Checked along
 * the way too, so a slow leak shows even if something closed it at the end.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { rawTracepoint, tracepoint } from '../../src/link/index.js';
import { BpfMap } from '../../src/maps/bpf-map.js';
import { PerfReader } from '../../src/perf/index.js';
import { RingBufReader } from '../../src/ringbuf/index.js';
import { MapType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { openAnonFds } from '../helpers/fd-leaks.js';
import { timeScale } from '../helpers/time-scale.js';
import { type CounterMap, count, counterMap, counterProgram } from './helpers.js';

/** What the process holds: descriptors and mappings. */
interface Holdings {
  fds: number;
  anonFds: string[];
  maps: number;
  /** Mappings of anon-inode files: BPF maps (rings) and perf events. */
  anonMaps: string[];
}

function holdings(): Holdings {
  const maps = readFileSync('/proc/self/maps', 'utf8').trimEnd().split('\n');
  return {
    fds: readdirSync('/proc/self/fd').length,
    anonFds: [...openAnonFds()].map(([fd, target]) => `${fd} ${target}`).sort(),
    maps: maps.length,
    anonMaps: maps.filter((l) => l.includes('anon_inode:')).sort(),
  };
}

/**
 * Asserts nothing leaked since `start`: the same descriptor count and anon-inode descriptors, the same
 * anon-inode mappings, and about the same number of mappings overall (V8 and libuv map memory of their
 * own as they go; one leaked reader would add two or more per cycle).
 */
function assertNoLeak(start: Holdings, when: string): void {
  const now = holdings();
  assert.deepEqual(now.anonFds, start.anonFds, `${when}: anon-inode descriptors`);
  assert.equal(now.fds, start.fds, `${when}: descriptors in /proc/self/fd`);
  assert.deepEqual(now.anonMaps, start.anonMaps, `${when}: ring / perf buffer mappings`);
  assert.ok(now.maps - start.maps < 64, `${when}: mappings grew from ${start.maps} to ${now.maps}`);
}

/** Opens a file twice; returns how much the counter grew (other threads of this process may add more). */
function countOpens(map: CounterMap): bigint {
  const before = count(map);
  for (let i = 0; i < 2; i++) closeSync(openSync('/proc/self/stat', 'r'));
  return count(map) - before;
}

/**
 * Perf-event tracepoint cycles. Each detach waits in the kernel for an RCU tasks-trace grace period
 * (perf_event_detach_bpf_prog calls synchronize_rcu_tasks_trace): 30-70 ms on this VM, so 1,000 cycles
 * take 30-60 s. Kernel-matrix guests (EBPF_TS_TIME_SCALE > 1, 10x slower) run 150; EBPF_TS_LEAK_CYCLES
 * sets the count.
 */
const TRACEPOINT_CYCLES = Number(process.env.EBPF_TS_LEAK_CYCLES ?? (timeScale() > 1 ? 150 : 1000));

describe('no leaks over attach/detach cycles', () => {
  // The cycling links count into `map`, the anchors (see below) into `anchorMap`.
  let map: CounterMap;
  let anchorMap: CounterMap;
  before(() => {
    map = counterMap('leak_counter');
    anchorMap = counterMap('leak_anchors');
  });
  after(() => {
    map.close();
    anchorMap.close();
  });

  it('1,000 raw tracepoint attach/close cycles (sys_enter)', () => {
    using prog = counterProgram(map, ProgramType.RAW_TRACEPOINT, { pid: process.pid });
    // Registering the first probe on a tracepoint flips its static key (text patching, slow); a link held
    // for the whole loop keeps it on, so the cycles cost what our code costs.
    using anchorProg = counterProgram(anchorMap, ProgramType.RAW_TRACEPOINT, { name: 'leak_anchor' });
    using _anchor = rawTracepoint({ name: 'sys_enter', program: anchorProg });
    const start = holdings();
    for (let i = 1; i <= 1000; i++) {
      const link = rawTracepoint({ name: 'sys_enter', program: prog });
      if (i === 1 || i === 1000) assert.ok(countOpens(map) >= 4n, `cycle ${i}: the link fires`);
      link.close();
      if (i % 250 === 0) assertNoLeak(start, `after ${i} cycles`);
    }
    assert.equal(countOpens(map), 0n, 'the 1,000 links are all detached');
  });

  it(`${TRACEPOINT_CYCLES} tracepoint (perf event) attach/close cycles (syscalls/sys_enter_openat)`, () => {
    using prog = counterProgram(map, ProgramType.TRACEPOINT, { pid: process.pid });
    // As above, one link held open keeps the tracepoint registered (else each last close also waits for
    // tracepoint_synchronize_unregister). It needs a program of its own: the kernel refuses the same
    // program twice on one tracepoint.
    using anchorProg = counterProgram(anchorMap, ProgramType.TRACEPOINT, { name: 'leak_anchor' });
    using _anchor = tracepoint('syscalls', 'sys_enter_openat', anchorProg);
    const start = holdings();
    const every = Math.max(1, Math.floor(TRACEPOINT_CYCLES / 4));
    for (let i = 1; i <= TRACEPOINT_CYCLES; i++) {
      const link = tracepoint('syscalls', 'sys_enter_openat', prog);
      if (i === 1 || i === TRACEPOINT_CYCLES) assert.ok(countOpens(map) >= 2n, `cycle ${i}: the link fires`);
      link.close();
      if (i % every === 0) assertNoLeak(start, `after ${i} cycles`);
    }
    assert.equal(countOpens(map), 0n, 'the links are all detached');
  });

  it('1,000 ring buffer reader open/close cycles', () => {
    using ring = BpfMap.create({
      name: 'leak_ring',
      type: MapType.RINGBUF,
      keySize: 0,
      valueSize: 0,
      maxEntries: 64 * 1024,
    });
    const start = holdings();
    for (let i = 1; i <= 1000; i++) {
      const reader = new RingBufReader(ring, { copy: i % 2 === 0 });
      assert.equal(reader.tryRead(), undefined);
      if (i % 3 === 0) void reader.read().catch(() => undefined); // closed while a read waits
      reader.close();
      if (i % 250 === 0) assertNoLeak(start, `after ${i} cycles`);
    }
  });

  it('200 perf buffer reader open/close cycles', () => {
    using events = BpfMap.create({
      name: 'leak_events',
      type: MapType.PERF_EVENT_ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 0,
    });
    const start = holdings();
    for (let i = 1; i <= 200; i++) {
      const reader = new PerfReader(events, { perCpuBufferBytes: 8192 });
      assert.equal(reader.tryRead(), undefined);
      reader.close();
      if (i % 50 === 0) assertNoLeak(start, `after ${i} cycles`);
    }
  });

  it('readers closed while a read waits release everything once the wait ends', async () => {
    using ring = BpfMap.create({
      name: 'leak_ring2',
      type: MapType.RINGBUF,
      keySize: 0,
      valueSize: 0,
      maxEntries: 4096,
    });
    const start = holdings();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 50; i++) {
      const reader = new RingBufReader(ring);
      pending.push(reader.read().catch((e: unknown) => e));
      reader.close();
    }
    await Promise.all(pending);
    assertNoLeak(start, 'after the waits ended');
  });
});
