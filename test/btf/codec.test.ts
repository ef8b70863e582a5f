/**
 * BTF codecs on hand-built types: every scalar kind in both byte orders, qualifiers and typedefs,
 * strings, typed arrays, enums as values and names, unions in both modes, bitfields (incl. legacy int
 * bit widths), 128-bit integers, flexible arrays and datasecs. Each case runs compiled and with closures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codecFor } from '../../src/btf/codec.js';
import {
  ArrayType,
  Const,
  Enum,
  Float,
  Int,
  IntEncoding,
  Member,
  Pointer,
  Struct,
  type Type,
  Typedef,
  Var,
  Volatile,
  voidType,
} from '../../src/btf/index.js';
import type { ByteOrder } from '../../src/internal/bytes.js';

const { Signed, Bool, Char } = IntEncoding;
const u8 = new Int('unsigned char', 1);
const s8 = new Int('signed char', 1, Signed);
const char = new Int('char', 1, Signed);
const u16 = new Int('unsigned short', 2);
const s16 = new Int('short', 2, Signed);
const u32 = new Int('unsigned int', 4);
const s32 = new Int('int', 4, Signed);
const u64 = new Int('unsigned long long', 8);
const s64 = new Int('long long', 8, Signed);
const u128 = new Int('unsigned __int128', 16);
const s128 = new Int('__int128', 16, Signed);
const bool = new Int('_Bool', 1, Bool);
const f32 = new Float('float', 4);
const f64 = new Float('double', 8);
const arr = (t: Type, n: number): ArrayType => new ArrayType(t, u32, n);
const MODES = [true, false] as const;

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function roundTrip(type: Type, order: ByteOrder, value: unknown, bytesHex: string, options = {}): void {
  for (const compile of MODES) {
    const c = codecFor<unknown>(type, { byteOrder: order, compile, ...options });
    const out = new Uint8Array(c.size);
    c.encode(value, out);
    assert.equal(hex(out), bytesHex, `encode ${type.name || type.kind} ${order} compile=${compile}`);
    assert.deepEqual(c.decode(out), value, `decode ${type.name || type.kind} ${order} compile=${compile}`);
  }
}

function swapped(h: string): string {
  return (h.match(/../g) ?? []).reverse().join('');
}

describe('codecFor scalars', () => {
  const cases: [Type, unknown, string][] = [
    [u8, 0xfe, 'fe'],
    [s8, -2, 'fe'],
    [char, 65, '41'],
    [u16, 0x1234, '3412'],
    [s16, -2, 'feff'],
    [u32, 0xdeadbeef, 'efbeadde'],
    [s32, -2, 'feffffff'],
    [u64, 0x0102030405060708n, '0807060504030201'],
    [s64, -2n, 'feffffffffffffff'],
    [u128, (1n << 127n) | 5n, '05000000000000000000000000000080'],
    [s128, -3n, 'fdffffffffffffffffffffffffffffff'],
    [bool, true, '01'],
    [f32, 1.5, '0000c03f'],
    [f64, -2.25, '00000000000002c0'],
    [new Pointer(voidType), 0x1234n, '3412000000000000'],
    [new Enum('e8', 1, [{ name: 'A', value: 200n }]), 200, 'c8'],
    [new Enum('es', 4, [{ name: 'N', value: -5n }], true), -5, 'fbffffff'],
    [new Enum('e64', 8, [{ name: 'B', value: 0x123456789an }]), 0x123456789an, '9a78563412000000'],
  ];
  for (const [type, value, le] of cases) {
    it(`${type.name || type.kind} = ${String(value)} in both byte orders`, () => {
      roundTrip(type, 'little', value, le);
      roundTrip(type, 'big', value, swapped(le));
    });
  }

  it('typedefs, const and volatile are transparent; a Var is its type', () => {
    const t = new Typedef('pid_t', new Const(new Volatile(new Typedef('__s32', s32))));
    roundTrip(t, 'little', -7, 'f9ffffff');
    roundTrip(new Var('x', t), 'little', -7, 'f9ffffff');
  });

  it('decodes nonzero bool bytes as true and encodes true as 1', () => {
    for (const compile of MODES) {
      const c = codecFor(bool, { compile });
      assert.equal(c.decode(Uint8Array.of(7)), true);
      assert.equal(c.decode(Uint8Array.of(0)), false);
    }
  });

  it('defaults to the host byte order', () => {
    const c = codecFor(u32);
    const out = new Uint8Array(4);
    c.encode(1, out);
    assert.equal(new Uint32Array(out.buffer)[0], 1);
  });
});

describe('codecFor arrays and strings', () => {
  it('char[N] is a NUL-trimmed UTF-8 string; N bytes need no NUL', () => {
    roundTrip(arr(char, 8), 'little', 'abc', '6162630000000000');
    roundTrip(arr(char, 4), 'little', 'abcd', '61626364');
    roundTrip(arr(new Typedef('gchar', char), 6), 'big', 'hé!', '68c3a9210000');
    roundTrip(arr(new Int('c', 1, Char), 2), 'little', 'z', '7a00');
  });

  it('char[N] stops at the first NUL and replaces invalid UTF-8', () => {
    const c = codecFor(arr(char, 6));
    assert.equal(c.decode(Uint8Array.of(0x61, 0, 0x62, 0, 0, 0)), 'a');
    assert.equal(c.decode(Uint8Array.of(0xff, 0x61, 0, 0, 0, 0)), '\ufffda');
  });

  it('charArrays: bytes gives raw copies; shorter input is zero-padded', () => {
    for (const compile of MODES) {
      const c = codecFor<Uint8Array>(arr(char, 4), { charArrays: 'bytes', compile });
      const src = Uint8Array.of(1, 0, 2, 3);
      const got = c.decode(src);
      assert.deepEqual(got, src);
      src[0] = 9;
      assert.equal(got[0], 1, 'decoded bytes are a copy');
      const out = new Uint8Array(4).fill(0xaa);
      c.encode(Uint8Array.of(5), out);
      assert.equal(hex(out), '05000000');
    }
  });

  const typed: [Type, unknown, string][] = [
    [arr(u8, 3), Uint8Array.of(1, 2, 3), '010203'],
    [arr(s8, 2), Int8Array.of(-1, 1), 'ff01'],
    [arr(u16, 2), Uint16Array.of(1, 0xffff), '0100ffff'],
    [arr(s16, 1), Int16Array.of(-2), 'feff'],
    [arr(u32, 1), Uint32Array.of(0x01020304), '04030201'],
    [arr(s32, 1), Int32Array.of(-1), 'ffffffff'],
    [arr(u64, 1), BigUint64Array.of(5n), '0500000000000000'],
    [arr(s64, 1), BigInt64Array.of(-1n), 'ffffffffffffffff'],
    [arr(f32, 1), Float32Array.of(0.5), '0000003f'],
    [arr(f64, 1), Float64Array.of(2), '0000000000000040'],
    [arr(new Pointer(u8), 1), BigUint64Array.of(16n), '1000000000000000'],
  ];
  for (const [type, value, le] of typed) {
    it(`numeric arrays become ${(value as object).constructor.name}`, () => {
      roundTrip(type, 'little', value, le);
      const be = (le.match(new RegExp(`.{${(le.length / (value as Uint8Array).length) | 0}}`, 'g')) ?? [])
        .map(swapped)
        .join('');
      roundTrip(type, 'big', value, be);
    });
  }

  it('numeric arrays also encode from plain arrays of the right length', () => {
    const c = codecFor(arr(u16, 2), { byteOrder: 'little' });
    const out = new Uint8Array(4);
    c.encode([1, 2] as unknown as Uint16Array, out);
    assert.equal(hex(out), '01000200');
  });

  it('arrays of bools, enums, strings, structs and 2-D arrays are JS arrays', () => {
    const e = new Enum('st', 4, [{ name: 'R', value: 0n }]);
    const s = new Struct('p', 4, [new Member('x', u16, 0), new Member('y', u16, 16)]);
    roundTrip(arr(bool, 2), 'little', [true, false], '0100');
    roundTrip(arr(e, 2), 'little', [0, 3], '0000000003000000');
    roundTrip(arr(arr(char, 2), 2), 'little', ['a', 'bc'], '61006263');
    roundTrip(
      arr(s, 2),
      'big',
      [
        { x: 1, y: 2 },
        { x: 3, y: 4 },
      ],
      '0001000200030004',
    );
    roundTrip(arr(arr(u8, 2), 2), 'little', [Uint8Array.of(1, 2), Uint8Array.of(3, 4)], '01020304');
  });

  it('leaves flexible array members out', () => {
    const t = new Struct('msg', 4, [new Member('len', u32, 0), new Member('data', arr(u8, 0), 32)]);
    roundTrip(t, 'little', { len: 3 }, '03000000');
  });
});

describe('codecFor enums', () => {
  const e = new Enum('state', 2, [
    { name: 'RUNNING', value: 0n },
    { name: 'STOPPED', value: 2n },
    { name: 'HALTED', value: 2n },
  ]);
  it('decodes names with enums: name (first enumerator of a value), other values as numbers', () => {
    for (const compile of MODES) {
      const c = codecFor(e, { enums: 'name', compile, byteOrder: 'little' });
      assert.equal(c.decode(Uint8Array.of(2, 0)), 'STOPPED');
      assert.equal(c.decode(Uint8Array.of(9, 0)), 9);
      const out = new Uint8Array(2);
      c.encode('HALTED', out);
      assert.equal(hex(out), '0200');
      c.encode(7, out);
      assert.equal(hex(out), '0700');
      assert.throws(() => c.encode('NOPE', out), /expected one of RUNNING, STOPPED, HALTED, got "NOPE"/);
    }
  });

  it('names work for 64-bit enums, enum bitfields and arrays of enums', () => {
    const e64 = new Enum('big', 8, [{ name: 'B', value: 1n << 40n }]);
    const t = new Struct('s', 16, [
      new Member('a', e64, 0),
      new Member('b', e, 64, 3),
      new Member('c', arr(e, 1), 80),
    ]);
    roundTrip(t, 'little', { a: 'B', b: 'STOPPED', c: ['RUNNING'] }, '00000000000100000200000000000000', {
      enums: 'name',
    });
  });
});
