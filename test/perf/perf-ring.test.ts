/**
 * The perf buffer record walk on plain memory laid out like the kernel's mapping: records that wrap around
 * the end of the data area (headers included), lost records, unknown records, u64 head/tail wrap and
 * corrupt input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isParseError } from '../../src/errors.js';
import { hostByteOrder } from '../../src/internal/bytes.js';
import { PerfMmapPageLayout, PerfRecordType, PerfRing } from '../../src/perf/index.js';

const LE = hostByteOrder === 'little';
const U64 = 1n << 64n;
const HEAD = PerfMmapPageLayout.data_head / 8;
const TAIL = PerfMmapPageLayout.data_tail / 8;

/** A fake per-CPU buffer: the producer writes whole records at a free-running u64 head. */
class FakeBuffer {
  readonly meta = new BigUint64Array(512);
  readonly data: Uint8Array;
  head: bigint;

  constructor(
    readonly size: number,
    start = 0n,
  ) {
    this.data = new Uint8Array(size);
    this.head = start;
    this.meta[HEAD] = start;
    this.meta[TAIL] = start;
  }

  /** Writes a record (header + body) at the head, wrapping, and publishes the head. */
  record(type: number, body: Uint8Array, size = 8 + body.length): bigint {
    const bytes = new Uint8Array(8 + body.length);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, type, LE);
    dv.setUint16(6, size, LE);
    bytes.set(body, 8);
    const at = this.head;
    for (let i = 0; i < bytes.length; i++)
      this.data[Number((at + BigInt(i)) % BigInt(this.size))] = bytes[i] as number;
    this.head = (at + BigInt(bytes.length)) % U64;
    this.meta[HEAD] = this.head;
    return at;
  }

  /** A PERF_SAMPLE_RAW sample of `raw` (no padding added: the kernel's padding is part of `raw`). */
  sample(raw: Uint8Array): bigint {
    const body = new Uint8Array(4 + raw.length);
    new DataView(body.buffer).setUint32(0, raw.length, LE);
    body.set(raw, 4);
    return this.record(PerfRecordType.SAMPLE, body);
  }

  lost(n: bigint): bigint {
    const body = new Uint8Array(16);
    new DataView(body.buffer).setBigUint64(8, n, LE);
    return this.record(PerfRecordType.LOST, body);
  }
}

function raw(seq: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seq * 11 + i * 3 + 1) & 0xff);
}

function ringOf(buf: FakeBuffer, cpu = 3): PerfRing {
  return new PerfRing(cpu, { meta: buf.meta, data: buf.data });
}

describe('PerfRing', () => {
  it('reads samples in order with their cpu, releasing data_tail only on release()', () => {
    const buf = new FakeBuffer(256);
    const samples = [raw(1, 4), raw(2, 12), raw(3, 60)];
    for (const s of samples) buf.sample(s);
    const ring = ringOf(buf);
    assert.equal(ring.refresh(), 16 + 24 + 72);
    for (const s of samples) {
      const r = ring.next(true);
      assert.deepEqual(r && { cpu: r.cpu, sample: r.sample, lost: r.lost }, { cpu: 3, sample: s, lost: 0 });
    }
    assert.equal(ring.next(true), undefined);
    assert.equal(buf.meta[TAIL], 0n);
    ring.release();
    assert.equal(buf.meta[TAIL], buf.head);
  });

  it('surfaces PERF_RECORD_LOST as a record and counts it', () => {
    const buf = new FakeBuffer(256);
    buf.lost(7n);
    buf.sample(raw(1, 4));
    buf.lost(5n);
    const ring = ringOf(buf);
    ring.refresh();
    assert.deepEqual(
      [ring.next(true), ring.next(true), ring.next(true)].map((r) => [r?.lost, r?.sample.length]),
      [
        [7, 0],
        [0, 4],
        [5, 0],
      ],
    );
    assert.equal(ring.lostSamples, 12);
  });

  it('skips records of other types', () => {
    const buf = new FakeBuffer(256);
    buf.record(3 /* PERF_RECORD_COMM */, new Uint8Array(16));
    buf.sample(raw(9, 4));
    const ring = ringOf(buf);
    ring.refresh();
    assert.deepEqual(ring.next(true)?.sample, raw(9, 4));
  });

  for (const copy of [true, false]) {
    it(`reassembles records that wrap around the end, headers included (copy=${copy})`, () => {
      const size = 128;
      const buf = new FakeBuffer(size, 0n);
      const ring = ringOf(buf);
      let wrapped = 0;
      let headerSplit = 0;
      for (let i = 0; i < 300; i++) {
        // 13..60 bytes: record sizes that do not divide the ring, so every alignment comes up.
        const s = raw(i, 13 + ((i * 7) % 48));
        const at = Number(buf.sample(s) % BigInt(size));
        if (at + 12 + s.length > size) wrapped++;
        if (at + 8 > size) headerSplit++;
        ring.refresh();
        const r = ring.next(copy);
        assert.deepEqual(r?.sample, s, `record ${i}`);
        if (!copy && r && at + 12 + s.length <= size)
          assert.equal(r.sample.buffer, buf.data.buffer, 'in-place view');
        ring.release();
      }
      assert.ok(wrapped > 20, `${wrapped} records wrapped`);
      assert.ok(headerSplit > 5, `${headerSplit} headers wrapped`);
    });
  }

  it('keeps working when head and tail wrap around 2^64', () => {
    const buf = new FakeBuffer(256, U64 - 40n);
    const ring = ringOf(buf);
    for (let i = 0; i < 40; i++) {
      const s = raw(i, 4 + (i % 20));
      buf.sample(s);
      assert.ok(ring.refresh() > 0);
      assert.deepEqual(ring.next(true)?.sample, s);
      ring.release();
      assert.equal(buf.meta[TAIL], buf.head);
    }
    assert.ok(buf.head < 4096n, 'head wrapped');
  });

  /** Drains `ring` in place: copies of the samples, with the cpu and remaining count passed along. */
  function drainAll(ring: PerfRing, max?: number, onLost?: (lost: number) => void) {
    const out: Array<{ sample: Uint8Array; cpu: number; remaining: number }> = [];
    ring.drainInPlace(
      (data, offset, length, view, cpu, remaining) => {
        assert.equal(view.buffer, data.buffer);
        out.push({ sample: data.slice(offset, offset + length), cpu, remaining });
      },
      max,
      onLost,
    );
    return out;
  }

  it('drainInPlace hands over samples in place with cpu and remaining, counting lost records', () => {
    const buf = new FakeBuffer(256);
    buf.sample(raw(1, 4));
    buf.lost(3n);
    buf.record(3 /* PERF_RECORD_COMM */, new Uint8Array(16));
    buf.sample(raw(2, 12));
    const ring = ringOf(buf);
    const lost: number[] = [];
    const got = drainAll(ring, undefined, (n) => lost.push(n));
    assert.deepEqual(
      got.map((r) => [r.sample, r.cpu, r.remaining]),
      [
        [raw(1, 4), 3, 24 + 24 + 24],
        [raw(2, 12), 3, 0],
      ],
    );
    assert.deepEqual(lost, [3]);
    assert.equal(ring.lostSamples, 3);
    assert.equal(buf.meta[TAIL], buf.head, 'released at the end');
  });

  it('drainInPlace counts lost records without handing them over when there is no onLost', () => {
    const buf = new FakeBuffer(256);
    buf.lost(4n);
    buf.sample(raw(1, 4));
    const ring = ringOf(buf);
    assert.deepEqual(
      drainAll(ring).map((r) => r.sample),
      [raw(1, 4)],
    );
    assert.equal(ring.lostSamples, 4);
  });

  it('drainInPlace reassembles samples and headers that wrap, and honours max', () => {
    const size = 128;
    const buf = new FakeBuffer(size, 0n);
    const ring = ringOf(buf);
    let wrapped = 0;
    for (let i = 0; i < 200; i += 2) {
      const a = raw(i, 13 + ((i * 7) % 48));
      const b = raw(i + 1, 5 + ((i * 3) % 20));
      for (const s of [a, b]) {
        const at = Number(buf.sample(s) % BigInt(size));
        if (at + 12 + s.length > size) wrapped++;
      }
      const first = drainAll(ring, 1);
      assert.deepEqual(
        first.map((r) => r.sample),
        [a],
        `record ${i}`,
      );
      assert.deepEqual(
        drainAll(ring).map((r) => r.sample),
        [b],
        `record ${i + 1}`,
      );
      assert.equal(buf.meta[TAIL], buf.head);
    }
    assert.ok(wrapped > 20, `${wrapped} samples wrapped`);
  });

  const carries: Array<[string, bigint]> = [
    ['the low 32-bit word of data_tail wraps (64-bit store)', 2n ** 32n - 40n],
    ['head and tail wrap around 2^64', U64 - 40n],
  ];
  for (const [name, start] of carries) {
    it(`drainInPlace keeps data_tail right when ${name}`, () => {
      const buf = new FakeBuffer(256, start);
      const ring = ringOf(buf);
      for (let i = 0; i < 12; i++) {
        const s = [raw(i, 4 + (i % 20)), raw(i + 50, 9)];
        for (const x of s) buf.sample(x);
        assert.deepEqual(
          drainAll(ring).map((r) => r.sample),
          s,
        );
        assert.equal(buf.meta[TAIL], buf.head, `round ${i}`);
      }
    });
  }

  it('drainInPlace stops after the callback that detaches the memory', () => {
    const buf = new FakeBuffer(256);
    for (let i = 0; i < 3; i++) buf.sample(raw(i, 8));
    const ring = ringOf(buf);
    assert.equal(
      ring.drainInPlace(() => ring.detach()),
      1,
    );
    assert.equal(buf.meta[TAIL], 0n, 'nothing released into unmapped memory');
  });

  const corrupt: Array<[string, (b: FakeBuffer) => void, RegExp]> = [
    [
      'a record size below the header size',
      (b) => b.record(PerfRecordType.SAMPLE, new Uint8Array(8), 4),
      /record size 4/,
    ],
    [
      'a record size beyond the written data',
      (b) => b.record(PerfRecordType.SAMPLE, new Uint8Array(8), 200),
      /record size 200/,
    ],
    [
      'a raw size beyond its record',
      (b) => {
        const body = new Uint8Array(12);
        new DataView(body.buffer).setUint32(0, 100, LE);
        b.record(PerfRecordType.SAMPLE, body);
      },
      /raw sample size 100 exceeds/,
    ],
    [
      'a truncated lost record',
      (b) => b.record(PerfRecordType.LOST, new Uint8Array(8)),
      /lost record of 16 bytes/,
    ],
    [
      'a head more than the buffer size ahead',
      (b) => {
        b.meta[HEAD] = 4096n;
      },
      /a whole buffer \(256 bytes\) or more ahead/,
    ],
  ];
  for (const [name, damage, message] of corrupt) {
    it(`throws ParseError on ${name}`, () => {
      const buf = new FakeBuffer(256);
      damage(buf);
      const ring = ringOf(buf);
      assert.throws(
        () => {
          ring.refresh();
          ring.next(true);
        },
        (e) => isParseError(e) && e.section === 'perf buffer cpu 3' && message.test(e.message),
      );
    });
  }

  it('rejects a data area whose size is not a power of two', () => {
    assert.throws(
      () => new PerfRing(0, { meta: new BigUint64Array(512), data: new Uint8Array(96) }),
      isParseError,
    );
  });
});
