/**
 * Edge cases of well-formed files: note alignment, SHT_NOBITS, both byte orders, relocation decoding,
 * segment-only notes, address translation and zero-copy views into offset buffers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EM, ET, NT_GNU, PF, PT, parseElf, SHF, SHT } from '../../src/elf/index.js';
import { isParseError } from '../../src/errors.js';
import { buildElf, noteEntries, relocationEntries } from './elf-builder.js';
import { readelfBytes } from './synthetic-readelf.js';

const bpfDir = fileURLToPath(new URL('../../bpf/test/', import.meta.url));

const buildId = (seed: number) => Uint8Array.from({ length: 20 }, (_, i) => (seed * 31 + i) & 0xff);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

describe('notes', () => {
  const ALIGNMENTS = [
    { align: 4 as const, secondAt: 36 },
    { align: 8 as const, secondAt: 40 },
  ];
  for (const { align, secondAt } of ALIGNMENTS) {
    it(`pads descriptors to ${align} bytes in a section aligned to ${align} (agrees with readelf)`, () => {
      const notes = [
        { name: 'GNU', type: NT_GNU.BUILD_ID, desc: buildId(1) },
        { name: 'GNU', type: NT_GNU.BUILD_ID, desc: buildId(2) },
      ];
      const bytes = buildElf({
        order: 'little',
        sections: [
          {
            name: '.note.test',
            type: SHT.NOTE,
            data: noteEntries('little', notes, align),
            addralign: BigInt(align),
          },
        ],
      });
      const elf = parseElf(bytes);
      const section = elf.sectionByName('.note.test');
      assert.ok(section);
      const got = elf.notes();
      assert.deepEqual(
        got.map((n) => [n.name, n.type, hex(n.desc), n.offset - section.offset]),
        [
          ['GNU', NT_GNU.BUILD_ID, hex(buildId(1)), 0],
          ['GNU', NT_GNU.BUILD_ID, hex(buildId(2)), secondAt],
        ],
      );
      assert.deepEqual(
        readelfBytes(bytes).notes.map((n) => n.buildId),
        got.map((n) => hex(n.desc)),
      );
    });
  }

  it('pads odd-length names (big endian, 4-byte alignment)', () => {
    const notes = [
      { name: 'Linux', type: 0x100, desc: new Uint8Array([1, 2, 3]) },
      { name: 'stapsdt', type: 3, desc: new Uint8Array([9]) },
    ];
    const elf = parseElf(
      buildElf({
        order: 'big',
        sections: [{ name: '.note', type: SHT.NOTE, data: noteEntries('big', notes, 4), addralign: 4n }],
      }),
    );
    assert.deepEqual(
      elf.notes().map((n) => [n.name, n.type, [...n.desc]]),
      [
        ['Linux', 0x100, [1, 2, 3]],
        ['stapsdt', 3, [9]],
      ],
    );
  });

  it('falls back to PT_NOTE segments (with their alignment) when there are no section headers', () => {
    const notes = [
      { name: 'GNU', type: NT_GNU.BUILD_ID, desc: buildId(3) },
      { name: 'GNU', type: NT_GNU.BUILD_ID, desc: buildId(4) },
    ];
    const elf = parseElf(
      buildElf({
        order: 'little',
        type: ET.CORE,
        sections: [{ name: '.note', type: SHT.NOTE, data: noteEntries('little', notes, 8), addralign: 8n }],
        segments: [{ type: PT.NOTE, section: '.note', align: 8n }],
        omitSectionHeaders: true,
      }),
    );
    assert.equal(elf.sections.length, 0);
    assert.deepEqual(
      elf.notes().map((n) => hex(n.desc)),
      [hex(buildId(3)), hex(buildId(4))],
    );
  });

  it('tolerates a missing final padding but rejects a truncated note', () => {
    const full = noteEntries('little', [{ name: 'GNU', type: 1, desc: new Uint8Array([7, 7]) }], 4);
    const unpadded = full.subarray(0, full.byteLength - 2);
    const ok = parseElf(
      buildElf({
        order: 'little',
        sections: [{ name: '.note', type: SHT.NOTE, data: unpadded, addralign: 4n }],
      }),
    );
    assert.deepEqual([...(ok.notes()[0]?.desc ?? [])], [7, 7]);
    const truncated = full.subarray(0, full.byteLength - 3);
    const bad = parseElf(
      buildElf({
        order: 'little',
        sections: [{ name: '.note', type: SHT.NOTE, data: truncated, addralign: 4n }],
      }),
    );
    assert.throws(
      () => bad.notes(),
      (e: unknown) => isParseError(e) && e.section === '.note' && /descriptor/.test(e.message),
    );
  });
});

describe('SHT_NOBITS', () => {
  it('has no file data even when its size exceeds the file', () => {
    const elf = parseElf(
      buildElf({
        order: 'little',
        sections: [
          {
            name: '.data',
            type: SHT.PROGBITS,
            data: new Uint8Array([1, 2, 3, 4]),
            flags: SHF.WRITE | SHF.ALLOC,
          },
          { name: '.bss', type: SHT.NOBITS, size: 1 << 30, flags: SHF.WRITE | SHF.ALLOC, addralign: 8n },
        ],
      }),
    );
    const bss = elf.sectionByName('.bss');
    assert.ok(bss);
    assert.equal(bss.size, 1 << 30);
    assert.equal(elf.sectionData(bss).byteLength, 0);
    assert.equal(elf.sectionData(elf.sections[0]!).byteLength, 0);
    assert.deepEqual([...elf.sectionData(elf.sectionByName('.data')!)], [1, 2, 3, 4]);
    assert.throws(() => elf.sectionReader(bss), isParseError);
    assert.throws(() => elf.stringTable(bss).at(0), isParseError);
    assert.equal((elf.sectionByName('.data')!.flags & SHF.ALLOC) !== 0n, true);
  });
});

describe('byte order', () => {
  it('decodes a big-endian header field by field', () => {
    const bytes = buildElf({ order: 'big', type: ET.EXEC, machine: EM.BPF, sections: [] });
    const elf = parseElf(bytes);
    assert.equal(elf.byteOrder, 'big');
    assert.equal(elf.header.type, ET.EXEC);
    assert.equal(elf.header.machine, EM.BPF);
    assert.equal(elf.header.version, 1);
    assert.equal(elf.header.ehsize, 64);
    assert.equal(elf.header.shentsize, 64);
    assert.deepEqual(
      elf.sections.map((s) => s.name),
      ['', '.shstrtab'],
    );
    assert.equal(bytes[16], 0, 'e_type high byte first');
    assert.equal(bytes[17], ET.EXEC);
  });

  it('gives the same model for the LE and BE builds of one BPF object', () => {
    const le = parseElf(readFileSync(`${bpfDir}elf_basic.bpf.o`));
    const be = parseElf(readFileSync(`${bpfDir}elf_basic.bpfeb.o`));
    assert.equal(le.byteOrder, 'little');
    assert.equal(be.byteOrder, 'big');
    assert.deepEqual(be.sections, le.sections);
    assert.deepEqual(be.symbols(), le.symbols());
    const relocs = (f: typeof le) =>
      f.relocationSections().map((r) => [r.target?.name, f.relocations(r.section)]);
    assert.deepEqual(relocs(be), relocs(le));
    const text = (f: typeof le) => f.sectionData(f.sectionByName('.text')!);
    assert.notDeepEqual(text(be), text(le), 'instruction bytes differ by byte order');
  });
});

describe('relocations', () => {
  it('decodes REL and RELA entries, negative addends and high symbol indices', () => {
    const rela = relocationEntries(
      'big',
      [
        { offset: 0x10n, symbol: 0x12345, type: 7, addend: -8n },
        { offset: 0xffff_ffff_ffff_fff0n, symbol: 0, type: 0xffffffff, addend: 0x7fff_ffff_ffff_ffffn },
      ],
      true,
    );
    const rel = relocationEntries('big', [{ offset: 0x20n, symbol: 2, type: 10 }], false);
    const elf = parseElf(
      buildElf({
        order: 'big',
        sections: [
          { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(48) },
          { name: '.rela.text', type: SHT.RELA, data: rela, info: 1, entsize: 24, flags: SHF.INFO_LINK },
          { name: '.rel.text', type: SHT.REL, data: rel, info: 1, entsize: 16 },
        ],
      }),
    );
    const [withAddends, without] = elf.relocationSections();
    assert.equal(withAddends?.target?.name, '.text');
    assert.equal(withAddends?.hasAddends, true);
    assert.equal(without?.hasAddends, false);
    assert.equal(without?.symbolTable, undefined);
    assert.deepEqual(
      elf.relocations(withAddends!.section).map((r) => [r.offset, r.symbolIndex, r.type, r.addend]),
      [
        [0x10n, 0x12345, 7, -8n],
        [0xffff_ffff_ffff_fff0n, 0, 0xffffffff, 0x7fff_ffff_ffff_ffffn],
      ],
    );
    assert.deepEqual(
      elf.relocations(without!.section).map((r) => [r.offset, r.symbolIndex, r.type, r.addend]),
      [[0x20n, 2, 10, 0n]],
    );
    assert.equal(elf.relocations(without!.section), elf.relocations(without!.section), 'cached');
  });
});

describe('addresses and views', () => {
  it('maps virtual addresses through PT_LOAD only within the file-backed part', () => {
    const elf = parseElf(
      buildElf({
        order: 'little',
        type: ET.EXEC,
        machine: EM.X86_64,
        sections: [
          { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(32), addralign: 16n },
          { name: '.data', type: SHT.PROGBITS, data: new Uint8Array(16), addralign: 8n },
        ],
        segments: [
          { type: PT.LOAD, section: '.text', vaddr: 0x401000n, flags: PF.R | PF.X },
          { type: PT.LOAD, section: '.data', vaddr: 0x402000n, memsz: 0x1000n, flags: PF.R | PF.W },
          { type: PT.NOTE, section: '.data', vaddr: 0x500000n },
        ],
      }),
    );
    const text = elf.sectionByName('.text')!;
    const data = elf.sectionByName('.data')!;
    assert.equal(elf.virtualAddressToFileOffset(0x401000n), text.offset);
    assert.equal(elf.virtualAddressToFileOffset(0x40101fn), text.offset + 31);
    assert.equal(elf.virtualAddressToFileOffset(0x401020n), undefined);
    assert.equal(elf.virtualAddressToFileOffset(0x402008n), data.offset + 8);
    assert.equal(elf.virtualAddressToFileOffset(0x402010n), undefined, 'zero-filled tail');
    assert.equal(elf.virtualAddressToFileOffset(0x500000n), undefined, 'PT_NOTE is not a load segment');
    assert.equal(elf.segmentData(elf.programHeaders[0]!).byteLength, 32);
  });

  it('reads from a view that does not start at offset 0 of its buffer', () => {
    const file = readFileSync(`${bpfDir}elf_basic.bpfeb.o`);
    const padded = new Uint8Array(file.byteLength + 13);
    padded.set(file, 13);
    const view = padded.subarray(13);
    const elf = parseElf(view);
    const reference = parseElf(new Uint8Array(file));
    assert.deepEqual(elf.symbols(), reference.symbols());
    const text = elf.sectionData(elf.sectionByName('.text')!);
    assert.equal(text.buffer, padded.buffer);
    assert.equal(text.byteOffset, 13 + elf.sectionByName('.text')!.offset);
  });

  it('finds the first of several sections with the same name', () => {
    const elf = parseElf(
      buildElf({
        order: 'little',
        sections: [
          { name: '.text', type: SHT.PROGBITS, data: new Uint8Array([1]) },
          { name: '.text', type: SHT.PROGBITS, data: new Uint8Array([2]) },
        ],
      }),
    );
    assert.equal(elf.sectionByName('.text')?.index, 1);
    assert.equal(elf.sectionsByType(SHT.PROGBITS).length, 2);
    assert.equal(elf.sectionByName('.nope'), undefined);
    assert.equal(elf.section(99), undefined);
  });
});
