/**
 * Extended numbering: `e_shnum = 0` / `e_shstrndx = SHN_XINDEX` (counts in section 0), `PN_XNUM`, and
 * symbols whose `st_shndx` is `SHN_XINDEX` resolved through `SHT_SYMTAB_SHNDX`. Checked against readelf.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PT, parseElf, SHN, SHT, STB, STT } from '../../src/elf/index.js';
import { isParseError } from '../../src/errors.js';
import { ByteWriter } from '../../src/internal/bytes.js';
import { buildElf, type SectionSpec, stringTable, symbolEntries } from './elf-builder.js';
import { readelfBytes } from './synthetic-readelf.js';

const SYMBOL_NAMES = ['in_text', 'far_away', 'absolute'];

/**
 * An object with `fillers` empty sections after `.text`, then `.data`, `.symtab`, `.strtab` and
 * `.symtab_shndx`; `far_away` lives in `.data` through SHN_XINDEX.
 */
function xindexObject(fillers: number, withShndxTable = true): Uint8Array {
  const strtab = stringTable(SYMBOL_NAMES);
  const dataIndex = 2 + fillers;
  const symtabIndex = dataIndex + 1;
  const symbols = symbolEntries('little', [
    { name: 0, shndx: 0 },
    { name: strtab.offsets.get('in_text') ?? 0, info: (STB.GLOBAL << 4) | STT.FUNC, shndx: 1, size: 8n },
    {
      name: strtab.offsets.get('far_away') ?? 0,
      info: (STB.GLOBAL << 4) | STT.OBJECT,
      shndx: SHN.XINDEX,
      size: 4n,
    },
    { name: strtab.offsets.get('absolute') ?? 0, info: STB.GLOBAL << 4, shndx: SHN.ABS, value: 0x1234n },
  ]);
  const shndx = new ByteWriter('little').u32(0).u32(0).u32(dataIndex).u32(0).finish();
  const sections: SectionSpec[] = [
    { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(8), addralign: 8n, flags: 6n },
    ...Array.from({ length: fillers }, (): SectionSpec => ({ name: '.filler', type: SHT.PROGBITS })),
    { name: '.data', type: SHT.PROGBITS, data: new Uint8Array(4), addralign: 4n, flags: 3n },
    {
      name: '.symtab',
      type: SHT.SYMTAB,
      data: symbols,
      link: symtabIndex + 1,
      info: 1,
      entsize: 24,
      addralign: 8n,
    },
    { name: '.strtab', type: SHT.STRTAB, data: strtab.bytes },
  ];
  if (withShndxTable) {
    sections.push({
      name: '.symtab_shndx',
      type: SHT.SYMTAB_SHNDX,
      data: shndx,
      link: symtabIndex,
      entsize: 4,
    });
  }
  return buildElf({ order: 'little', sections, extendedSections: true });
}

describe('extended section numbering', () => {
  it('reads the section count and name table index from section 0', () => {
    const bytes = xindexObject(3);
    const elf = parseElf(bytes);
    assert.equal(elf.header.shnum, 0);
    assert.equal(elf.header.shstrndx, SHN.XINDEX);
    assert.equal(elf.sections.length, 10);
    assert.equal(elf.sectionNameTableIndex, 9);
    assert.equal(elf.sections[9]?.name, '.shstrtab');
    assert.deepEqual(
      elf.sections.map((s) => s.name),
      readelfBytes(bytes).sections.map((s) => s.name),
    );
  });

  it('resolves SHN_XINDEX symbols through SHT_SYMTAB_SHNDX (small file)', () => {
    const elf = parseElf(xindexObject(3));
    const [, inText, far, abs] = elf.symbols();
    assert.equal(inText?.shndx, 1);
    assert.equal(inText?.sectionIndex, 1);
    assert.equal(far?.shndx, 5);
    assert.equal(elf.sectionOfSymbol(far!)?.name, '.data');
    assert.equal(abs?.shndx, SHN.ABS);
    assert.equal(abs?.sectionIndex, undefined);
    assert.equal(abs?.value, 0x1234n);
  });

  it('handles more than 65280 sections, agreeing with readelf', () => {
    const fillers = 0xff00 + 100;
    const bytes = xindexObject(fillers);
    const elf = parseElf(bytes);
    const oracle = readelfBytes(bytes);
    assert.equal(elf.sections.length, fillers + 7);
    assert.equal(elf.sections.length, oracle.sections.length);
    const data = elf.sectionByName('.data');
    assert.equal(data?.index, fillers + 2);
    const far = elf.symbols().find((s) => s.name === 'far_away');
    assert.equal(far?.shndx, fillers + 2);
    assert.equal(far?.sectionIndex, data?.index);
    const oracleFar = oracle.symbolTables.get('.symtab')?.find((s) => s.name === 'far_away');
    assert.equal(oracleFar?.ndx, String(fillers + 2));
    assert.equal(elf.sectionByName('.symtab_shndx')?.type, SHT.SYMTAB_SHNDX);
    assert.equal(oracle.sections.at(-2)?.type, SHT.SYMTAB_SHNDX);
  });

  it('rejects an SHN_XINDEX symbol without an extended index table', () => {
    const elf = parseElf(xindexObject(1, false));
    assert.throws(
      () => elf.symbols(),
      (e: unknown) => isParseError(e) && e.section === '.symtab' && /SHN_XINDEX/.test(e.message),
    );
  });

  it('rejects an extended index table shorter than the symbol table', () => {
    const bytes = xindexObject(1);
    const elf = parseElf(bytes);
    const shndx = elf.sectionByName('.symtab_shndx');
    assert.ok(shndx);
    // Shrink sh_size of .symtab_shndx to one entry.
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(shndx.headerOffset + 32, 4n, true);
    assert.throws(
      () => parseElf(bytes).symbols(),
      (e: unknown) => isParseError(e) && e.section === '.symtab_shndx',
    );
  });

  it('reads the program header count from section 0 when e_phnum is PN_XNUM', () => {
    const bytes = buildElf({
      order: 'big',
      sections: [{ name: '.text', type: SHT.PROGBITS, data: new Uint8Array(16), addralign: 8n }],
      segments: [
        { type: PT.LOAD, section: '.text', vaddr: 0x1000n },
        { type: PT.LOAD, section: '.text', vaddr: 0x2000n },
      ],
      extendedSegments: true,
    });
    const elf = parseElf(bytes);
    assert.equal(elf.header.phnum, 0xffff);
    assert.deepEqual(
      elf.programHeaders.map((p) => p.vaddr),
      [0x1000n, 0x2000n],
    );
  });
});
