/**
 * BTF codecs for records: nested structs, unions (members and bytes modes, partial encoding), anonymous
 * members, bitfields of every width in both byte orders (compiled fast path vs the closures' generic
 * bigint path), legacy int bit widths and datasecs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecFor } from '../../src/btf/codec.js';
import {
  ArrayType,
  Datasec,
  Enum,
  Int,
  IntEncoding,
  isBtfError,
  Member,
  Struct,
  Union,
  Var,
  VarSecinfo,
} from '../../src/btf/index.js';
import type { ByteOrder } from '../../src/internal/bytes.js';
import { prng } from './codec-fixture.js';

const u8 = new Int('unsigned char', 1);
const u16 = new Int('unsigned short', 2);
const u32 = new Int('unsigned int', 4);
const s32 = new Int('int', 4, IntEncoding.Signed);
const u64 = new Int('unsigned long long', 8);
const s64 = new Int('long long', 8, IntEncoding.Signed);
const bool = new Int('_Bool', 1, IntEncoding.Bool);
const MODES = [true, false] as const;

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

describe('codecFor unions and anonymous members', () => {
  const addr = new Union('addr', 16, [
    new Member('v4', u32, 0),
    new Member('v6', new ArrayType(u8, u32, 16), 0),
  ]);
  const sock = new Struct('sock', 20, [new Member('family', u16, 0), new Member('addr', addr, 32)]);

  it('decodes every member of a union and encodes the members given, in declaration order', () => {
    for (const compile of MODES) {
      const c = codecFor<{ family: number; addr: { v4?: number; v6?: Uint8Array } }>(sock, {
        compile,
        byteOrder: 'big',
      });
      const out = new Uint8Array(20);
      c.encode({ family: 2, addr: { v4: 0x7f000001 } }, out);
      assert.equal(hex(out), `00020000${'7f000001'}${'00'.repeat(12)}`);
      const v = c.decode(out);
      assert.equal(v.addr.v4, 0x7f000001);
      assert.deepEqual(v.addr.v6, Uint8Array.from([0x7f, 0, 0, 1, ...new Array(12).fill(0)]));
      c.encode({ family: 10, addr: { v4: 5, v6: new Uint8Array(16).fill(1) } }, out);
      assert.equal(hex(out).slice(8), '01'.repeat(16), 'v6 written after v4 wins');
    }
  });

  it('unions: bytes gives raw copies', () => {
    for (const compile of MODES) {
      const c = codecFor<{ family: number; addr: Uint8Array }>(sock, { unions: 'bytes', compile });
      const bytes = new Uint8Array(20).fill(3);
      assert.deepEqual(c.decode(bytes).addr, new Uint8Array(16).fill(3));
    }
  });

  it('flattens anonymous struct and union members into the parent, skips unnamed bitfields', () => {
    const inner = new Struct('', 4, [new Member('lo', u16, 0), new Member('hi', u16, 16)]);
    const anonUnion = new Union('', 4, [new Member('whole', u32, 0), new Member('', inner, 0)]);
    const t = new Struct('t', 12, [
      new Member('kind', u8, 0),
      new Member('', u32, 8, 3),
      new Member('', anonUnion, 32),
      new Member('tail', u32, 64),
    ]);
    for (const compile of MODES) {
      const c = codecFor<Record<string, unknown>>(t, { compile, byteOrder: 'little' });
      assert.deepEqual(
        c.layout.kind === 'record' && c.layout.fields.map((f) => [f.name, f.path, f.offset, f.optional]),
        [
          ['kind', 'kind', 0, false],
          ['whole', 'whole', 4, true],
          ['lo', 'lo', 4, true],
          ['hi', 'hi', 6, true],
          ['tail', 'tail', 8, false],
        ],
      );
      const out = new Uint8Array(12);
      c.encode({ kind: 1, lo: 2, hi: 3, tail: 4 }, out);
      assert.equal(hex(out), '010000000200030004000000');
      assert.deepEqual(c.decode(out), { kind: 1, whole: 0x00030002, lo: 2, hi: 3, tail: 4 });
    }
  });

  it('shares one decoder per struct type and keeps members in declaration order', () => {
    const p = new Struct('p', 2, [new Member('b', u8, 8), new Member('a', u8, 0)]);
    const t = new Struct('t', 4, [new Member('x', p, 0), new Member('y', p, 16)]);
    const c = codecFor(t);
    assert.equal(c.source?.match(/function d\d+\(/g)?.length, 2);
    assert.deepEqual(Object.keys(codecFor<{ x: object }>(t).decode(Uint8Array.of(1, 2, 3, 4)).x), ['b', 'a']);
  });
});

describe('codecFor bitfields', () => {
  it('reads gcc-style LE and BE bitfields', () => {
    const t = new Struct('f', 4, [
      new Member('a', u32, 0, 3),
      new Member('b', s32, 3, 5),
      new Member('flag', bool, 8, 1),
      new Member('rest', u32, 9, 23),
    ]);
    const value = { a: 5, b: -3, flag: true, rest: 0x123456 };
    for (const compile of MODES) {
      const le = codecFor(t, { compile, byteOrder: 'little' });
      const be = codecFor(t, { compile, byteOrder: 'big' });
      const out = new Uint8Array(4);
      le.encode(value, out);
      // a = bits 0-2, b = bits 3-7, flag = bit 8, rest = bits 9-31 of a little-endian u32
      assert.equal(
        new DataView(out.buffer).getUint32(0, true),
        5 | (0b11101 << 3) | (1 << 8) | (0x123456 << 9),
      );
      assert.deepEqual(le.decode(out), value);
      be.encode(value, out);
      // big-endian: counted from the most significant bit
      assert.equal(
        new DataView(out.buffer).getUint32(0, false),
        ((5 << 29) | (0b11101 << 24) | (1 << 23) | 0x123456) >>> 0,
      );
      assert.deepEqual(be.decode(out), value);
    }
  });

  it('compiled and closure codecs agree on random bitfields of every width, position and order', () => {
    const rand = prng(0xb17);
    for (let round = 0; round < 300; round++) {
      const bits = 1 + Math.floor(rand() * 64);
      const big = bits > 32 || rand() < 0.3;
      const base = big ? (rand() < 0.5 ? u64 : s64) : rand() < 0.5 ? u32 : s32;
      const bitOffset = Math.floor(rand() * 24);
      const t = new Struct('r', 16, [new Member('x', base, bitOffset, bits), new Member('tail', u8, 120)]);
      for (const order of ['little', 'big'] as ByteOrder[]) {
        const compiled = codecFor<{ x: number | bigint; tail: number }>(t, { byteOrder: order });
        const closures = codecFor<{ x: number | bigint; tail: number }>(t, {
          byteOrder: order,
          compile: false,
        });
        const bytes = Uint8Array.from({ length: 16 }, () => Math.floor(rand() * 256));
        const v = compiled.decode(bytes);
        assert.deepEqual(closures.decode(bytes), v, `bits=${bits} off=${bitOffset} ${order}`);
        const a = new Uint8Array(16);
        const b = new Uint8Array(16);
        compiled.encode(v, a);
        closures.encode(v, b);
        assert.equal(hex(a), hex(b), `bits=${bits} off=${bitOffset} ${order}`);
        assert.deepEqual(compiled.decode(a), v);
      }
    }
  });

  it('legacy BTF: an int type with its own bit width and offset', () => {
    const nibble = new Int('nibble', 1, 0, 4, 2);
    const t = new Struct('legacy', 1, [new Member('n', nibble, 0)]);
    for (const compile of MODES) {
      const c = codecFor(t, { compile, byteOrder: 'little' });
      assert.deepEqual(c.decode(Uint8Array.of(0b00110100)), { n: 0b1101 });
    }
  });

  it('enum bitfields and 64-bit bitfields keep their member type', () => {
    const e = new Enum('e', 4, [{ name: 'X', value: 3n }]);
    const t = new Struct('s', 8, [new Member('e', e, 0, 2), new Member('big', u64, 2, 40)]);
    for (const compile of MODES) {
      const c = codecFor(t, { compile });
      const out = new Uint8Array(8);
      c.encode({ e: 3, big: 0xabcdef0123n }, out);
      assert.deepEqual(c.decode(out), { e: 3, big: 0xabcdef0123n });
    }
  });
});

describe('codecFor datasecs', () => {
  it('decodes a laid-out datasec as an object of its variables', () => {
    const a = new Var('a', u32);
    const b = new Var('b', u64);
    const sec = new Datasec('.data', 16, [new VarSecinfo(a, 0, 4), new VarSecinfo(b, 8, 8)]);
    for (const compile of MODES) {
      const c = codecFor(sec, { compile, byteOrder: 'little' });
      const out = new Uint8Array(16);
      c.encode({ a: 1, b: 2n }, out);
      assert.equal(hex(out), '01000000000000000200000000000000');
      assert.deepEqual(c.decode(out), { a: 1, b: 2n });
    }
  });

  it('rejects a datasec whose variables were not laid out yet', () => {
    const sec = new Datasec('.bss', 0, [
      new VarSecinfo(new Var('a', u32), 0, 4),
      new VarSecinfo(new Var('b', u32), 0, 4),
    ]);
    assert.throws(
      () => codecFor(sec),
      (e: unknown) =>
        isBtfError(e) && /variables a and b overlap .*loadCollectionSpec/.test((e as Error).message),
    );
  });
});
