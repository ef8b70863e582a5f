import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isParseError } from '../../src/errors.js';
import { ByteReader, ByteWriter } from '../../src/internal/bytes.js';

describe('ByteReader', () => {
  it('reads both byte orders', () => {
    const b = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(new ByteReader(b, 'little', 't').u32At(0), 0x04030201);
    assert.equal(new ByteReader(b, 'big', 't').u32At(0), 0x01020304);
    assert.equal(new ByteReader(b, 'big', 't').u64At(0), 0x0102030405060708n);
  });
  it('turns out-of-bounds reads into ParseError with absolute offsets', () => {
    const r = new ByteReader(new Uint8Array(16), 'little', 'outer').sub(8, 8, 'inner');
    assert.throws(
      () => r.u64At(4),
      (e: unknown) => isParseError(e) && e.section === 'inner' && e.offset === 12,
    );
    assert.throws(() => r.bytesAt(-1, 2), isParseError);
    assert.throws(() => new ByteReader(new Uint8Array([65, 66]), 'little', 's').cstringAt(0), isParseError);
  });
  it('writes what it reads', () => {
    const w = new ByteWriter('big').u32(0xdeadbeef).u16(7).align(8).u64(-1n);
    const r = new ByteReader(w.finish(), 'big', 'w');
    assert.equal(r.u32(), 0xdeadbeef);
    assert.equal(r.u16(), 7);
    assert.equal(r.skip(2).u64(), 0xffffffffffffffffn);
  });
});

describe('ByteWriter growth', () => {
  it('keeps writing correctly past its initial capacity', () => {
    const w = new ByteWriter('little', 16);
    for (let i = 0; i < 40; i++) w.u8(i);
    w.u16(0x1234).u32(0xdeadbeef).i32(-1).u64(7n);
    const out = w.finish();
    assert.equal(out.length, 40 + 2 + 4 + 4 + 8);
    assert.deepEqual(
      [...out.subarray(0, 40)],
      Array.from({ length: 40 }, (_, i) => i),
    );
    const r = new ByteReader(out, 'little', 'w').seek(40);
    assert.equal(r.u16(), 0x1234);
    assert.equal(r.u32(), 0xdeadbeef);
    assert.equal(r.i32(), -1);
    assert.equal(r.u64(), 7n);
  });
});
