/**
 * Layout truth for the BTF codecs. The structs of bpf/test/layout_types.h are compiled twice: by clang
 * for BPF (both byte orders, the fixture objects, whose BTF the codecs are built from and whose .data
 * holds sample values laid out by clang) and by gcc for the host (test/btf/oracle/layout-types.c, which
 * prints sizeof/offsetof, the samples, and what C reads from given bytes). The codecs, compiled and
 * closure-based, must agree with both on every offset, sample, and seeded random value.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BtfCodec, codecFor } from '../../src/btf/codec.js';
import type { RecordLayout } from '../../src/btf/codec-layout.js';
import type { Type } from '../../src/btf/index.js';
import type { ByteOrder } from '../../src/internal/bytes.js';
import {
  type LayoutFixture,
  LayoutOracle,
  loadLayoutFixture,
  type Normalized,
  normalize,
  ORACLE_TYPES,
  prng,
  randomBytes,
  toHex,
} from './codec-fixture.js';

const ORDERS: ByteOrder[] = ['little', 'big'];
/**
 * Union members that alias the sample's initialised member: their values depend on the byte order, so
 * the (little-endian host) oracle's values for them only hold for little-endian data.
 */
const BYTE_ORDER_ALIASES: Record<string, string[][]> = {
  lt_with_union: [
    ['addr', 'v4'],
    ['addr', 'words'],
  ],
  lt_anon: [['as_u32'], ['as_f32']],
};

function withoutAliases(name: string, value: Normalized): Normalized {
  const copy = structuredClone(value);
  for (const path of BYTE_ORDER_ALIASES[name] ?? []) {
    let cur = copy as Record<string, Normalized>;
    for (const key of path.slice(0, -1)) cur = cur[key] as Record<string, Normalized>;
    delete cur[path[path.length - 1] as string];
  }
  return copy;
}
const RANDOM_CASES = 150;

let oracle: LayoutOracle;
const fixtures = new Map<ByteOrder, LayoutFixture>();

before(() => {
  oracle = new LayoutOracle();
  for (const order of ORDERS) fixtures.set(order, loadLayoutFixture(order));
});
after(() => oracle?.dispose());

function fixture(order: ByteOrder): LayoutFixture {
  return fixtures.get(order) as LayoutFixture;
}

function typeOf(order: ByteOrder, name: string): Type {
  const spec = fixture(order).spec;
  const found = spec.typesByName(name).filter((t) => t.kind !== 'fwd');
  assert.equal(found.length, 1, `one type named ${name}`);
  return found[0] as Type;
}

type Variant = { name: string; compile: boolean; strings: boolean };
const VARIANTS: Variant[] = [
  { name: 'compiled', compile: true, strings: false },
  { name: 'closures', compile: false, strings: false },
  { name: 'compiled, strings', compile: true, strings: true },
  { name: 'closures, strings', compile: false, strings: true },
];

function codec(order: ByteOrder, name: string, v: Variant): BtfCodec<unknown> {
  const c = codecFor<unknown>(typeOf(order, name), {
    byteOrder: order,
    compile: v.compile,
    charArrays: v.strings ? 'string' : 'bytes',
  });
  assert.equal(c.compiled, v.compile);
  return c;
}

describe('codec layouts match gcc', () => {
  it('sizes and member offsets', () => {
    const lines = oracle
      .run('layout')
      .map((l) => JSON.parse(l) as { type: string; size: number; offsets: Record<string, number> });
    assert.equal(lines.length, 13);
    for (const order of ORDERS) {
      for (const want of lines) {
        const layout = codecFor(typeOf(order, want.type)).layout as RecordLayout;
        assert.equal(layout.kind, 'record');
        assert.equal(layout.size, want.size, `${order} sizeof ${want.type}`);
        const got: Record<string, number> = {};
        for (const f of layout.fields)
          if (f.bitfield === undefined && f.name in want.offsets) got[f.name] = f.offset;
        assert.deepEqual(got, want.offsets, `${order} offsets of ${want.type}`);
      }
    }
  });
});

describe('codec samples', () => {
  it('host gcc and BPF clang (LE) lay the samples out byte for byte alike', () => {
    const f = fixture('little');
    for (const line of oracle.run('samples')) {
      const [name, hex] = line.split(' ') as [string, string];
      const off = f.offsets.get(name.replace(/_t$/, '').concat('_sample'));
      assert.ok(off !== undefined, name);
      const size = hex.length / 2;
      assert.equal(toHex(f.data.subarray(off, off + size)), hex, name);
    }
  });

  for (const order of ORDERS) {
    for (const v of VARIANTS) {
      it(`${order}-endian .data samples decode to the C values and re-encode to the same bytes (${v.name})`, () => {
        const f = fixture(order);
        for (const line of oracle.run('samples')) {
          const [name, , json] = line.split(' ') as [string, string, string];
          const c = codec(order, name, v);
          const off = f.offsets.get(`${name.replace(/_t$/, '')}_sample`) as number;
          const bytes = f.data.subarray(off, off + c.size);
          const value = c.decode(bytes);
          const want = JSON.parse(json) as Normalized;
          const got = normalize(c.layout, value);
          if (order === 'little') assert.deepEqual(got, want, name);
          else assert.deepEqual(withoutAliases(name, got), withoutAliases(name, want), `${name} (big)`);
          const out = new Uint8Array(c.size);
          c.encode(value, out);
          assert.equal(toHex(out), toHex(bytes), `${name} re-encoded (${order})`);
        }
      });
    }
    it(`${order}-endian .data as a DATASEC decodes every sample variable`, () => {
      const f = fixture(order);
      const whole = codecFor<Record<string, unknown>>(f.dataSec, { byteOrder: order });
      const all = whole.decode(f.data);
      for (const name of ORACLE_TYPES) {
        const varName = `${name.replace(/_t$/, '')}_sample`;
        const one = codecFor(typeOf(order, name), { byteOrder: order });
        const off = f.offsets.get(varName) as number;
        assert.deepEqual(all[varName], one.decode(f.data.subarray(off)), varName);
      }
      const out = new Uint8Array(whole.size);
      whole.encode(all, out);
      assert.equal(toHex(out), toHex(f.data));
    });
  }
});

describe('codec random values against the C reading of the same bytes', () => {
  for (const v of VARIANTS) {
    it(`${RANDOM_CASES} seeded random values per type (${v.name})`, () => {
      const rand = prng(v.strings ? 0x5eed : 0xc0dec);
      const input: string[] = [];
      const expected: { name: string; bytes: Uint8Array }[] = [];
      for (const name of ORACLE_TYPES) {
        const c = codec('little', name, v);
        for (let i = 0; i < RANDOM_CASES; i++) {
          const bytes = randomBytes(c.layout, rand, 'little', v.strings);
          input.push(`${name} ${toHex(bytes)}`);
          expected.push({ name, bytes });
        }
      }
      const lines = oracle.run('check', `${input.join('\n')}\n`);
      assert.equal(lines.length, expected.length);
      const codecs = new Map<string, BtfCodec<unknown>>();
      lines.forEach((line, i) => {
        const [name, json, normalizedHex] = line.split(' ') as [string, string, string];
        const { bytes } = expected[i] as { bytes: Uint8Array };
        let c = codecs.get(name);
        if (c === undefined) {
          c = codec('little', name, v);
          codecs.set(name, c);
        }
        const value = c.decode(bytes);
        assert.deepEqual(
          normalize(c.layout, value),
          JSON.parse(json) as Normalized,
          `${name} #${i}: ${toHex(bytes)}`,
        );
        const out = new Uint8Array(c.size);
        c.encode(value, out);
        assert.equal(toHex(out), normalizedHex, `${name} #${i} re-encoded`);
      });
    });
  }

  it('big-endian compiled and closure codecs agree on seeded random values and round-trip', () => {
    // BE truth comes from the samples above; here: a value encoded BE decodes back equal, and the
    // compiled and closure codecs produce identical BE bytes for random values.
    const rand = prng(0xbe);
    for (const name of ORACLE_TYPES) {
      const compiled = codec('big', name, VARIANTS[2] as Variant);
      const closures = codec('big', name, VARIANTS[3] as Variant);
      for (let i = 0; i < RANDOM_CASES; i++) {
        const bytes = randomBytes(compiled.layout, rand, 'big', true);
        const value = compiled.decode(bytes);
        assert.deepEqual(closures.decode(bytes), value, `${name} #${i}`);
        const a = new Uint8Array(compiled.size);
        const b = new Uint8Array(compiled.size);
        compiled.encode(value, a);
        closures.encode(value, b);
        assert.equal(toHex(a), toHex(b), `${name} #${i}`);
        assert.deepEqual(compiled.decode(a), value, `${name} #${i} round trip`);
      }
    }
  });
});
