import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Int, loadSpec, parseBtfHeader, Typedef, UnknownType } from '../../src/btf/index.js';
import { isParseError, type ParseError } from '../../src/errors.js';
import { ByteWriter } from '../../src/internal/bytes.js';
import { buildBtf, info, words } from './helpers.js';

const INT = info(1);
const TYPEDEF = info(8);
// [1] INT 'int' size=4 bits=32 signed
const intType = (order: 'little' | 'big') => words(order, 1, INT, 4, 0x01000020);

function parseError(detail: RegExp, offset?: number) {
  return (e: unknown) => {
    assert.ok(isParseError(e), `not a ParseError: ${String(e)}`);
    assert.match((e as ParseError).message, detail);
    if (offset !== undefined) assert.equal((e as ParseError).offset, offset);
    return true;
  };
}

describe('.BTF header', () => {
  for (const order of ['little', 'big'] as const) {
    it(`parses a minimal ${order}-endian blob`, () => {
      const blob = buildBtf({ order, types: intType(order) });
      const h = parseBtfHeader(blob);
      assert.equal(h.byteOrder, order);
      assert.deepEqual([h.hdrLen, h.typeOff, h.typeLen, h.strOff, h.strLen], [24, 24, 16, 40, 5]);
      const spec = loadSpec(blob);
      const t = spec.typeByID(1);
      assert.ok(t instanceof Int && t.name === 'int' && t.size === 4 && t.signed && t.bits === 32);
    });
  }

  it('accepts a 32-byte header with an empty layout section', () => {
    const spec = loadSpec(buildBtf({ types: intType('little'), hdr: { hdrLen: 32 } }));
    assert.equal(spec.layout.length, 0);
    assert.equal(spec.typeCount, 1);
  });

  const good = buildBtf({ types: intType('little') });
  const patched = (at: number, ...bytes: number[]) => {
    const b = good.slice();
    b.set(bytes, at);
    return b;
  };
  const u32le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  const cases: [string, Uint8Array, RegExp, number?][] = [
    ['empty input', new Uint8Array(0), /too short/],
    ['bad magic', patched(0, 0x12, 0x34), /bad magic/, 0],
    ['unknown version', patched(2, 2), /version 2/, 2],
    ['header length below 24', patched(4, ...u32le(20)), /header length/, 4],
    ['header longer than input', patched(4, ...u32le(4096)), /out of bounds/],
    [
      'non-zero unknown header bytes',
      buildBtf({ types: intType('little'), hdr: { hdrLen: 40 } }).map((b, i) => (i === 36 ? 1 : b)),
      /non-zero header byte/,
      36,
    ],
    ['type section out of bounds', patched(12, ...u32le(1 << 20)), /out of bounds/],
    ['string section out of bounds', patched(20, ...u32le(1 << 20)), /out of bounds/],
    ['misaligned type section', patched(8, ...u32le(2)), /aligned/],
    ['overlapping sections', patched(16, ...u32le(8)), /overlap/],
    ['string table without terminator', patched(good.length - 1, 0x41), /NUL-terminated/],
    ['string table not starting with empty string', patched(40, 0x41), /empty string/],
  ];
  for (const [name, blob, detail, offset] of cases) {
    it(`rejects ${name}`, () => assert.throws(() => loadSpec(blob), parseError(detail, offset)));
  }
});

describe('.BTF type records', () => {
  it('rejects a truncated record', () => {
    const types = words('little', 1, INT);
    assert.throws(() => loadSpec(buildBtf({ types })), parseError(/truncated/, 24));
  });
  it('rejects a vlen that overruns the section', () => {
    const types = words('little', 0, info(4, 3), 8, 0, 1, 0);
    assert.throws(() => loadSpec(buildBtf({ types })), parseError(/overruns/, 24));
  });
  it('rejects an out-of-range type reference', () => {
    const types = new Uint8Array([...intType('little'), ...words('little', 1, TYPEDEF, 7)]);
    assert.throws(() => loadSpec(buildBtf({ types })), parseError(/type 2: references type 7/, 24 + 16 + 8));
  });
  it('rejects an out-of-range name offset', () => {
    const types = words('little', 99, INT, 4, 0x20);
    assert.throws(() => loadSpec(buildBtf({ types })), parseError(/name offset 99/, 24));
  });
  it('rejects kind 0 and unknown kinds without a layout section, naming kind and offset', () => {
    for (const kind of [0, 20, 25]) {
      const types = new Uint8Array([...intType('little'), ...words('little', 0, info(kind, 1), 0, 0, 0)]);
      assert.throws(
        () => loadSpec(buildBtf({ types })),
        parseError(new RegExp(`type 2: unknown kind ${kind}`), 40),
      );
    }
  });
});

describe('.BTF layout section', () => {
  // Layout entries for kinds 0..25 (info_sz, elem_sz, flags), as a newer encoder would write.
  function layout(order: 'little' | 'big', extra: [number, number][]): Uint8Array {
    const sizes: [number, number][] = [
      [0, 0],
      [4, 0],
      [0, 0],
      [12, 0],
      [0, 12],
      [0, 12],
      [0, 8],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 8],
      [4, 0],
      [0, 12],
      [0, 0],
      [4, 0],
      [0, 0],
      [0, 12],
      ...extra,
    ];
    const w = new ByteWriter(order);
    for (const [infoSz, elemSz] of sizes) w.u8(infoSz).u8(elemSz).u16(0);
    return w.finish();
  }

  for (const order of ['little', 'big'] as const) {
    it(`skips a kind it does not know using the layout (${order}-endian)`, () => {
      const extra: [number, number][] = [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
        [4, 8],
      ]; // kinds 20..25; kind 25 has a 4-byte info and 8-byte elements
      const unknown = words(order, 1, info(25, 2), 77, 0xaabbccdd, 1, 2, 3, 4);
      const typedef = words(order, 1, TYPEDEF, 1);
      const types = new Uint8Array([...intType(order), ...unknown, ...typedef]);
      const spec = loadSpec(buildBtf({ order, types, layout: layout(order, extra) }));
      assert.equal(spec.typeCount, 3);
      assert.equal(spec.layout[25]?.elemSize, 8);
      const u = spec.typeByID(2);
      assert.ok(u instanceof UnknownType);
      assert.equal(u.btfKind, 25);
      assert.equal(u.sizeOrType, 77);
      assert.equal(u.data.byteLength, 4 + 2 * 8);
      const td = spec.typeByID(3);
      assert.ok(td instanceof Typedef && td.type instanceof Int);
    });
  }

  it('still rejects kinds the layout does not cover', () => {
    const types = new Uint8Array([...intType('little'), ...words('little', 0, info(27, 0), 0)]);
    assert.throws(
      () => loadSpec(buildBtf({ types, layout: layout('little', []) })),
      parseError(/unknown kind 27/, 32 + 16),
    );
  });

  it('rejects a misaligned layout section', () => {
    const types = intType('little');
    assert.throws(() => loadSpec(buildBtf({ types, layout: new Uint8Array(6) })), parseError(/misaligned/));
  });
});
