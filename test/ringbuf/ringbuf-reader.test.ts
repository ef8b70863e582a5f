/**
 * RingBufReader against the kernel: records written by hand-assembled programs (BPF_PROG_TEST_RUN) are read
 * back through the mapped ring, with waiting, closing, aborting, zero-copy and draining.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isClosedError, isEbpfError } from '../../src/errors.js';
import { BpfMap } from '../../src/maps/bpf-map.js';
import { pageSize } from '../../src/maps/system-info.js';
import { RingBufReader, type RingBufRecord } from '../../src/ringbuf/index.js';
import { defaultContext } from '../../src/syscall/context.js';
import { MapType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { scaledMs } from '../helpers/time-scale.js';
import {
  BURST_RECORD_SIZE,
  burstProgram,
  burstRecord,
  emit,
  outputProgram,
  payload,
  reserve,
  reservedBytes,
  reserveProgram,
  ringMap,
  scratchMap,
} from './producers.js';

checkFdLeaks();

/** A ring of `size` bytes with the output and reserve programs; dispose closes everything. */
function fixture(size = 4096) {
  const map = ringMap(size);
  const scratch = scratchMap();
  const out = outputProgram(map, scratch);
  const submit = reserveProgram(map, false);
  const discard = reserveProgram(map, true);
  return {
    map,
    out,
    submit,
    discard,
    [Symbol.dispose]() {
      for (const o of [out, submit, discard, scratch, map]) o.close();
    },
  };
}

/** The consumer position the kernel sees, through a read-only mapping of the consumer page. */
function kernelConsumerPos(map: BpfMap): bigint {
  const ctx = defaultContext();
  const backend = ctx.backend;
  const page = pageSize(ctx);
  const addr = backend.mmap(page, 1 /* PROT_READ */, 1 /* MAP_SHARED */, map.fd.raw, 0);
  assert.ok(addr > 0n);
  try {
    return new BigUint64Array(backend.memoryView(addr, 8))[0] as bigint;
  } finally {
    backend.munmap(addr, page);
  }
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ring bytes taken by records of these payload lengths (8-byte header, padded to 8). */
function consumedBytes(lengths: number[]): bigint {
  return BigInt(lengths.reduce((sum, n) => sum + ((n + 15) & ~7), 0));
}

describe('RingBufReader', () => {
  it('reads records written by bpf_ringbuf_output with exact contents, in order', async () => {
    using f = fixture();
    using reader = new RingBufReader(f.map);
    const lengths = [1, 7, 8, 13, 100, 0, 255, 1000];
    for (const [i, n] of lengths.entries()) assert.equal(emit(f.out, payload(i, n)), 0);
    for (const [i, n] of lengths.entries()) {
      const { sample } = await reader.read();
      assert.deepEqual(sample, payload(i, n), `record ${i}`);
    }
    assert.equal(reader.tryRead(), undefined);
    assert.equal(reader.available(), 0);
  });

  it('reads reserved records that were submitted and skips discarded ones', () => {
    using f = fixture();
    using reader = new RingBufReader(f.map);
    const want: Uint8Array[] = [];
    for (let i = 0n; i < 12n; i++) {
      if (i % 3n === 1n) assert.equal(reserve(f.discard, i, ~i & 0xffffn), 0);
      else {
        assert.equal(reserve(f.submit, i, i * 1000n), 0);
        want.push(reservedBytes(i, i * 1000n));
      }
    }
    assert.equal(reader.available(), 12 * 24, 'discarded records take space until consumed');
    const got: Uint8Array[] = [];
    for (let r = reader.tryRead(); r; r = reader.tryRead()) got.push(r.sample);
    assert.deepEqual(got, want);
    assert.equal(reader.available(), 0, 'discarded records were consumed too');
  });

  it('wraps around the ring: more bytes in total than the ring holds, records across its end', async () => {
    const size = 4096;
    using f = fixture(size);
    using reader = new RingBufReader(f.map);
    assert.equal(reader.size, size);
    let produced = 0;
    let position = 0;
    let straddling = 0;
    let totalBytes = 0;
    for (let round = 0; round < 40; round++) {
      const batch: Array<[number, number]> = [];
      // Fill about half the ring, then read it all back.
      for (let used = 0; used < size / 2; produced++) {
        const n = (produced * 37) % 301;
        assert.equal(emit(f.out, payload(produced, n)), 0);
        const total = (n + 15) & ~7;
        if ((position % size) + total > size) straddling++;
        position += total;
        used += total;
        totalBytes += total;
        batch.push([produced, n]);
      }
      for (const [seq, n] of batch)
        assert.deepEqual((await reader.read()).sample, payload(seq, n), `record ${seq}`);
    }
    assert.ok(totalBytes > 10 * size, `${totalBytes} bytes went through a ${size}-byte ring`);
    assert.ok(straddling > 5, `${straddling} records ran past the end of the data area`);
    // Strictly interleaved: one record written, one read.
    for (let i = 0; i < 200; i++) {
      const n = (i * 53) % 400;
      assert.equal(emit(f.out, payload(i, n)), 0);
      assert.deepEqual((await reader.read()).sample, payload(i, n));
    }
  });

  it('a pending read is woken by a record produced after it started waiting', async () => {
    using f = fixture();
    using reader = new RingBufReader(f.map);
    const pending = reader.read();
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await tick(30);
    assert.equal(settled, false, 'still waiting (the event loop kept running)');
    emit(f.out, payload(42, 33));
    assert.deepEqual((await pending).sample, payload(42, 33));
  });

  it('serves concurrent reads in order', async () => {
    using f = fixture();
    using reader = new RingBufReader(f.map);
    const reads = [reader.read(), reader.read(), reader.read()];
    await tick(10);
    for (let i = 0; i < 3; i++) emit(f.out, payload(i, 10 + i));
    const got = await Promise.all(reads);
    assert.deepEqual(
      got.map((r) => r.sample),
      [0, 1, 2].map((i) => payload(i, 10 + i)),
    );
  });

  it('close() wakes a pending read with ClosedError; later calls throw ClosedError', async () => {
    using f = fixture();
    const reader = new RingBufReader(f.map);
    const pending = reader.read();
    setTimeout(() => reader.close(), 20);
    await assert.rejects(pending, isClosedError);
    await assert.rejects(reader.read(), isClosedError);
    assert.throws(() => reader.tryRead(), isClosedError);
    assert.throws(() => reader.available(), isClosedError);
    assert.throws(() => reader.drain(() => undefined), isClosedError);
    reader.close();
    assert.equal(reader.closed, true);
  });

  it('an AbortSignal (reader-wide or per read) ends a pending read with its reason', async () => {
    using f = fixture();
    const ac = new AbortController();
    using reader = new RingBufReader(f.map, { signal: ac.signal });
    const pending = reader.read();
    setTimeout(() => ac.abort(new Error('stop reading')), 20);
    await assert.rejects(pending, /stop reading/);
    await assert.rejects(reader.read(), /stop reading/);

    using other = new RingBufReader(f.map);
    const perRead = new AbortController();
    const p2 = other.read({ signal: perRead.signal });
    setTimeout(() => perRead.abort(new Error('this read only')), 20);
    await assert.rejects(p2, /this read only/);
    emit(f.out, payload(1, 4));
    assert.deepEqual((await other.read()).sample, payload(1, 4), 'the reader still works');
  });

  it('for await yields records and ends quietly on close', async () => {
    using f = fixture();
    const reader = new RingBufReader(f.map);
    for (let i = 0; i < 3; i++) emit(f.out, payload(i, 20));
    setTimeout(() => reader.close(), 50);
    const seen: Uint8Array[] = [];
    for await (const { sample } of reader) seen.push(sample);
    assert.deepEqual(
      seen,
      [0, 1, 2].map((i) => payload(i, 20)),
    );
    assert.equal(reader.closed, true);
  });

  it('for await ends quietly when the loop body closes the reader', async () => {
    using f = fixture();
    const reader = new RingBufReader(f.map);
    for (let i = 0; i < 4; i++) emit(f.out, payload(i, 12));
    const seen: Uint8Array[] = [];
    for await (const { sample } of reader) {
      seen.push(sample);
      if (seen.length === 2) reader.close();
    }
    assert.deepEqual(seen, [payload(0, 12), payload(1, 12)]);
  });

  it('break leaves the reader open; a later loop goes on with the next record', async () => {
    using f = fixture();
    using reader = new RingBufReader(f.map);
    for (let i = 0; i < 3; i++) emit(f.out, payload(i, 10));
    for await (const { sample } of reader) {
      assert.deepEqual(sample, payload(0, 10));
      break;
    }
    assert.equal(reader.closed, false);
    for await (const { sample } of reader) {
      assert.deepEqual(sample, payload(1, 10));
      break;
    }
  });

  it('an aborted reader-wide signal makes for await throw its reason (Node convention), also with records ready', async () => {
    using f = fixture();
    const ac = new AbortController();
    using reader = new RingBufReader(f.map, { signal: ac.signal });
    for (let i = 0; i < 4; i++) emit(f.out, payload(i, 8));
    const seen: Uint8Array[] = [];
    const loop = async () => {
      for await (const { sample } of reader) {
        seen.push(sample);
        if (seen.length === 2) ac.abort(new Error('shutting down'));
      }
    };
    await assert.rejects(loop(), /shutting down/);
    assert.equal(seen.length, 2, 'no record after the abort');
    await assert.rejects(reader.read(), /shutting down/, 'read() agrees with the loop');
  });

  it('aborting while for await waits throws an AbortError DOMException for a plain abort()', async () => {
    using f = fixture();
    const ac = new AbortController();
    using reader = new RingBufReader(f.map, { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(
      (async () => {
        for await (const _ of reader) assert.fail('no record was produced');
      })(),
      (e) => e instanceof DOMException && e.name === 'AbortError',
    );
  });

  it('the event loop keeps running while a read waits (an interval timer keeps firing)', async () => {
    using f = fixture();
    using reader = new RingBufReader(f.map);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const pending = reader.read();
      // scaled: on one slow vCPU (qemu TCG) the poller thread's start-up alone competes for the CPU
      const window = scaledMs(120);
      await tick(window);
      assert.ok(ticks >= 5, `only ${ticks} ticks in ${window} ms`);
      emit(f.out, payload(7, 16));
      assert.deepEqual((await pending).sample, payload(7, 16));
    } finally {
      clearInterval(timer);
    }
  });

  it('drainInPlace hands over records where they lie and releases them in batches', () => {
    using f = fixture();
    using reader = new RingBufReader(f.map);
    const lengths = [3, 16, 0, 100, 41];
    for (const [i, n] of lengths.entries()) emit(f.out, payload(i, n));
    reserve(f.discard, 1n, 2n);
    emit(f.out, payload(9, 5));
    const seen: Uint8Array[] = [];
    let ring: ArrayBufferLike | undefined;
    const n = reader.drainInPlace((data, offset, length, view, remaining) => {
      ring = data.buffer;
      if (length > 0) assert.equal(view.getUint8(offset), data[offset], 'view and bytes agree');
      assert.ok(remaining >= 0);
      seen.push(data.slice(offset, offset + length));
    });
    assert.equal(n, 6);
    assert.equal(ring?.byteLength, 4096 + 2 * 4096, 'the mapped ring itself');
    assert.deepEqual(seen, [...lengths.map((len, i) => payload(i, len)), payload(9, 5)]);
    assert.equal(
      kernelConsumerPos(f.map),
      consumedBytes([...lengths, 16, 5]),
      'all of it (the discarded record too) released',
    );
    assert.equal(
      reader.drainInPlace(() => assert.fail('nothing left')),
      0,
    );
  });

  it('drainInPlace: reading from inside the callback throws EBUSY; closing from it stops the drain', () => {
    using f = fixture();
    const reader = new RingBufReader(f.map);
    for (let i = 0; i < 3; i++) emit(f.out, payload(i, 8));
    assert.throws(
      () => reader.drainInPlace(() => reader.tryRead()),
      (e) => isEbpfError(e) && e.code === 'EBUSY',
    );
    assert.equal(
      reader.drainInPlace(() => reader.close()),
      1,
    );
    assert.throws(() => reader.drainInPlace(() => undefined), isClosedError);
  });

  it('zero-copy reads return views of the ring, released by the next read', async () => {
    using f = fixture();
    using reader = new RingBufReader(f.map, { copy: false });
    emit(f.out, payload(1, 24));
    emit(f.out, payload(2, 40));
    const first = await reader.read();
    assert.deepEqual(first.sample, payload(1, 24));
    assert.equal(first.sample.buffer.byteLength, 4096 + 2 * 4096, 'a view of the producer mapping');
    assert.equal(reader.available(), 48, 'the second record is unread');
    assert.equal(kernelConsumerPos(f.map), 0n, 'the first record is not released while its view is in use');
    const second = reader.tryRead();
    assert.deepEqual(second?.sample, payload(2, 40));
    assert.equal(kernelConsumerPos(f.map), 32n, 'the next read released the first record');
    const copied = reader.tryRead({ copy: true });
    assert.equal(copied, undefined);
    emit(f.out, payload(3, 8));
    const third = await reader.read({ copy: true });
    assert.equal(third.sample.buffer.byteLength, 8, 'per-read copy overrides the reader default');
  });

  it('drain() hands over what is available, up to max, synchronously', () => {
    using f = fixture();
    for (const copy of [true, false]) {
      using reader = new RingBufReader(f.map, { copy });
      for (let i = 0; i < 10; i++) emit(f.out, payload(i, 16 + i));
      const seen: Uint8Array[] = [];
      const remaining: number[] = [];
      const collect = (r: RingBufRecord) => {
        seen.push(r.sample.slice());
        remaining.push(r.remaining);
      };
      assert.equal(reader.drain(collect, 4), 4);
      assert.equal(reader.drain(collect), 6);
      assert.equal(reader.drain(collect), 0);
      const sizes = Array.from({ length: 10 }, (_, i) => (16 + i + 15) & ~7);
      assert.deepEqual(
        remaining,
        sizes.map((_, i) => sizes.slice(i + 1).reduce((a, b) => a + b, 0)),
        'bytes left after each record',
      );
      assert.deepEqual(
        seen,
        Array.from({ length: 10 }, (_, i) => payload(i, 16 + i)),
        `copy=${copy}`,
      );
    }
  });

  it('drain() stops cleanly when the callback closes the reader', () => {
    using f = fixture();
    const reader = new RingBufReader(f.map);
    for (let i = 0; i < 5; i++) emit(f.out, payload(i, 8));
    assert.equal(
      reader.drain(() => reader.close()),
      1,
    );
    assert.equal(reader.closed, true);
  });

  it('keeps reading after the map object is closed (it holds its own descriptor)', async () => {
    using f = fixture();
    const map = f.map;
    using reader = new RingBufReader(map);
    emit(f.out, payload(5, 12));
    map.close();
    assert.deepEqual((await reader.read()).sample, payload(5, 12));
  });

  it('rejects maps that are not ring buffers, and closed maps', () => {
    using array = BpfMap.create({
      name: 'not_rb',
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
    });
    assert.throws(
      () => new RingBufReader(array),
      (e) => isEbpfError(e) && e.code === 'EINVAL' && /not RINGBUF/.test(e.message),
    );
    const rb = ringMap();
    rb.close();
    assert.throws(() => new RingBufReader(rb), isClosedError);
  });

  it('throughput: bursts of records drained in batches (records/s logged)', async (t) => {
    const size = 1 << 22;
    using map = ringMap(size, 'rb_burst');
    using prog = burstProgram(map);
    using reader = new RingBufReader(map, { copy: false });
    const want = burstRecord();
    const perRun = Math.floor(size / (BURST_RECORD_SIZE + 8) / 2);
    const rounds = 20;
    let received = 0;
    let drainNs = 0n;
    let bad = 0;
    const start = process.hrtime.bigint();
    for (let round = 0; round < rounds; round++) {
      await prog.testRunAsync({ data: new Uint8Array(64), repeat: perRun });
      const t0 = process.hrtime.bigint();
      received += reader.drain((r) => {
        if (r.sample.length !== BURST_RECORD_SIZE || r.sample[63] !== want[63] || r.sample[0] !== want[0])
          bad++;
      });
      drainNs += process.hrtime.bigint() - t0;
    }
    const totalNs = process.hrtime.bigint() - start;
    assert.equal(received, perRun * rounds);
    assert.equal(bad, 0);
    const drainRate = Math.round(received / (Number(drainNs) / 1e9));
    const endToEnd = Math.round(received / (Number(totalNs) / 1e9));
    t.diagnostic(
      `ringbuf: ${received} records of ${BURST_RECORD_SIZE} bytes; drain ${drainRate} records/s, end to end (incl. producing) ${endToEnd} records/s`,
    );
    assert.ok(drainRate > 100_000, `drain rate ${drainRate} records/s`);
  });
});
