/**
 * CO-RE flavored names: `hasFlavorSeparator` / `isFlavoredName` tell exactly the names `essentialName`
 * would shorten (checked on hand-picked names and on every string of seeded random tables, plain and
 * split), and `Spec.typesByEssentialName` — the name index plus a small index of flavored names —
 * returns what a pass over every named type returns, for plain and split specs, non-ASCII names, kind
 * filters, and the running kernel's BTF.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasFlavorSeparator, isFlavoredName } from '../../src/btf/flavor-names.js';
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
  return utf8.encode(`\0${names.map((n) => `${n}\0`).join('')}`);
}

/** Offsets of every string of `table` (its own bytes), with the string. */
function stringsOf(table: StringTable): [number, string][] {
  const out: [number, string][] = [];
  // A split table's own bytes start with a string; a base table's with the empty one.
  for (let i = table.base === undefined ? 1 : 0; i < table.bytes.length; i = table.bytes.indexOf(0, i) + 1) {
    out.push([table.start + i, table.get(table.start + i)]);
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

describe('hasFlavorSeparator', () => {
  const cases: [string, boolean][] = [
    ['task_struct', false],
    ['task_struct___v2', true],
    ['a___b___c', true],
    ['foo___', false],
    ['___x', false],
    ['_a___b', true],
    ['foo____bar', false],
    ['foo__bar', false],
    ['__u32', false],
    ['x___y', true],
    ['é___x', true],
    ['x___é', true],
    ['sym___kernel_sigreturn', true],
    ['nf_conn___init', true],
    ['', false],
  ];
  for (const [name, want] of cases)
    it(`${JSON.stringify(name)}: ${want}`, () => {
      const bytes = tableBytes([name, 'z___z']);
      assert.equal(hasFlavorSeparator(bytes, 1), want);
      assert.equal(essentialName(name) !== name, want, 'agrees with essentialName');
    });

  it('agrees with essentialName on every string of seeded random tables, plain and split', () => {
    const next = rng(0x5eed);
    const alphabet = [0x5f, 0x5f, 0x5f, 0x61, 0x62, 0x00, 0xc3, 0xa9];
    const base = new StringTable(tableBytes(['int', 'base___x']));
    for (let round = 0; round < 600; round++) {
      // Odd rounds: a split table, whose first string starts at its first byte.
      const split = round % 2 === 1;
      const len = 1 + (next() % 80);
      const bytes = new Uint8Array(len + 1);
      for (let i = split ? 0 : 1; i < len; i++) bytes[i] = alphabet[next() % alphabet.length] as number;
      const table = new StringTable(bytes, split ? base : undefined);
      for (const [off, s] of stringsOf(table)) {
        const want = essentialName(s) !== s;
        assert.equal(isFlavoredName(table, off), want, `round ${round}: ${JSON.stringify(s)}`);
        assert.equal(hasFlavorSeparator(table.bytes, off - table.start), want);
      }
      if (split) {
        assert.equal(isFlavoredName(table, 5), true, 'a name in the base table');
        assert.equal(isFlavoredName(table, 1), false);
      }
      assert.equal(isFlavoredName(table, table.length + 3), false, 'an offset past every table');
    }
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
