/**
 * The ring buffer record walk on plain memory laid out like the kernel's mapping (data area mirrored), so
 * positions can start anywhere — including just below 2^64 — and headers can be corrupted at will.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEbpfError, isParseError } from '../../src/errors.js';
import { hostByteOrder } from '../../src/internal/bytes.js';
import {
  RINGBUF_BUSY_BIT,
  RINGBUF_DISCARD_BIT,
  RingConsumer,
  type RingMemory,
  type RingSlice,
} from '../../src/ringbuf/index.js';

const U64 = 1n << 64n;
const LE = hostByteOrder === 'little';

/** A fake ring whose producer writes records at free-running u64 positions, mirroring the data area. */
class FakeRing {
  readonly memory: RingMemory;
  readonly #headers: DataView;
  producer: bigint;

  constructor(
    readonly size: number,
    start: bigint,
  ) {
    this.memory = {
      consumerPos: new BigUint64Array([start]),
      producerPos: new BigUint64Array([start]),
      data: new Uint8Array(2 * size),
      size,
    };
    this.#headers = new DataView(this.memory.data.buffer);
    this.producer = start;
  }

  #write(pos: bigint, bytes: Uint8Array): void {
    const off = Number(pos % BigInt(this.size));
    for (let i = 0; i < bytes.length; i++) {
      const o = (off + i) % this.size;
      this.memory.data[o] = bytes[i] as number;
      this.memory.data[o + this.size] = bytes[i] as number;
    }
  }

  /** Appends a record with `flags` in its header; returns its position. Publishes unless `publish` is false. */
  push(payload: Uint8Array, flags = 0, publish = true): bigint {
    const pos = this.producer;
    const header = new Uint8Array(8);
    new DataView(header.buffer).setUint32(0, (payload.length | flags) >>> 0, LE);
    this.#write(pos, header);
    this.#write(pos + 8n, payload);
    this.producer = (pos + BigInt((payload.length + 15) & ~7)) % U64;
    if (publish) this.memory.producerPos[0] = this.producer;
    return pos;
  }

  /** Rewrites the header of the record at `pos`. */
  setHeader(pos: bigint, value: number): void {
    const off = Number(pos % BigInt(this.size));
    this.#headers.setUint32(off, value >>> 0, LE);
    this.#headers.setUint32(off + this.size, value >>> 0, LE);
  }
}

function bytes(seq: number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (seq + i * 13) & 0xff);
}

function sampleOf(ring: FakeRing, s: RingSlice): Uint8Array {
  return ring.memory.data.slice(s.offset, s.offset + s.length);
}

describe('RingConsumer', () => {
  it('reads records in order with exact lengths, 8-byte aligned', () => {
    const ring = new FakeRing(256, 0n);
    const payloads = [bytes(1, 1), bytes(2, 8), bytes(3, 13), bytes(4, 0)];
    for (const p of payloads) ring.push(p);
    const c = new RingConsumer(ring.memory);
    for (const p of payloads) {
      const s = c.next();
      assert.ok(s);
      assert.deepEqual(sampleOf(ring, s), p);
      c.release();
    }
    assert.equal(c.next(), undefined);
    assert.equal(c.stop, 'empty');
    assert.equal(ring.memory.consumerPos[0], ring.producer);
  });

  it('skips discarded records and stops at a busy one', () => {
    const ring = new FakeRing(256, 0n);
    ring.push(bytes(1, 5), RINGBUF_DISCARD_BIT);
    ring.push(bytes(2, 6));
    const busy = ring.push(bytes(3, 7), RINGBUF_BUSY_BIT);
    const c = new RingConsumer(ring.memory);
    assert.deepEqual(sampleOf(ring, c.next() as RingSlice), bytes(2, 6));
    assert.equal(c.next(), undefined);
    assert.equal(c.stop, 'busy');
    c.release();
    assert.equal(ring.memory.consumerPos[0], busy, 'consumed up to the busy record');
    ring.setHeader(busy, 7); // submitted
    assert.deepEqual(sampleOf(ring, c.next() as RingSlice), bytes(3, 7));
  });

  it('does not publish the consumer position before release()', () => {
    const ring = new FakeRing(256, 64n);
    ring.push(bytes(1, 20));
    const c = new RingConsumer(ring.memory);
    c.next();
    assert.equal(ring.memory.consumerPos[0], 64n);
    assert.equal(c.position, 64n + 32n);
    c.release();
    assert.equal(ring.memory.consumerPos[0], 96n);
  });

  it('reads a record that runs past the end of the data area as one slice (second mapping)', () => {
    const ring = new FakeRing(64, 48n);
    const p = bytes(9, 30);
    ring.push(p);
    const c = new RingConsumer(ring.memory);
    const s = c.next() as RingSlice;
    assert.equal(s.offset, 56);
    assert.ok(s.offset + s.length > 64);
    assert.deepEqual(sampleOf(ring, s), p);
  });

  it('keeps working when the u64 positions wrap around 2^64', () => {
    const start = U64 - 24n;
    const ring = new FakeRing(128, start);
    const payloads = [bytes(1, 10), bytes(2, 3), bytes(3, 40), bytes(4, 17)];
    for (const p of payloads) ring.push(p);
    assert.ok(ring.producer < start, 'producer position wrapped');
    const c = new RingConsumer(ring.memory);
    assert.equal(c.refresh(), 24 + 16 + 48 + 32);
    for (const p of payloads) {
      assert.deepEqual(sampleOf(ring, c.next() as RingSlice), p);
      c.release();
    }
    assert.equal(c.next(), undefined);
    assert.equal(ring.memory.consumerPos[0], ring.producer);
    // And on to many more records across the wrap.
    for (let i = 0; i < 50; i++) {
      const p = bytes(i, (i * 7) % 50);
      ring.push(p);
      assert.deepEqual(sampleOf(ring, c.next() as RingSlice), p);
      c.release();
    }
  });

  it('reports remaining bytes after each record', () => {
    const ring = new FakeRing(256, 0n);
    ring.push(bytes(1, 8));
    ring.push(bytes(2, 8));
    const c = new RingConsumer(ring.memory);
    assert.equal(c.next()?.remaining, 16);
    assert.equal(c.next()?.remaining, 0);
  });

  /** Drains `c` in place, collecting copies of the payloads (and the remaining byte counts). */
  function drainAll(c: RingConsumer, max?: number): { samples: Uint8Array[]; remaining: number[] } {
    const samples: Uint8Array[] = [];
    const remaining: number[] = [];
    c.drainInPlace((data, offset, length, view, left) => {
      assert.equal(view.buffer, data.buffer);
      samples.push(data.slice(offset, offset + length));
      remaining.push(left);
    }, max);
    return { samples, remaining };
  }

  it('drainInPlace hands over records in place, skips discarded ones, stops at a busy one', () => {
    const ring = new FakeRing(256, 0n);
    ring.push(bytes(1, 5));
    ring.push(bytes(2, 6), RINGBUF_DISCARD_BIT);
    ring.push(bytes(3, 7));
    const busy = ring.push(bytes(4, 8), RINGBUF_BUSY_BIT);
    const c = new RingConsumer(ring.memory);
    const { samples, remaining } = drainAll(c);
    assert.deepEqual(samples, [bytes(1, 5), bytes(3, 7)]);
    assert.deepEqual(remaining, [48, 16]);
    assert.equal(c.stop, 'busy');
    assert.equal(ring.memory.consumerPos[0], busy, 'released up to the busy record at the end');
    ring.setHeader(busy, 8);
    assert.deepEqual(drainAll(c).samples, [bytes(4, 8)]);
    assert.equal(c.stop, 'empty');
    assert.equal(ring.memory.consumerPos[0], ring.producer);
  });

  it('drainInPlace honours max and goes on where it stopped', () => {
    const ring = new FakeRing(256, 0n);
    for (let i = 0; i < 5; i++) ring.push(bytes(i, 9));
    const c = new RingConsumer(ring.memory);
    assert.deepEqual(drainAll(c, 2).samples, [bytes(0, 9), bytes(1, 9)]);
    assert.equal(ring.memory.consumerPos[0], 48n, 'what was handed over is released');
    assert.deepEqual(drainAll(c).samples, [bytes(2, 9), bytes(3, 9), bytes(4, 9)]);
  });

  it('drainInPlace gives a record that runs past the end as one contiguous range', () => {
    const ring = new FakeRing(64, 48n);
    ring.push(bytes(9, 30));
    const c = new RingConsumer(ring.memory);
    let at = -1;
    c.drainInPlace((data, offset, length) => {
      at = offset;
      assert.deepEqual(data.slice(offset, offset + length), bytes(9, 30));
    });
    assert.ok(at + 30 > 64, 'read through the second mapping');
  });

  it('drainInPlace releases every quarter ring while it runs, not per record', () => {
    const ring = new FakeRing(1024, 0n);
    for (let i = 0; i < 30; i++) ring.push(bytes(i, 24)); // 32 bytes each: 960 of 1024
    const c = new RingConsumer(ring.memory);
    const seen: bigint[] = [];
    c.drainInPlace(() => {
      seen.push(ring.memory.consumerPos[0] as bigint);
    });
    const distinct = [...new Set(seen)];
    assert.deepEqual(distinct, [0n, 256n, 512n, 768n], 'published in quarter-ring steps');
    assert.equal(ring.memory.consumerPos[0], 960n);
  });

  const carries: Array<[string, bigint]> = [
    ['the low 32-bit word of the position wraps (64-bit store)', 2n ** 32n - 40n],
    ['the u64 position wraps around 2^64', U64 - 40n],
  ];
  for (const [name, start] of carries) {
    it(`drainInPlace and release() keep the position right when ${name}`, () => {
      const ring = new FakeRing(128, start);
      const c = new RingConsumer(ring.memory);
      for (let round = 0; round < 6; round++) {
        const want = [bytes(round, 12), bytes(round + 1, 20)];
        for (const p of want) ring.push(p);
        assert.deepEqual(drainAll(c).samples, want, `round ${round}`);
        assert.equal(ring.memory.consumerPos[0], ring.producer, `round ${round}: consumer_pos`);
        assert.equal(c.position, ring.producer);
      }
      assert.ok(ring.producer < start || ring.producer >= 2n ** 32n, 'crossed the boundary');
    });
  }

  it('drainInPlace forbids reading the ring from inside its callback, and survives a throwing one', () => {
    const ring = new FakeRing(256, 0n);
    for (let i = 0; i < 3; i++) ring.push(bytes(i, 8));
    const c = new RingConsumer(ring.memory);
    assert.throws(
      () => c.drainInPlace(() => c.next()),
      (e) => isEbpfError(e) && e.code === 'EBUSY' && /inside a drainInPlace callback/.test(e.message),
    );
    assert.throws(
      () =>
        c.drainInPlace(() => {
          throw new Error('callback failed');
        }),
      /callback failed/,
    );
    assert.equal(ring.memory.consumerPos[0], 32n, 'both records handed over count as consumed');
    assert.deepEqual(drainAll(c).samples, [bytes(2, 8)]);
  });

  it('drainInPlace stops after the callback that detaches the memory, without releasing', () => {
    const ring = new FakeRing(256, 0n);
    for (let i = 0; i < 3; i++) ring.push(bytes(i, 8));
    const c = new RingConsumer(ring.memory);
    assert.equal(
      c.drainInPlace(() => c.detach()),
      1,
    );
    assert.equal(ring.memory.consumerPos[0], 0n);
  });

  const corrupt: Array<[string, (ring: FakeRing) => void, RegExp]> = [
    [
      'a record length beyond the written bytes',
      (ring) => ring.setHeader(ring.push(bytes(1, 8)), 200),
      /record length 200 exceeds the 16 bytes written/,
    ],
    [
      'a producer more than the ring size ahead',
      (ring) => {
        ring.memory.producerPos[0] = 4096n;
      },
      /a whole ring \(256 bytes\) or more ahead/,
    ],
  ];
  for (const [name, damage, message] of corrupt) {
    it(`throws ParseError on ${name}`, () => {
      const ring = new FakeRing(256, 0n);
      damage(ring);
      const c = new RingConsumer(ring.memory);
      assert.throws(
        () => c.next(),
        (e) => isParseError(e) && message.test(e.message),
      );
    });
  }

  const badMemory: Array<[string, RingMemory]> = [
    [
      'a size that is not a power of two',
      {
        consumerPos: new BigUint64Array(1),
        producerPos: new BigUint64Array(1),
        data: new Uint8Array(192),
        size: 96,
      },
    ],
    [
      'a data area mapped only once',
      {
        consumerPos: new BigUint64Array(1),
        producerPos: new BigUint64Array(1),
        data: new Uint8Array(64),
        size: 64,
      },
    ],
  ];
  for (const [name, memory] of badMemory) {
    it(`rejects ${name}`, () => {
      assert.throws(() => new RingConsumer(memory), /ringbuf:/);
    });
  }
});
