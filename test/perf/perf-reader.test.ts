/**
 * PerfReader against the kernel: samples written by a hand-assembled socket filter (BPF_PROG_TEST_RUN,
 * bpf_perf_event_output with BPF_F_CURRENT_CPU) on chosen CPUs, lost-sample reports, records that wrap
 * around small buffers, wakeup settings, pause/resume, and close/abort semantics.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isClosedError, isEbpfError } from '../../src/errors.js';
import { BpfMap } from '../../src/maps/bpf-map.js';
import { pageSize, possibleCpus } from '../../src/maps/system-info.js';
import { PerfReader, type PerfRecord } from '../../src/perf/index.js';
import { defaultContext } from '../../src/syscall/context.js';
import { MapType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { scaledMs } from '../helpers/time-scale.js';
import { emit, eventsMap, expectedSample, MARKER, onCpu, outputProgram, paddedRawSize } from './producers.js';

checkFdLeaks();

const ENOENT = -2;
const ENOSPC = -28;
const page = pageSize(defaultContext());

function fixture() {
  const map = eventsMap();
  const prog = outputProgram(map);
  return {
    map,
    prog,
    [Symbol.dispose]() {
      prog.close();
      map.close();
    },
  };
}

/** Asserts `r` is the sample written for `packet(seq, body)`: the program's bytes, then padding. */
function assertSample(r: PerfRecord | undefined, seq: number, body: number, cpu?: number): void {
  assert.ok(r, `record ${seq} present`);
  assert.equal(r.lost, 0);
  if (cpu !== undefined) assert.equal(r.cpu, cpu);
  const want = expectedSample(seq, body);
  assert.equal(r.sample.length, paddedRawSize(want.length), `record ${seq} raw size`);
  // The padding is not written by the kernel (stale ring bytes), so only the program's bytes are compared.
  assert.deepEqual(r.sample.subarray(0, want.length), want, `record ${seq} contents`);
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PerfReader', () => {
  it('opens one buffer per possible CPU', () => {
    using f = fixture();
    using reader = new PerfReader(f.map, { perCpuBufferBytes: 3 * page });
    assert.deepEqual(
      reader.cpus,
      Array.from({ length: possibleCpus(defaultContext()) }, (_, i) => i),
    );
    assert.equal(reader.perCpuBufferBytes, 4 * page, 'rounded up to a power-of-two number of pages');
  });

  it('samples arrive with exact contents and the CPU they were written on', () => {
    using f = fixture();
    using reader = new PerfReader(f.map);
    const cpus = reader.cpus;
    for (const cpu of cpus) {
      onCpu(cpu, () => {
        for (let i = 0; i < 5; i++) assert.equal(emit(f.prog, cpu * 10 + i, 20 + i * 9), 0);
      });
    }
    const got = new Map<number, PerfRecord[]>();
    for (let r = reader.tryRead(); r; r = reader.tryRead()) got.set(r.cpu, [...(got.get(r.cpu) ?? []), r]);
    for (const cpu of cpus) {
      const records = got.get(cpu) ?? [];
      assert.equal(records.length, 5, `cpu ${cpu}`);
      for (const [i, r] of records.entries()) assertSample(r, cpu * 10 + i, 20 + i * 9, cpu);
    }
  });

  it('reports samples lost while the buffer was full, then resumes with the next sample', () => {
    using f = fixture();
    using reader = new PerfReader(f.map, { perCpuBufferBytes: page });
    const results = onCpu(0, () => Array.from({ length: 12 }, (_, i) => emit(f.prog, i, 1000)));
    const stored = results.filter((r) => r === 0).length;
    const dropped = results.filter((r) => r === ENOSPC).length;
    assert.equal(stored + dropped, 12, `results ${results}`);
    assert.ok(stored >= 1 && dropped >= 1, `stored ${stored}, dropped ${dropped}`);
    for (let i = 0; i < stored; i++) assertSample(reader.tryRead(), i, 1000, 0);
    assert.equal(reader.tryRead(), undefined);
    // The kernel reports the loss with the next write that fits.
    onCpu(0, () => assert.equal(emit(f.prog, 99, 40), 0));
    const lost = reader.tryRead();
    assert.deepEqual(lost && { cpu: lost.cpu, lost: lost.lost, size: lost.sample.length }, {
      cpu: 0,
      lost: dropped,
      size: 0,
    });
    assertSample(reader.tryRead(), 99, 40, 0);
    assert.equal(reader.lostSamples, dropped);
  });

  for (const copy of [true, false]) {
    it(`reassembles records that wrap around a one-page buffer (copy=${copy})`, () => {
      using f = fixture();
      using reader = new PerfReader(f.map, { perCpuBufferBytes: page, copy });
      let position = 0;
      let wrapped = 0;
      onCpu(reader.cpus.length - 1, () => {
        for (let i = 0; i < 300; i++) {
          const body = 1 + ((i * 29) % 300);
          assert.equal(emit(f.prog, i, body), 0);
          const size = 8 + 4 + paddedRawSize(8 + body);
          if ((position % page) + size > page) wrapped++;
          position += size;
          assertSample(reader.tryRead(), i, body, reader.cpus.length - 1);
        }
      });
      assert.ok(position > 10 * page, `${position} bytes through a ${page}-byte buffer`);
      assert.ok(wrapped > 5, `${wrapped} records wrapped around the end`);
    });
  }

  it('a pending read is woken by a sample written after it started waiting', async () => {
    using f = fixture();
    using reader = new PerfReader(f.map);
    const pending = reader.read();
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await tick(30);
    assert.equal(settled, false, 'still waiting (the event loop kept running)');
    emit(f.prog, 7, 64);
    assertSample(await pending, 7, 64);
  });

  it('wakeupEvents: a waiting read wakes once that many samples are in a buffer', async () => {
    using f = fixture();
    using reader = new PerfReader(f.map, { wakeupEvents: 3 });
    const pending = reader.read();
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await tick(20);
    onCpu(0, () => emit(f.prog, 1, 16));
    await tick(60);
    assert.equal(settled, false, 'one sample does not wake the reader');
    onCpu(0, () => {
      emit(f.prog, 2, 16);
      emit(f.prog, 3, 16);
    });
    assertSample(await pending, 1, 16, 0);
    assertSample(reader.tryRead(), 2, 16, 0);
  });

  it('pause() makes writes fail with ENOENT; resume() restores them', async () => {
    using f = fixture();
    using reader = new PerfReader(f.map);
    reader.pause();
    assert.equal(reader.paused, true);
    assert.equal(emit(f.prog, 1, 8), ENOENT);
    reader.resume();
    assert.equal(emit(f.prog, 2, 8), 0);
    assertSample(await reader.read(), 2, 8);
  });

  it('close() wakes a pending read with ClosedError and removes the buffers from the array', async () => {
    using f = fixture();
    const reader = new PerfReader(f.map);
    const pending = reader.read();
    setTimeout(() => reader.close(), 20);
    await assert.rejects(pending, isClosedError);
    await assert.rejects(reader.read(), isClosedError);
    assert.throws(() => reader.tryRead(), isClosedError);
    assert.throws(() => reader.pause(), isClosedError);
    assert.equal(emit(f.prog, 1, 8), ENOENT, 'programs no longer write to the closed buffers');
  });

  it('an AbortSignal ends a pending read with its reason', async () => {
    using f = fixture();
    const ac = new AbortController();
    using reader = new PerfReader(f.map, { signal: ac.signal });
    const pending = reader.read();
    setTimeout(() => ac.abort(new Error('stop perf')), 20);
    await assert.rejects(pending, /stop perf/);
    const per = new AbortController();
    per.abort(new Error('already'));
    await assert.rejects(reader.read({ signal: per.signal }), /stop perf|already/);
  });

  it('for await yields samples and ends quietly on close', async () => {
    using f = fixture();
    const reader = new PerfReader(f.map);
    for (let i = 0; i < 3; i++) emit(f.prog, i, 10);
    setTimeout(() => reader.close(), 50);
    const seen: PerfRecord[] = [];
    for await (const r of reader) seen.push(r);
    assert.equal(seen.length, 3);
    assert.equal(reader.closed, true);
  });

  it('for await ends quietly when the loop body closes the reader', async () => {
    using f = fixture();
    const reader = new PerfReader(f.map);
    onCpu(0, () => {
      for (let i = 0; i < 4; i++) emit(f.prog, i, 10);
    });
    const seen: PerfRecord[] = [];
    for await (const r of reader) {
      seen.push(r);
      if (seen.length === 2) reader.close();
    }
    assert.equal(seen.length, 2);
    assertSample(seen[0], 0, 10, 0);
    assertSample(seen[1], 1, 10, 0);
  });

  it('an aborted reader-wide signal makes for await throw its reason, also with samples ready', async () => {
    using f = fixture();
    const ac = new AbortController();
    using reader = new PerfReader(f.map, { signal: ac.signal });
    onCpu(0, () => {
      for (let i = 0; i < 4; i++) emit(f.prog, i, 10);
    });
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of reader) if (++seen === 2) ac.abort(new Error('perf shutting down'));
      })(),
      /perf shutting down/,
    );
    assert.equal(seen, 2);
    await assert.rejects(reader.read(), /perf shutting down/, 'read() agrees with the loop');
  });

  it('aborting while for await waits throws an AbortError DOMException for a plain abort()', async () => {
    using f = fixture();
    const ac = new AbortController();
    using reader = new PerfReader(f.map, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(
      (async () => {
        for await (const _ of reader) assert.fail('no sample was written');
      })(),
      (e) => e instanceof DOMException && e.name === 'AbortError',
    );
  });

  it('the event loop keeps running while a read waits (an interval timer keeps firing)', async () => {
    using f = fixture();
    using reader = new PerfReader(f.map);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const pending = reader.read();
      // scaled: on one slow vCPU (qemu TCG) the poller thread's start-up alone competes for the CPU
      const window = scaledMs(120);
      await tick(window);
      assert.ok(ticks >= 5, `only ${ticks} ticks in ${window} ms`);
      onCpu(0, () => emit(f.prog, 3, 24));
      assertSample(await pending, 3, 24, 0);
    } finally {
      clearInterval(timer);
    }
  });

  it('drainInPlace hands over samples where they lie, with their cpu; losses go to lostSamples', () => {
    using f = fixture();
    using reader = new PerfReader(f.map, { perCpuBufferBytes: page });
    const cpus = reader.cpus;
    const results = onCpu(0, () => Array.from({ length: 12 }, (_, i) => emit(f.prog, i, 1000)));
    const written = results.filter((r) => r === 0).length;
    assert.ok(written < 12 && results.every((r) => r === 0 || r === ENOSPC), 'some samples did not fit');
    for (const cpu of cpus.slice(1)) onCpu(cpu, () => emit(f.prog, 100 + cpu, 16));
    const seen: Array<[number, number]> = [];
    const n = reader.drainInPlace((data, offset, length, view, cpu) => {
      assert.equal(view.getUint32(offset + 4, true), MARKER);
      seen.push([cpu, view.getUint32(offset, true)]);
      assert.equal(length, paddedRawSize(8 + view.getUint32(offset, true)));
      void data;
    });
    assert.equal(n, written + cpus.length - 1);
    assert.deepEqual(
      seen.filter(([cpu]) => cpu === 0).map(([, len]) => len),
      Array.from({ length: written }, () => 1000),
    );
    assert.equal(
      reader.drainInPlace(() => assert.fail('nothing left')),
      0,
    );
    // The kernel reports the loss with the next write that fits: a lost record, then the sample.
    onCpu(0, () => assert.equal(emit(f.prog, 99, 40), 0));
    assert.equal(
      reader.drainInPlace((_data, offset, _length, view) => assert.equal(view.getUint32(offset, true), 40)),
      1,
      'the lost record is not handed over',
    );
    assert.equal(reader.lostSamples, 12 - written, 'but counted');
  });

  it('drain() hands over what is available, up to max', () => {
    using f = fixture();
    using reader = new PerfReader(f.map, { copy: false });
    onCpu(0, () => {
      for (let i = 0; i < 9; i++) emit(f.prog, i, 30);
    });
    const seen: number[] = [];
    const collect = (r: PerfRecord) => seen.push(r.sample[8] as number);
    assert.equal(reader.drain(collect, 4), 4);
    assert.equal(reader.drain(collect), 5);
    assert.equal(reader.drain(collect), 0);
    assert.deepEqual(
      seen,
      Array.from({ length: 9 }, (_, i) => expectedSample(i, 30)[8]),
    );
  });

  it('rejects maps that are not perf event arrays, and closed maps', () => {
    using ringbuf = BpfMap.create({
      name: 'not_perf',
      type: MapType.RINGBUF,
      keySize: 0,
      valueSize: 0,
      maxEntries: page,
    });
    assert.throws(
      () => new PerfReader(ringbuf),
      (e) => isEbpfError(e) && e.code === 'EINVAL' && /not PERF_EVENT_ARRAY/.test(e.message),
    );
    const m = eventsMap();
    m.close();
    assert.throws(() => new PerfReader(m), isClosedError);
  });
});
