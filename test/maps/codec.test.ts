import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEbpfError, isParseError } from '../../src/errors.js';
import { type Codec, codecs, decodeAt, encodeAt, parseCpuList, perCpuStride } from '../../src/maps/index.js';
import { bindPerCpu } from '../../src/maps/percpu.js';

/** Encodes into a view at an odd offset of a bigger buffer, to catch byteOffset mistakes. */
function roundTrip<T>(c: Codec<T>, v: T): { back: T; bytes: number[] } {
  const big = new Uint8Array(c.size + 7).fill(0xee);
  const view = big.subarray(3, 3 + c.size);
  c.encode(v, view);
  assert.deepEqual([...big.subarray(0, 3)], [0xee, 0xee, 0xee], 'wrote before the view');
  assert.deepEqual([...big.subarray(3 + c.size)], [0xee, 0xee, 0xee, 0xee], 'wrote after the view');
  return { back: c.decode(view), bytes: [...view] };
}

describe('number codecs', () => {
  const cases: Array<{ name: string; codec: Codec<number>; value: number; bytes: number[] }> = [
    { name: 'u8', codec: codecs.u8, value: 0xab, bytes: [0xab] },
    { name: 'u16', codec: codecs.u16, value: 0x1234, bytes: [0x34, 0x12] },
    { name: 'u32', codec: codecs.u32, value: 0xdeadbeef, bytes: [0xef, 0xbe, 0xad, 0xde] },
    { name: 'i32', codec: codecs.i32, value: -2, bytes: [0xfe, 0xff, 0xff, 0xff] },
  ];
  for (const c of cases) {
    it(`${c.name} round-trips in host (little-endian) order at any byteOffset`, () => {
      const { back, bytes } = roundTrip(c.codec, c.value);
      assert.equal(back, c.value);
      assert.deepEqual(bytes, c.bytes);
    });
  }

  const bad: Array<[string, Codec<number>, number]> = [
    ['u8', codecs.u8, 256],
    ['u16', codecs.u16, -1],
    ['u32', codecs.u32, 2 ** 32],
    ['u32', codecs.u32, 1.5],
    ['i32', codecs.i32, 2 ** 31],
  ];
  for (const [name, codec, v] of bad) {
    it(`${name} rejects ${v}`, () => {
      assert.throws(
        () => codec.encode(v, new Uint8Array(codec.size)),
        (e: unknown) => isEbpfError(e) && e.code === 'EINVAL',
      );
    });
  }
});

describe('bigint codecs', () => {
  it('u64 and i64 round-trip extremes', () => {
    assert.equal(roundTrip(codecs.u64, 0xffffffffffffffffn).back, 0xffffffffffffffffn);
    assert.deepEqual(roundTrip(codecs.u64, 0x0102030405060708n).bytes, [8, 7, 6, 5, 4, 3, 2, 1]);
    assert.equal(roundTrip(codecs.i64, -(2n ** 63n)).back, -(2n ** 63n));
    assert.equal(roundTrip(codecs.i64, -1n).back, -1n);
  });

  it('rejects out-of-range values', () => {
    assert.throws(() => codecs.u64.encode(-1n, new Uint8Array(8)), isEbpfError);
    assert.throws(() => codecs.i64.encode(2n ** 63n, new Uint8Array(8)), isEbpfError);
  });
});

describe('byte codecs', () => {
  it('raw copies exactly size bytes and rejects other lengths', () => {
    const c = codecs.raw(3);
    const src = new Uint8Array([1, 2, 3]);
    const { back } = roundTrip(c, src);
    assert.deepEqual([...back], [1, 2, 3]);
    assert.notEqual(back.buffer, src.buffer);
    assert.throws(() => c.encode(new Uint8Array(2), new Uint8Array(3)), /raw\(3\): got 2 bytes/);
  });

  it('bytes zero-pads shorter input', () => {
    const out = new Uint8Array(4).fill(9);
    codecs.bytes(4).encode(new Uint8Array([1]), out);
    assert.deepEqual([...out], [1, 0, 0, 0]);
    assert.throws(() => codecs.bytes(2).encode(new Uint8Array(3), new Uint8Array(2)), isEbpfError);
  });

  it('cstring pads with NUL and stops at the first NUL', () => {
    const { back, bytes } = roundTrip(codecs.cstring(6), 'abc');
    assert.equal(back, 'abc');
    assert.deepEqual(bytes, [97, 98, 99, 0, 0, 0]);
    assert.throws(() => codecs.cstring(2).encode('abc', new Uint8Array(2)), /too long/);
  });
});

describe('struct codec', () => {
  const key = codecs.struct({ prefixlen: [0, codecs.u32], addr: [4, codecs.raw(4)] }, 8);
  it('encodes fields at their offsets and decodes them back', () => {
    const { back, bytes } = roundTrip(key, { prefixlen: 24, addr: new Uint8Array([10, 0, 0, 0]) });
    assert.equal(back.prefixlen, 24);
    assert.deepEqual([...back.addr], [10, 0, 0, 0]);
    assert.deepEqual(bytes, [24, 0, 0, 0, 10, 0, 0, 0]);
  });

  it('zeroes padding so equal objects encode equally', () => {
    const c = codecs.struct({ a: [0, codecs.u8], b: [4, codecs.u32] }, 8);
    const out = new Uint8Array(8).fill(0xff);
    c.encode({ a: 1, b: 2 }, out);
    assert.deepEqual([...out], [1, 0, 0, 0, 2, 0, 0, 0]);
  });

  it('rejects overlapping or out-of-bounds fields and missing values', () => {
    assert.throws(() => codecs.struct({ a: [0, codecs.u32], b: [2, codecs.u32] }, 8), /overlaps/);
    assert.throws(() => codecs.struct({ a: [6, codecs.u32] }, 8), /does not fit/);
    const c = codecs.struct({ a: [0, codecs.u32] }, 4);
    assert.throws(() => c.encode({} as { a: number }, new Uint8Array(4)), /missing field a/);
  });

  it('nests and works through the encodeAt/decodeAt fast paths', () => {
    const outer = codecs.struct({ k: [0, key], n: [8, codecs.u64] }, 16);
    const buf = new Uint8Array(40);
    const v = { k: { prefixlen: 8, addr: new Uint8Array([1, 2, 3, 4]) }, n: 5n };
    encodeAt(outer, v, buf, 24);
    assert.deepEqual(decodeAt(outer, buf, 24), v);
  });
});

describe('per-CPU values', () => {
  it('lays out one 8-byte-aligned slot per CPU', () => {
    const c = bindPerCpu(codecs.u32, 3);
    assert.equal(perCpuStride(4), 8);
    assert.equal(c.size, 24);
    const { back, bytes } = roundTrip(c, [1, 2, 3]);
    assert.deepEqual(back, [1, 2, 3]);
    assert.deepEqual(bytes, [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('requires exactly one value per possible CPU', () => {
    const c = bindPerCpu(codecs.u64, 2);
    assert.throws(() => c.encode([1n], new Uint8Array(16)), /expected an array of 2 values/);
  });
});

describe('parseCpuList', () => {
  const cases: Array<[string, number]> = [
    ['0', 1],
    ['0-1\n', 2],
    ['0,2-3', 3],
    ['0-3,8-11', 8],
  ];
  for (const [text, n] of cases)
    it(`${JSON.stringify(text)} → ${n}`, () => assert.equal(parseCpuList(text), n));

  for (const text of ['', 'x', '3-1', '0-1,1', '0,,1', '1-']) {
    it(`rejects ${JSON.stringify(text)} with a ParseError`, () =>
      assert.throws(() => parseCpuList(text), isParseError));
  }
});
