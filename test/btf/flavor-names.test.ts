/**
 * CO-RE flavored names: `flavoredNameOffsets` finds exactly the strings that hold a flavor separator
 * (checked against `essentialName` on every string, at every alignment, on hand-picked and seeded
 * random tables), and `Spec.typesByEssentialName` — now the name index plus a small index of flavored
 * names — returns what a pass over every named type returns, for plain and split specs, duplicated
 * strings, non-ASCII names, and the running kernel's BTF.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flavoredNameOffsets } from '../../src/btf/flavor-names.js';
import { Int, loadSpec, marshalTypes, type Spec, Struct, Typedef } from '../../src/btf/index.js';
import { loadKernelSpec } from '../../src/btf/kernel-spec.js';
import { StringTable } from '../../src/btf/string-table.js';
import { essentialName } from '../../src/btf/type-utils.js';
import { type ByteOrder, hostByteOrder } from '../../src/internal/bytes.js';
import { KernelContext } from '../../src/syscall/context.js';
import { buildBtf, info, words } from './helpers.js';

const utf8 = new TextEncoder();

/** A string table of `names` (a leading empty string, each NUL-terminated). */
function tableBytes(names: readonly string[]): Uint8Array {
  const parts = names.map((n) => utf8.encode(`${n}\0`));
  const out = new Uint8Array(1 + parts.reduce((s, p) => s + p.length, 0));
  let at = 1;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `bytes` placed `shift` bytes past an aligned address. */
function shifted(bytes: Uint8Array, shift: number): Uint8Array {
  const b = new Uint8Array(bytes.length + shift);
  b.set(bytes, shift);
  return b.subarray(shift);
}

/** Offsets of the strings whose essential name differs from themselves (a pass over every string). */
function referenceOffsets(table: StringTable): number[] {
  const out: number[] = [];
  // A split table's own bytes start with a string; a base table's with the empty one.
  for (let i = table.base === undefined ? 1 : 0; i < table.bytes.length; i = table.bytes.indexOf(0, i) + 1) {
    const s = table.get(table.start + i);
    if (essentialName(s) !== s) out.push(table.start + i);
  }
  return out;
}

/** A deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe('flavoredNameOffsets', () => {
  const names = [
    'task_struct',
    'task_struct___v2',
    'a___b___c',
    'foo___',
    '___x',
    'foo____bar',
    '__u32',
    'x___y',
    'ab___c',
    'abc___d',
    'abcd___e',
    'é___x',
    'x___é',
    'sym___kernel_sigreturn',
    'nf_conn___init',
    'z___q',
  ];
  for (const shift of [0, 1, 2, 3]) {
    it(`finds the flavored names at alignment +${shift}`, () => {
      const table = new StringTable(shifted(tableBytes(names), shift));
      const found = flavoredNameOffsets(table).map((o) => table.get(o));
      assert.deepEqual(found, [
        'task_struct___v2',
        'a___b___c',
        'x___y',
        'ab___c',
        'abc___d',
        'abcd___e',
        'é___x',
        'x___é',
        'sym___kernel_sigreturn',
        'nf_conn___init',
        'z___q',
      ]);
    });
  }

  it('agrees with essentialName on every string of seeded random tables, at every alignment', () => {
    const next = rng(0x5eed);
    const alphabet = [0x5f, 0x5f, 0x5f, 0x61, 0x62, 0x00, 0xc3, 0xa9];
    const base = new StringTable(tableBytes(['int']));
    for (let round = 0; round < 600; round++) {
      // Odd rounds: a split table, whose first string starts at its first byte.
      const split = round % 2 === 1;
      const len = 1 + (next() % 80);
      const bytes = new Uint8Array(len + 1);
      for (let i = split ? 0 : 1; i < len; i++) bytes[i] = alphabet[next() % alphabet.length] as number;
      for (const shift of [0, 1, 2, 3]) {
        const table = new StringTable(shifted(bytes, shift), split ? base : undefined);
        assert.deepEqual(flavoredNameOffsets(table), referenceOffsets(table), `round ${round} +${shift}`);
      }
    }
  });

  it('gives offsets after the base table for split string tables', () => {
    const base = new StringTable(tableBytes(['int', 'base___x']));
    const own = new StringTable(utf8.encode('own___y\0plain\0'), base);
    assert.deepEqual(
      flavoredNameOffsets(own).map((o) => own.get(o)),
      ['own___y'],
    );
    assert.ok((flavoredNameOffsets(own)[0] as number) >= base.length);
    assert.deepEqual(flavoredNameOffsets(new StringTable(new Uint8Array(0), base)), []);
  });
});

/** `typesByEssentialName` as it was: every named type's essential name compared. */
function referenceIDs(spec: Spec, name: string): number[] {
  const want = essentialName(name);
  const out: number[] = [];
  for (const t of spec.types()) if (t.name !== '' && essentialName(t.name) === want) out.push(spec.typeID(t));
  return out;
}

function assertAgrees(spec: Spec, queries: readonly string[]): void {
  for (const q of queries) {
    const got = spec.typesByEssentialName(q).map((t) => spec.typeID(t));
    assert.deepEqual(got, referenceIDs(spec, q), q);
  }
}

describe('Spec.typesByEssentialName', () => {
  const names = [
    'task_struct',
    'task_struct___v1',
    'task_struct___v2',
    'task_struct',
    'sock',
    'sock___old',
    'a___b',
    'a___b___c',
    'a',
    'é___x',
    'é',
    'foo___',
    'foo',
  ];
  const queries = [
    'task_struct',
    'task_struct___local',
    'sock',
    'sock___new',
    'a',
    'a___b',
    'a___b___zz',
    'é',
    'é___q',
    'foo___',
    'foo',
    'missing',
    'missing___x',
  ];
  const other: ByteOrder = hostByteOrder === 'little' ? 'big' : 'little';
  for (const order of [hostByteOrder, other]) {
    it(`matches a pass over every type (${order}-endian)`, () => {
      const spec = loadSpec(
        marshalTypes(
          names.map((n) => new Int(n, 4)),
          { byteOrder: order },
        ).bytes,
      );
      assertAgrees(spec, queries);
      assert.deepEqual(
        spec.typesByEssentialName('task_struct___x').map((t) => t.name),
        ['task_struct', 'task_struct___v1', 'task_struct___v2', 'task_struct'],
      );
    });
  }

  it('filters by kind', () => {
    const spec = loadSpec(
      marshalTypes([new Struct('s___a', 0, []), new Int('s___b', 4), new Struct('s', 0, [])]).bytes,
    );
    assert.deepEqual(
      spec.typesByEssentialName('s___zz', Struct).map((t) => t.name),
      ['s___a', 's'],
    );
  });

  it('finds split types named from the base string table, base types first', () => {
    const order = hostByteOrder;
    const base = loadSpec(
      marshalTypes([new Int('sock___v1', 4), new Int('sock', 4), new Int('x', 4)], { byteOrder: order })
        .bytes,
    );
    const text = new TextDecoder().decode(base.strings.bytes);
    const at = (name: string) => text.indexOf(`\0${name}\0`) + 1;
    const baseLen = base.strings.length;
    // [4] TYPEDEF 'sock___v1' and [5] TYPEDEF 'sock' (base strings), [6] TYPEDEF 'sock___own' and
    // [7] TYPEDEF 'sock___own' again from a repeated own string.
    const types = words(
      order,
      ...[at('sock___v1'), info(8), 1],
      ...[at('sock'), info(8), 2],
      ...[baseLen + 1, info(8), 3],
      ...[baseLen + 12, info(8), 3],
    );
    const split = loadSpec(buildBtf({ order, types, strings: utf8.encode('\0sock___own\0sock___own\0') }), {
      base,
    });
    assert.deepEqual(
      split.typesByEssentialName('sock___q').map((t) => split.typeID(t)),
      [1, 2, 4, 5, 6, 7],
    );
    assert.deepEqual(
      split.typesByEssentialName('sock', Typedef).map((t) => split.typeID(t)),
      [4, 5, 6, 7],
    );
    assertAgrees(split, ['sock', 'sock___z', 'x', 'x___y', 'nothing']);
  });
});

describe('Spec.typesByEssentialName on the running kernel', () => {
  it('matches a pass over every vmlinux type for common, flavored and sampled names', () => {
    const spec = loadKernelSpec({ ctx: new KernelContext() });
    const byEssential = new Map<string, number[]>();
    for (const t of spec.types()) {
      if (t.name === '') continue;
      const key = essentialName(t.name);
      const ids = byEssential.get(key) ?? [];
      ids.push(spec.typeID(t));
      byEssential.set(key, ids);
    }
    const flavored = [...spec.types()].filter((t) => essentialName(t.name) !== t.name).map((t) => t.name);
    const sample = [...byEssential.keys()].filter((_, i) => i % 53 === 0);
    const queries = [
      'task_struct',
      'task_struct___local',
      'sk_buff',
      'sock___x',
      'pid',
      'no_such_type___x',
      ...flavored,
      ...flavored.map(essentialName),
      ...sample,
    ];
    for (const q of queries) {
      const got = spec.typesByEssentialName(q).map((t) => spec.typeID(t));
      assert.deepEqual(got, byEssential.get(essentialName(q)) ?? [], q);
    }
  });
});
