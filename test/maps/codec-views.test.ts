/**
 * The codecs' fast paths agree with their plain ones: `encodeView`/`decodeView` (DataView), `bindBuffer`'s
 * choice of methods, raw copies that never alias the source, and `decodeMany`'s views of one copy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEbpfError } from '../../src/errors.js';
import { bindBuffer, type Codec, codecs, viewOf } from '../../src/maps/index.js';
import { bindPerCpu } from '../../src/maps/percpu.js';

/** A buffer with room for one value at an odd offset, as a Uint8Array and a DataView over all of it. */
function scratch(size: number): { buf: Uint8Array; view: DataView; at: number } {
  const backing = new Uint8Array(size + 11).fill(0xee);
  const buf = backing.subarray(2);
  return { buf, view: viewOf(buf), at: 5 };
}

const viewCases: Array<{ name: string; codec: Codec<unknown>; value: unknown }> = [
  { name: 'u8', codec: codecs.u8, value: 0xab },
  { name: 'u16', codec: codecs.u16, value: 0xbeef },
  { name: 'u32', codec: codecs.u32, value: 0xdeadbeef },
  { name: 'i32', codec: codecs.i32, value: -123456 },
  { name: 'u64', codec: codecs.u64, value: 0xfedcba9876543210n },
  { name: 'i64', codec: codecs.i64, value: -(2n ** 62n) - 5n },
  {
    name: 'struct of numbers (with padding)',
    codec: codecs.struct({ a: [0, codecs.u8], b: [4, codecs.u32], c: [8, codecs.u64] }, 24),
    value: { a: 7, b: 0x01020304, c: 99n },
  },
  { name: 'perCpu(u32)', codec: bindPerCpu(codecs.u32, 3), value: [1, 2, 0xffffffff] },
  { name: 'perCpu(u64)', codec: bindPerCpu(codecs.u64, 2), value: [5n, 2n ** 64n - 1n] },
];

describe('encodeView/decodeView agree with encodeAt/decodeAt', () => {
  for (const { name, codec, value } of viewCases) {
    it(name, () => {
      assert.ok(codec.encodeView && codec.decodeView, 'has view methods');
      const a = scratch(codec.size);
      const b = scratch(codec.size);
      codec.encodeView(value, a.view, a.at);
      codec.encodeAt?.(value, b.buf, b.at);
      assert.deepEqual([...a.buf], [...b.buf], 'same bytes, nothing written outside the value');
      assert.deepEqual(codec.decodeView(a.view, a.at), value);
      assert.deepEqual(codec.decodeAt?.(a.buf, a.at), value);
    });
  }

  it('struct view encoding zeroes the padding', () => {
    const c = codecs.struct({ a: [1, codecs.u8], b: [4, codecs.u16] }, 8);
    const { buf, view } = scratch(8);
    buf.fill(0xff);
    c.encodeView?.({ a: 1, b: 2 }, view, 0);
    assert.deepEqual([...buf.subarray(0, 8)], [0, 1, 0, 0, 2, 0, 0, 0]);
  });

  it('a struct with a byte field has no view methods (the offset methods serve it)', () => {
    const c = codecs.struct({ n: [0, codecs.u32], name: [4, codecs.raw(4)] }, 8);
    assert.equal(c.decodeView, undefined);
    assert.equal(c.encodeView, undefined);
  });

  const invalid: Array<[string, Codec<unknown>, unknown]> = [
    ['u8', codecs.u8, 256],
    ['u32', codecs.u32, -1],
    ['i32', codecs.i32, 2 ** 31],
    ['u64', codecs.u64, -1n],
    ['u64', codecs.u64, 5],
    ['i64', codecs.i64, 2n ** 63n],
  ];
  for (const [name, codec, v] of invalid) {
    it(`${name} encodeView rejects ${String(v)}`, () => {
      const { view } = scratch(codec.size);
      assert.throws(
        () => codec.encodeView?.(v, view, 0),
        (e: unknown) => isEbpfError(e) && e.code === 'EINVAL',
      );
    });
  }

  it('perCpu encodeView requires one value per CPU', () => {
    const c = bindPerCpu(codecs.u64, 2);
    assert.throws(() => c.encodeView?.([1n], viewOf(new Uint8Array(16)), 0), /expected an array of 2/);
  });
});

describe('bindBuffer', () => {
  it('reads and writes at offsets through whichever methods the codec has', () => {
    const plain: Codec<number> = {
      size: 2,
      encode: (v, out) => {
        out[0] = v & 0xff;
        out[1] = v >> 8;
      },
      decode: (b) => b[0]! | (b[1]! << 8),
    };
    for (const codec of [codecs.u16, plain]) {
      const buf = new Uint8Array(8);
      const bound = bindBuffer(codec, buf, viewOf(buf));
      bound.write(0x1234, 0);
      bound.write(0xabcd, 6);
      assert.deepEqual([...buf], [0x34, 0x12, 0, 0, 0, 0, 0xcd, 0xab]);
      assert.equal(bound.read(6), 0xabcd);
      const out: number[] = [];
      bound.readMany(0, 2, 4, out);
      assert.deepEqual(out, [0x1234, 0, 0, 0xabcd]);
    }
  });
});

describe('raw copies', () => {
  for (const size of [1, 4, 8, 9, 64]) {
    it(`raw(${size}) decode and decodeAt return copies that do not alias the buffer`, () => {
      const c = codecs.raw(size);
      const buf = new Uint8Array(size + 3).map((_, i) => i + 1);
      const whole = c.decode(buf.subarray(0, size));
      const inner = c.decodeAt?.(buf, 3);
      buf.fill(0);
      assert.deepEqual(
        [...whole],
        Array.from({ length: size }, (_, i) => i + 1),
      );
      assert.deepEqual(
        [...(inner ?? [])],
        Array.from({ length: size }, (_, i) => i + 4),
      );
      assert.equal(whole.length, size);
    });
  }

  it('bytes(n) encoding of a shorter value zero-fills the rest, at an offset', () => {
    const buf = new Uint8Array(12).fill(9);
    codecs.bytes(6).encodeAt?.(new Uint8Array([1, 2]), buf, 3);
    assert.deepEqual([...buf], [9, 9, 9, 1, 2, 0, 0, 0, 0, 9, 9, 9]);
  });

  it('decodeMany gives views of one copy of the run, unaffected by later writes', () => {
    const c = codecs.raw(4);
    const buf = new Uint8Array(20).map((_, i) => i);
    const out: Uint8Array[] = [];
    c.decodeMany?.(buf, 4, 4, 3, out);
    buf.fill(0);
    assert.deepEqual(
      out.map((v) => [...v]),
      [
        [4, 5, 6, 7],
        [8, 9, 10, 11],
        [12, 13, 14, 15],
      ],
    );
    assert.equal(out[0]!.buffer, out[2]!.buffer);
    assert.notEqual(out[0]!.buffer, buf.buffer);
    const none: Uint8Array[] = [];
    c.decodeMany?.(buf, 0, 4, 0, none);
    assert.deepEqual(none, []);
  });
});
