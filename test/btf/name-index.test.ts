/**
 * The name hash and the name index behind `Spec.idsByName`: the three ways of hashing a name agree,
 * names sharing their 8-byte hashed prefix are told apart, and the word scan (aligned, host order) and
 * the byte scan (other byte order, misaligned) index the same names, as do split specs whose types are
 * named from their base's string table; named FUNCs (indexed apart, on demand) are found exactly when a
 * lookup's kind allows them, in ID order with the other kinds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Func,
  FuncProto,
  Fwd,
  Int,
  loadSpec,
  marshalTypes,
  type Spec,
  Struct,
  type Type,
  type TypeClass,
  Typedef,
} from '../../src/btf/index.js';
import { nameHash, nameHashAscii, nameHashNearEnd } from '../../src/btf/name-hash.js';
import { hostByteOrder } from '../../src/internal/bytes.js';
import { buildBtf, info, words } from './helpers.js';

const utf8 = new TextEncoder();

/** `s` NUL-terminated, followed by `garbage` bytes (what follows a name in a string table). */
function terminated(s: string, garbage: number[]): Uint8Array {
  const b = utf8.encode(s);
  const out = new Uint8Array(b.length + 1 + garbage.length);
  out.set(b);
  out.set(garbage, b.length + 1);
  return out;
}

describe('nameHash', () => {
  const names = ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdefg', 'abcdefgh', 'abcdefghi', 'task_struct'];
  for (const name of names) {
    it(`hashes ${JSON.stringify(name)} the same from a table, near its end, and as a query`, () => {
      const query = nameHashAscii(name);
      for (const garbage of [[], [0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48], [0xff, 0, 0xff]]) {
        const bytes = terminated(name, garbage);
        assert.equal(nameHashNearEnd(bytes, 0), query, `near end, garbage ${garbage}`);
        if (bytes.length >= 8) {
          const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          assert.equal(nameHash(view, 0), query, `in place, garbage ${garbage}`);
        }
      }
      assert.equal(nameHashNearEnd(utf8.encode(name), 0), query, 'UTF-8 query');
    });
  }

  it('depends on every byte of the first 8 and on where the name ends', () => {
    const seen = new Map<number, string>();
    for (const name of ['x', 'xx', 'xxx', 'xxxx', 'xxxxx', 'abcdefgh', 'abcdefgX', 'Xbcdefgh', 'abcXefgh']) {
      const h = nameHashAscii(name);
      assert.equal(seen.get(h), undefined, `${name} collides with ${seen.get(h)}`);
      seen.set(h, name);
    }
    assert.equal(nameHashAscii('abcdefgh_one'), nameHashAscii('abcdefgh_two'), 'only 8 bytes are hashed');
  });
});

/** A spec with types of these names (each an INT, so none refers to another). */
function specOf(names: readonly string[], order = hostByteOrder): Uint8Array {
  return marshalTypes(
    names.map((n) => new Int(n, 4)),
    { byteOrder: order },
  ).bytes;
}

/** `bytes` copied to an odd address, so the type section cannot be read as aligned words. */
function misaligned(bytes: Uint8Array): Uint8Array {
  const b = new Uint8Array(bytes.length + 1);
  b.set(bytes, 1);
  return b.subarray(1);
}

describe('name index', () => {
  const names = [
    'trace_event_raw_a',
    'trace_event_raw_b',
    'trace_event_raw_',
    'trace_ev',
    'trace_e',
    'x',
    'dup',
    'dup',
    'ü_utf8',
    'tail',
    'sixchr', // the last string: 7 bytes before the end of the table
  ];
  const other = hostByteOrder === 'little' ? 'big' : 'little';
  const variants: [string, Uint8Array][] = [
    ['host order (word scan)', specOf(names)],
    [`${other}-endian (byte scan)`, specOf(names, other)],
    ['misaligned (byte scan)', misaligned(specOf(names))],
  ];
  for (const [what, bytes] of variants) {
    it(`finds every name and only it: ${what}`, () => {
      // Not copied: a copy would be aligned again.
      const spec = loadSpec(bytes, { copy: false });
      names.forEach((name, i) => {
        const want = names.flatMap((n, j) => (n === name ? [j + 1] : []));
        assert.deepEqual(spec.idsByName(name), want, `${name} (id ${i + 1})`);
      });
      for (const absent of [
        'trace_event_raw_c',
        'trace_event_raw',
        'trac',
        'xx',
        'du',
        'ü',
        'tai',
        'tails',
        'sixch',
        'sixchrs',
      ])
        assert.deepEqual(spec.idsByName(absent), [], absent);
    });
  }

  it('finds nothing for the empty name or a name with a NUL', () => {
    const spec = loadSpec(specOf(['a', 'b']));
    assert.deepEqual(spec.idsByName(''), []);
    // 'a' and 'b' are adjacent in the string table ("a\0b\0"), which must not match "a\0b".
    assert.deepEqual(spec.idsByName('a\0b'), []);
  });

  it('indexes split types named from the base string table and from their own', () => {
    const order = hostByteOrder;
    const base: Spec = loadSpec(specOf(['task_struct', 'x'], order));
    const baseLen = base.strings.length;
    const at = (name: string) => {
      const i = new TextDecoder().decode(base.strings.bytes).indexOf(`\0${name}\0`);
      assert.ok(i >= 0, name);
      return i + 1;
    };
    // [3] TYPEDEF 'task_struct' -> 1 and [4] TYPEDEF 'x' -> 2 (names in the base table; 'x' is its
    // last string, too close to the end to hash in place), [5] STRUCT 'split_own' (own table).
    const types = words(
      order,
      ...[at('task_struct'), info(8), 1],
      ...[at('x'), info(8), 2],
      ...[baseLen + 1, info(4), 0],
    );
    const split = loadSpec(buildBtf({ order, types, strings: utf8.encode('\0split_own\0') }), { base });
    assert.deepEqual(split.idsByName('task_struct'), [1, 3]);
    assert.deepEqual(split.idsByName('x'), [2, 4]);
    assert.deepEqual(split.idsByName('split_own'), [5]);
    assert.equal(split.typeByName('task_struct', Typedef).name, 'task_struct');
    assert.equal(split.typeByName('split_own', Struct).size, 0);
    assert.deepEqual(split.typesByName('task_struct', Fwd), []);
  });
});

describe('named FUNCs in the name index', () => {
  const proto = new FuncProto(new Int('int', 4));
  // IDs: 1 int, 2 proto, 3 FUNC f, 4 STRUCT f, 5 FUNC g___v1, 6 TYPEDEF g, 7 FUNC g, 8 TYPEDEF g___v2.
  const types: Type[] = [
    proto.returnType,
    proto,
    new Func('f', proto),
    new Struct('f', 0, []),
    new Func('g___v1', proto),
    new Typedef('g', proto.returnType),
    new Func('g', proto),
    new Typedef('g___v2', proto.returnType),
  ];
  const cases: [string, TypeClass | undefined, number[]][] = [
    ['f', undefined, [3, 4]],
    ['f', Func, [3]],
    ['f', Struct, [4]],
    ['f', Typedef, []],
    ['g', undefined, [6, 7]],
    ['g', Func, [7]],
    ['g___v1', undefined, [5]],
    ['g___v1', Typedef, []],
    ['int', Func, []],
  ];
  const essential: [string, TypeClass | undefined, number[]][] = [
    ['g___x', undefined, [5, 6, 7, 8]],
    ['g', Func, [5, 7]],
    ['g___x', Typedef, [6, 8]],
    ['f___y', undefined, [3, 4]],
    ['f___y', Struct, [4]],
  ];
  const other = hostByteOrder === 'little' ? 'big' : 'little';
  const blob = (order: typeof hostByteOrder) => marshalTypes(types, { byteOrder: order }).bytes;
  const variants: [string, Uint8Array][] = [
    ['host order (word scan)', blob(hostByteOrder)],
    [`${other}-endian (byte scan)`, blob(other)],
    ['misaligned (byte scan)', misaligned(blob(hostByteOrder))],
  ];
  for (const [what, bytes] of variants) {
    it(`are found by name and essential name exactly when the kind allows: ${what}`, () => {
      const spec = loadSpec(bytes, { copy: false });
      for (const [name, kind, want] of cases) {
        const label = `${name} ${kind?.name ?? 'any'}`;
        assert.deepEqual(spec.idsByName(name, kind), want, label);
        assert.deepEqual(
          spec.typesByName(name, kind).map((t) => spec.typeID(t)),
          want,
          label,
        );
      }
      assert.equal(spec.typeByName('f', Func).name, 'f');
      assert.equal(spec.anyTypeByName('g').kind, 'typedef');
      for (const [name, kind, want] of essential) {
        assert.deepEqual(
          spec.typesByEssentialName(name, kind).map((t) => spec.typeID(t)),
          want,
          `${name} ${kind?.name ?? 'any'}`,
        );
      }
    });
  }

  it('are found through a split spec on top of their base', () => {
    const base: Spec = loadSpec(blob(hostByteOrder));
    const types = words(hostByteOrder, ...[base.strings.length + 1, info(12), 2]);
    const split = loadSpec(buildBtf({ types, strings: utf8.encode('\0f\0') }), { base });
    assert.deepEqual(split.idsByName('f'), [3, 4, 9]);
    assert.deepEqual(split.idsByName('f', Func), [3, 9]);
    assert.deepEqual(split.idsByName('f', Struct), [4]);
    assert.deepEqual(
      split.typesByEssentialName('f___z', Func).map((t) => split.typeID(t)),
      [3, 9],
    );
  });
});
