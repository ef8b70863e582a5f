/**
 * The symbol table fast path (bounds checked once, entries read straight from a DataView, names sliced
 * from the decoded string table) against a field-by-field reference reader that goes through
 * `ByteReader` for every field, on real files and on large synthetic tables of both byte orders; the
 * `ParseError`s of malformed entries late in a table (past the string table's first lookups); and the
 * cached `PT_LOAD` ranges behind `ElfFile.virtualAddressToFileOffset` against the plain segment walk.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ElfFile,
  type ElfSymbol,
  ET,
  PT,
  parseElf,
  SHN,
  SHT,
  STB,
  STT,
  sectionLabel,
  virtualAddressToFileOffset,
} from '../../src/elf/index.js';
import { ParseError } from '../../src/errors.js';
import { type ByteOrder, ByteReader, ByteWriter } from '../../src/internal/bytes.js';
import { buildElf, type SectionSpec, stringTable, symbolEntries } from './elf-builder.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The reference: every field through a bounds-checked `ByteReader` call, names through `cstringAt`. */
function referenceSymbols(elf: ElfFile, tableName: string): ElfSymbol[] {
  const section = elf.sectionByName(tableName);
  assert.ok(section, tableName);
  const linked = elf.sections[section.link];
  assert.ok(linked);
  const table = elf.sectionReader(section);
  const strings = new ByteReader(elf.sectionData(linked), elf.byteOrder, sectionLabel(linked), linked.offset);
  const shndxSection = elf.sections.find((s) => s.type === SHT.SYMTAB_SHNDX && s.link === section.index);
  const extended = shndxSection === undefined ? undefined : elf.sectionReader(shndxSection);
  const symbols: ElfSymbol[] = [];
  for (let index = 0; index < table.length / 24; index++) {
    const at = index * 24;
    const nameOffset = table.u32At(at);
    const info = table.u8At(at + 4);
    const other = table.u8At(at + 5);
    const raw = table.u16At(at + 6);
    const shndx = raw === SHN.XINDEX ? (extended?.u32At(index * 4) ?? Number.NaN) : raw;
    const special = raw !== SHN.XINDEX && (raw === SHN.UNDEF || raw >= SHN.LORESERVE);
    symbols.push({
      index,
      name: strings.cstringAt(nameOffset, 'string'),
      nameOffset,
      value: table.u64At(at + 8),
      size: table.u64At(at + 16),
      info,
      other,
      type: info & 0xf,
      binding: info >> 4,
      visibility: other & 3,
      shndx,
      sectionIndex: special ? undefined : shndx,
    });
  }
  return symbols;
}

/** mulberry32: a deterministic PRNG, uniform in [0, 2^32). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Symbol names of every kind the string table handles: ASCII, versioned, UTF-8 and long. */
function syntheticName(i: number): string {
  switch (i % 5) {
    case 0:
      return `_ZN2v88internal${i}Heap${'x'.repeat(i % 300)}Ev`;
    case 1:
      return `memcpy_${i}@@GLIBC_2.14`;
    case 2:
      return `caf\u00e9_${i}`;
    case 3:
      return `f${i}`;
    default:
      return '';
  }
}

interface SyntheticTable {
  bytes: Uint8Array;
  symtabOffset: number;
  strtabOffset: number;
  strtabSize: number;
  shndxOffset: number;
}

/**
 * An object with `count` symbols (plus the null one) in `.symtab`; every 7th lives in `.data` through
 * `SHN_XINDEX`. `patch` may rewrite entries before they are encoded; `strtabBytes` replaces the string table.
 */
function syntheticTable(
  order: ByteOrder,
  count: number,
  opts: {
    shndxEntries?: number;
    patch?: (index: number, name: number) => number;
    strtabBytes?: Uint8Array;
  } = {},
): SyntheticTable {
  const names = Array.from({ length: count }, (_, i) => syntheticName(i + 1));
  const strtab = stringTable(names);
  const next = prng(count);
  const symbols = [
    { name: 0, shndx: SHN.UNDEF },
    ...names.map((name, i) => {
      const index = i + 1;
      const offset = strtab.offsets.get(name) ?? 0;
      return {
        name: opts.patch ? opts.patch(index, offset) : offset,
        info: ((index % 3 === 0 ? STB.WEAK : STB.GLOBAL) << 4) | (index % 2 === 0 ? STT.FUNC : STT.OBJECT),
        other: index % 4,
        shndx: index % 7 === 0 ? SHN.XINDEX : index % 11 === 0 ? SHN.ABS : 1,
        value: (BigInt(next()) << 32n) | BigInt(next()),
        size: index % 13 === 0 ? 0xffff_ffff_ffff_ffffn : BigInt(next() % 4096),
      };
    }),
  ];
  const shndxCount = opts.shndxEntries ?? symbols.length;
  const shndx = new ByteWriter(order);
  for (let i = 0; i < shndxCount; i++) shndx.u32(i % 7 === 0 && i > 0 ? 2 : 0);
  const sections: SectionSpec[] = [
    { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(16), addralign: 8n },
    { name: '.data', type: SHT.PROGBITS, data: new Uint8Array(16), addralign: 8n },
    {
      name: '.symtab',
      type: SHT.SYMTAB,
      data: symbolEntries(order, symbols),
      link: 4,
      info: 1,
      entsize: 24,
      addralign: 8n,
    },
    { name: '.strtab', type: SHT.STRTAB, data: opts.strtabBytes ?? strtab.bytes },
    {
      name: '.symtab_shndx',
      type: SHT.SYMTAB_SHNDX,
      data: shndx.finish(),
      link: 3,
      entsize: 4,
      addralign: 4n,
    },
  ];
  const bytes = buildElf({ order, sections });
  const elf = parseElf(bytes);
  const offsetOf = (name: string) => elf.sectionByName(name)?.offset ?? Number.NaN;
  return {
    bytes,
    symtabOffset: offsetOf('.symtab'),
    strtabOffset: offsetOf('.strtab'),
    strtabSize: elf.sectionByName('.strtab')?.size ?? Number.NaN,
    shndxOffset: offsetOf('.symtab_shndx'),
  };
}

describe('symbol tables: fast path equals the field-by-field reference', () => {
  const FILES = [
    { path: '/bin/bash', tables: ['.dynsym'] },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', tables: ['.dynsym'] },
    { path: `${root}bpf/test/elf_basic.bpf.o`, tables: ['.symtab'] },
    { path: `${root}bpf/test/elf_basic.bpfeb.o`, tables: ['.symtab'] },
    { path: `${root}test/elf/fixtures/tiny-x86_64`, tables: ['.symtab', '.dynsym'] },
  ];
  for (const f of FILES) {
    it(`${f.path}: ${f.tables.join(', ')}`, () => {
      const elf = parseElf(readFileSync(f.path));
      for (const name of f.tables) {
        const section = elf.sectionByName(name);
        assert.ok(section, name);
        const got = elf.symbolsOf(section);
        assert.ok(got.length > 0, name);
        assert.deepEqual(got, referenceSymbols(elf, name), name);
      }
    });
  }

  for (const order of ['little', 'big'] as const) {
    it(`a synthetic ${order}-endian table of 3000 symbols (SHN_XINDEX, UTF-8 and long names, u64 extremes)`, () => {
      const elf = parseElf(syntheticTable(order, 3000).bytes);
      const got = elf.symbols();
      assert.equal(got.length, 3001);
      assert.deepEqual(got, referenceSymbols(elf, '.symtab'));
      assert.equal(got[7]?.shndx, 2);
      assert.equal(got[2]?.name, 'caf\u00e9_2');
      assert.equal(got[13]?.size, 0xffff_ffff_ffff_ffffn);
      assert.equal(elf.symbols(), got, 'the table is decoded once and cached');
    });
  }
});

describe('symbol tables: malformed entries late in the table', () => {
  const COUNT = 200;
  const LATE = 190;
  interface Case {
    name: string;
    build: (order: ByteOrder) => { table: SyntheticTable; offset: (t: SyntheticTable) => number };
    section: string;
    message: RegExp;
  }
  const CASES: Case[] = [
    {
      name: 'a name offset past the string table',
      build: (order) => ({
        table: syntheticTable(order, COUNT, { patch: (i, name) => (i === LATE ? 0x7fff_0000 : name) }),
        offset: (t) => t.strtabOffset + 0x7fff_0000,
      }),
      section: '.strtab',
      message: /out of bounds/,
    },
    {
      name: 'a name offset just past the last byte of the string table',
      build: (order) => {
        const probe = syntheticTable(order, COUNT);
        const table = syntheticTable(order, COUNT, {
          patch: (i, name) => (i === LATE ? probe.strtabSize + 1 : name),
        });
        return { table, offset: (t) => t.strtabOffset + t.strtabSize + 1 };
      },
      section: '.strtab',
      message: /out of bounds/,
    },
    {
      name: 'a last name without its NUL terminator',
      build: (order) => {
        const probe = syntheticTable(order, COUNT);
        const strings = parseElf(probe.bytes).sectionData(parseElf(probe.bytes).sectionByName('.strtab')!);
        const cut = strings.slice(0, strings.byteLength - 1);
        const lastStart = cut.lastIndexOf(0) + 1;
        const table = syntheticTable(order, COUNT, {
          strtabBytes: cut,
          patch: (i, name) => (i === LATE ? lastStart : name),
        });
        return { table, offset: (t) => t.strtabOffset + lastStart };
      },
      section: '.strtab',
      message: /not NUL-terminated/,
    },
    {
      name: 'an SHN_XINDEX symbol beyond the end of SHT_SYMTAB_SHNDX',
      build: (order) => ({
        table: syntheticTable(order, COUNT, { shndxEntries: LATE - 2 }),
        offset: (t) => t.shndxOffset + 4 * (LATE - (LATE % 7)),
      }),
      section: '.symtab_shndx',
      message: /out of bounds/,
    },
  ];
  for (const order of ['little', 'big'] as const) {
    for (const c of CASES) {
      it(`${c.name} (${order} endian)`, () => {
        const { table, offset } = c.build(order);
        assert.throws(
          () => parseElf(table.bytes).symbols(),
          (e: unknown) => {
            assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
            assert.equal(e.section, c.section);
            assert.match(e.message, c.message);
            assert.equal(e.offset, offset(table));
            return true;
          },
        );
      });
    }
  }

  it('an SHN_XINDEX symbol late in a table without SHT_SYMTAB_SHNDX (error at its st_shndx)', () => {
    const names = Array.from({ length: 100 }, (_, i) => `sym${i}`);
    const strtab = stringTable(names);
    const symbols = names.map((n, i) => ({
      name: strtab.offsets.get(n) ?? 0,
      shndx: i === 90 ? SHN.XINDEX : 1,
    }));
    const bytes = buildElf({
      order: 'little',
      sections: [
        { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(8) },
        { name: '.symtab', type: SHT.SYMTAB, data: symbolEntries('little', symbols), link: 3, entsize: 24 },
        { name: '.strtab', type: SHT.STRTAB, data: strtab.bytes },
      ],
    });
    const elf = parseElf(bytes);
    const symtab = elf.sectionByName('.symtab');
    assert.ok(symtab);
    assert.throws(
      () => elf.symbols(),
      (e: unknown) =>
        e instanceof ParseError &&
        e.section === '.symtab' &&
        e.offset === symtab.offset + 90 * 24 + 6 &&
        /symbol 90 uses SHN_XINDEX/.test(e.message),
    );
  });
});

describe('virtual address to file offset: cached load ranges', () => {
  /** Addresses at, just inside and just outside every segment edge, plus random ones. */
  function probeAddresses(elf: ElfFile, seed: number): bigint[] {
    const next = prng(seed);
    const out = [0n, 1n, 0xffff_ffff_ffff_ffffn];
    for (const ph of elf.programHeaders) {
      for (const edge of [ph.vaddr, ph.vaddr + BigInt(ph.filesz), ph.vaddr + ph.memsz]) {
        for (const d of [-1n, 0n, 1n]) if (edge + d >= 0n) out.push(edge + d);
      }
      for (let i = 0; i < 50; i++) out.push(ph.vaddr + BigInt(next() % (2 * ph.filesz + 16)));
    }
    return out;
  }

  const FILES = ['/bin/bash', '/lib/x86_64-linux-gnu/libc.so.6', `${root}test/elf/fixtures/tiny-x86_64`];
  for (const path of FILES) {
    it(path, () => {
      const elf = parseElf(readFileSync(path));
      assert.ok(elf.programHeaders.some((p) => p.type === PT.LOAD));
      let mapped = 0;
      for (const addr of probeAddresses(elf, 7)) {
        const want = virtualAddressToFileOffset(elf.programHeaders, addr);
        assert.equal(elf.virtualAddressToFileOffset(addr), want, `0x${addr.toString(16)}`);
        if (want !== undefined) mapped++;
      }
      assert.ok(mapped > 50, `${mapped} mapped addresses`);
    });
  }

  it('overlapping segments and one ending past 2^64 (first PT_LOAD in table order wins)', () => {
    const bytes = buildElf({
      order: 'big',
      type: ET.EXEC,
      sections: [
        { name: '.a', type: SHT.PROGBITS, data: new Uint8Array(64) },
        { name: '.b', type: SHT.PROGBITS, data: new Uint8Array(64) },
      ],
      segments: [
        { type: PT.NOTE, section: '.a', vaddr: 0x1000n },
        { type: PT.LOAD, section: '.a', vaddr: 0x1000n },
        { type: PT.LOAD, section: '.b', vaddr: 0x1020n },
        { type: PT.LOAD, section: '.b', vaddr: 0xffff_ffff_ffff_ffe0n },
      ],
    });
    const elf = parseElf(bytes);
    const a = elf.sectionByName('.a')?.offset ?? Number.NaN;
    const b = elf.sectionByName('.b')?.offset ?? Number.NaN;
    const CASES: [bigint, number | undefined][] = [
      [0xfffn, undefined],
      [0x1000n, a],
      [0x1030n, a + 0x30],
      [0x1040n, b + 0x20],
      [0x105fn, b + 0x3f],
      [0x1060n, undefined],
      [0xffff_ffff_ffff_ffe0n, b],
      [0xffff_ffff_ffff_ffffn, b + 0x1f],
    ];
    for (const [addr, want] of CASES) {
      assert.equal(elf.virtualAddressToFileOffset(addr), want, `0x${addr.toString(16)}`);
      assert.equal(virtualAddressToFileOffset(elf.programHeaders, addr), want, `0x${addr.toString(16)}`);
    }
  });
});
