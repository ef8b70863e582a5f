/**
 * BTF codecs at their edges: value validation errors naming the field, buffer bounds and byteOffset
 * handling, the per-codec view cache, hostile member names (no code injection, no prototype writes),
 * types without a value, and the closure fallback when code generation from strings is forbidden.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { codecFor } from '../../src/btf/codec.js';
import {
  ArrayType,
  Enum,
  Func,
  FuncProto,
  Fwd,
  Int,
  IntEncoding,
  isBtfError,
  Member,
  Struct,
  type Type,
  Union,
  voidType,
} from '../../src/btf/index.js';
import { isEbpfError } from '../../src/errors.js';
import { ROOT } from './helpers.js';

const u8 = new Int('unsigned char', 1);
const s8 = new Int('signed char', 1, IntEncoding.Signed);
const u16 = new Int('unsigned short', 2);
const u32 = new Int('unsigned int', 4);
const s32 = new Int('int', 4, IntEncoding.Signed);
const u64 = new Int('unsigned long long', 8);
const char = new Int('char', 1, IntEncoding.Signed);
const bool = new Int('_Bool', 1, IntEncoding.Bool);
const MODES = [true, false] as const;

const inner = new Struct('inner', 4, [new Member('v', u32, 0)]);
const event = new Struct('event', 40, [
  new Member('pid', u32, 0),
  new Member('small', s8, 32),
  new Member('bits', u32, 40, 3),
  new Member('flag', bool, 48),
  new Member('ts', u64, 64),
  new Member('comm', new ArrayType(char, u32, 4), 128),
  new Member('ids', new ArrayType(u16, u32, 2), 160),
  new Member('in', new ArrayType(inner, u32, 1), 192),
  new Member('state', new Enum('state', 4, [{ name: 'A', value: 1n }]), 224),
  new Member('big', new Int('__int128', 16, IntEncoding.Signed), 0),
]);
const good = {
  pid: 1,
  small: -1,
  bits: 7,
  flag: true,
  ts: 5n,
  comm: 'ab',
  ids: Uint16Array.of(1, 2),
  in: [{ v: 3 }],
  state: 1,
};

function isEinval(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isEbpfError(e), String(e));
    assert.equal((e as { code: string }).code, 'EINVAL');
    assert.match((e as Error).message, pattern);
    return true;
  };
}

describe('codecFor value errors', () => {
  const wrongs: [string, Record<string, unknown>, RegExp][] = [
    ['u32 out of range', { pid: 2 ** 32 }, /codec struct event: field pid: expected u32, got 4294967296/],
    ['u32 negative', { pid: -1 }, /field pid: expected u32, got -1/],
    ['u32 fraction', { pid: 1.5 }, /field pid: expected u32/],
    ['u32 as string', { pid: '1' }, /field pid: expected u32, got "1"/],
    ['i8 too small', { small: -129 }, /field small: expected i8/],
    ['bitfield too wide', { bits: 8 }, /field bits: expected u3 bitfield, got 8/],
    ['bool as number', { flag: 1 }, /field flag: expected boolean, got 1/],
    ['u64 as number', { ts: 5 }, /field ts: expected u64 bigint, got 5/],
    ['u64 overflow', { ts: 1n << 64n }, /field ts: expected u64 bigint, got 18446744073709551616n/],
    [
      'string too long',
      { comm: 'abcde' },
      /field comm: expected a string of at most 4 UTF-8 bytes, got "abcde"/,
    ],
    ['string UTF-8 too long', { comm: 'ab€' }, /field comm: expected a string of at most 4 UTF-8 bytes/],
    [
      'string missing',
      { comm: undefined },
      /field comm: expected a string of at most 4 UTF-8 bytes, got undefined/,
    ],
    [
      'typed array length',
      { ids: Uint16Array.of(1) },
      /field ids: expected 2 elements \(Uint16Array\), got Uint16Array\(2 bytes\)/,
    ],
    ['typed array element', { ids: [1, 70000] }, /field ids\[1\]: expected u16, got 70000/],
    ['array not an array', { in: { v: 1 } }, /field in: expected an array of 1, got an object/],
    ['nested struct field', { in: [{ v: -1 }] }, /codec struct inner: field v: expected u32, got -1/],
    ['nested not an object', { in: [7] }, /codec struct inner: expected an object, got 7/],
    ['enum out of range', { state: -1 }, /field state: expected enum state value \(u32\), got -1/],
    ['int128 as number', { big: 1 }, /field big: expected i128 bigint, got 1/],
  ];
  for (const [name, patch, pattern] of wrongs) {
    it(`rejects ${name}`, () => {
      for (const compile of MODES) {
        const c = codecFor(event, { compile });
        assert.throws(() => c.encode({ ...good, big: 0n, ...patch }, new Uint8Array(40)), isEinval(pattern));
      }
    });
  }

  it('rejects a non-object record and a missing required field', () => {
    for (const compile of MODES) {
      const c = codecFor(event, { compile });
      assert.throws(
        () => c.encode(null as never, new Uint8Array(40)),
        isEinval(/struct event: expected an object, got null/),
      );
      const { pid: _, ...noPid } = { ...good, big: 0n };
      assert.throws(
        () => c.encode(noPid as never, new Uint8Array(40)),
        isEinval(/field pid: expected u32, got undefined/),
      );
    }
  });
});

describe('codecFor buffers', () => {
  const pair = new Struct('pair', 8, [new Member('a', u32, 0), new Member('b', u32, 32)]);

  it('rejects short buffers, bad offsets and non-Uint8Array input', () => {
    for (const compile of MODES) {
      const c = codecFor(pair, { compile });
      assert.throws(
        () => c.decode(new Uint8Array(7)),
        isEinval(/codec struct pair: decode needs 8 bytes at offset 0, buffer has 7/),
      );
      assert.throws(() => c.decodeAt(new Uint8Array(16), 9), isEinval(/needs 8 bytes at offset 9/));
      assert.throws(() => c.decodeAt(new Uint8Array(16), -1), isEinval(/offset -1/));
      assert.throws(() => c.encode({ a: 1, b: 2 }, new Uint8Array(4)), isEinval(/encode needs 8 bytes/));
      assert.throws(
        () => c.decode(new DataView(new ArrayBuffer(8)) as never),
        isEinval(/decode needs a Uint8Array/),
      );
    }
  });

  it('honours byteOffset and touches only its own bytes', () => {
    for (const compile of MODES) {
      const c = codecFor(pair, { compile, byteOrder: 'little' });
      const backing = new Uint8Array(32).fill(0xee);
      const view = backing.subarray(3, 27);
      c.encodeAt({ a: 0x01020304, b: 5 }, view, 5);
      assert.equal(
        Buffer.from(backing).toString('hex'),
        `${'ee'.repeat(8)}0403020105000000${'ee'.repeat(16)}`,
      );
      assert.deepEqual(c.decodeAt(view, 5), { a: 0x01020304, b: 5 });
      assert.deepEqual(c.decode(backing.subarray(8)), { a: 0x01020304, b: 5 });
      c.encode({ a: 9, b: 9 }, backing.subarray(20, 28));
      assert.equal(backing[19], 0xee);
      assert.equal(backing[28], 0xee);
    }
  });

  it('decodes correctly when alternating between ArrayBuffers (view cache)', () => {
    const c = codecFor(pair, { byteOrder: 'little' });
    const x = Uint8Array.of(1, 0, 0, 0, 2, 0, 0, 0);
    const y = Uint8Array.of(3, 0, 0, 0, 4, 0, 0, 0);
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(c.decode(x), { a: 1, b: 2 });
      assert.deepEqual(c.decode(y), { a: 3, b: 4 });
    }
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    shared.set(y);
    assert.deepEqual(c.decode(shared), { a: 3, b: 4 });
  });
});

describe('codecFor safety', () => {
  it('member names never become code, and __proto__ stays an own property', () => {
    const hostile = [
      'a"]; globalThis.__pwned = 1; //',
      "b'); globalThis.__pwned = 1; ('",
      'c\n}; globalThis.__pwned = 1; {',
      '__proto__',
      'constructor',
      'ünï',
    ];
    const t = new Struct(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile type name, on purpose
      'x`${globalThis.__pwned = 1}`',
      hostile.length * 4,
      hostile.map((n, i) => new Member(n, u32, i * 32)),
    );
    for (const compile of MODES) {
      const c = codecFor<Record<string, number>>(t, { compile, byteOrder: 'little' });
      const value = Object.fromEntries(hostile.map((n, i) => [n, i + 1]));
      Object.defineProperty(value, '__proto__', { value: 4, enumerable: true });
      const out = new Uint8Array(t.size);
      c.encode(value, out);
      const back = c.decode(out);
      assert.deepEqual(Object.keys(back), hostile);
      assert.equal(Object.getPrototypeOf(back), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(back, '__proto__')?.value, 4);
      assert.equal(back.constructor, 5);
      assert.equal((globalThis as { __pwned?: number }).__pwned, undefined);
      assert.throws(
        () => c.encode({ ...value, constructor: -1 }, out),
        isEinval(/field constructor: expected u32/),
      );
    }
  });

  it('throws BtfError for types without a fixed-size value', () => {
    const noValue: Type[] = [
      voidType,
      new Fwd('opaque'),
      new Func('f', new FuncProto(s32)),
      new Struct('holder', 8, [new Member('f', new Fwd('opaque'), 0)]),
    ];
    for (const t of noValue)
      assert.throws(
        () => codecFor(t),
        (e: unknown) => isBtfError(e),
        t.kind,
      );
  });

  it('rejects members outside the record, self-containing records and odd bitfields', () => {
    const outside = new Struct('o', 4, [new Member('x', u32, 8)]);
    assert.throws(() => codecFor(outside), /member x \(bits 8\+32\) outside its 4 bytes/);
    const loop = new Struct('loop', 4, []);
    loop.members.push(new Member('self', loop, 0));
    assert.throws(() => codecFor(loop), /struct loop contains itself/);
    const wide = new Struct('w', 8, [new Member('x', u8, 0, 9)]);
    assert.throws(() => codecFor(wide), /bitfield x of 9 bits in a 1-byte type/);
    const unaligned = new Struct('u', 8, [new Member('x', inner, 3)]);
    assert.throws(() => codecFor(unaligned), /member x is not byte-aligned/);
    const dup = new Struct('d', 8, [
      new Member('x', u32, 0),
      new Member('', new Union('', 4, [new Member('x', u32, 0)]), 32),
    ]);
    assert.throws(() => codecFor(dup), /duplicate member x/);
  });

  it('falls back to closures where code generation from strings is forbidden', () => {
    const script = `
      import { codecFor } from './src/btf/codec.ts';
      import { Int, Struct, Member } from './src/btf/types.ts';
      const c = codecFor(new Struct('s', 4, [new Member('a', new Int('u', 4), 0)]), { byteOrder: 'little' });
      const out = new Uint8Array(4);
      c.encode({ a: 258 }, out);
      console.log(JSON.stringify({ compiled: c.compiled, bytes: [...out], back: c.decode(out) }));
    `;
    const stdout = execFileSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, encoding: 'utf8' },
    );
    assert.deepEqual(JSON.parse(stdout), { compiled: false, bytes: [2, 1, 0, 0], back: { a: 258 } });
  });
});
