/**
 * Compares the ELF reader with GNU readelf on real files of both byte orders: BPF objects (LE and BE),
 * /bin/bash, libc and a small PIE fixture. readelf runs once per file and its text output is parsed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ElfFile, EM, ET, PT, parseElf, SHN, SHT, STT } from '../../src/elf/index.js';
import { type ReadelfReport, readelf } from './readelf-output.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

interface OracleCase {
  label: string;
  path: string;
  bigEndian: boolean;
  type: number;
  machine: number;
  machineName: string;
  /** Whether the file has these, so a parser returning nothing cannot pass by accident. */
  hasSymtab: boolean;
  hasSegments: boolean;
}

const CASES: OracleCase[] = [
  {
    label: 'BPF object, little endian',
    path: `${repo}bpf/test/elf_basic.bpf.o`,
    bigEndian: false,
    type: ET.REL,
    machine: EM.BPF,
    machineName: 'Linux BPF',
    hasSymtab: true,
    hasSegments: false,
  },
  {
    label: 'BPF object, big endian',
    path: `${repo}bpf/test/elf_basic.bpfeb.o`,
    bigEndian: true,
    type: ET.REL,
    machine: EM.BPF,
    machineName: 'Linux BPF',
    hasSymtab: true,
    hasSegments: false,
  },
  {
    label: '/bin/bash',
    path: '/bin/bash',
    bigEndian: false,
    type: ET.DYN,
    machine: EM.X86_64,
    machineName: 'Advanced Micro Devices X86-64',
    hasSymtab: false,
    hasSegments: true,
  },
  {
    label: 'libc.so.6',
    path: '/lib/x86_64-linux-gnu/libc.so.6',
    bigEndian: false,
    type: ET.DYN,
    machine: EM.X86_64,
    machineName: 'Advanced Micro Devices X86-64',
    hasSymtab: false,
    hasSegments: true,
  },
  {
    label: 'tiny PIE fixture',
    path: `${repo}test/elf/fixtures/tiny-x86_64`,
    bigEndian: false,
    type: ET.DYN,
    machine: EM.X86_64,
    machineName: 'Advanced Micro Devices X86-64',
    hasSymtab: true,
    hasSegments: true,
  },
];

const SPECIAL_NDX: Record<string, number> = { UND: SHN.UNDEF, ABS: SHN.ABS, COM: SHN.COMMON };

function load(c: OracleCase): { elf: ElfFile; oracle: ReadelfReport } {
  return { elf: parseElf(readFileSync(c.path)), oracle: readelf(c.path) };
}

function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

for (const c of CASES) {
  describe(`readelf oracle: ${c.label}`, () => {
    const { elf, oracle } = load(c);

    it('header: byte order, type, machine, entry', () => {
      assert.equal(elf.byteOrder, c.bigEndian ? 'big' : 'little');
      assert.equal(oracle.bigEndian, c.bigEndian);
      assert.equal(elf.header.type, c.type);
      assert.equal(elf.header.machine, c.machine);
      assert.equal(oracle.machine, c.machineName);
      assert.equal(elf.header.entry, oracle.entry);
    });

    it('sections: names, types, addresses, offsets, sizes, links', () => {
      assert.ok(oracle.sections.length > 10);
      assert.equal(elf.sections.length, oracle.sections.length);
      for (const want of oracle.sections) {
        const got = elf.sections[want.index];
        assert.ok(got, `section ${want.index}`);
        const pick = {
          name: got.name,
          type: got.type,
          addr: got.addr,
          offset: got.offset,
          size: got.size,
          entsize: got.entsize,
          link: got.link,
          info: got.info,
          align: got.addralign,
        };
        assert.deepEqual(pick, omitIndex(want), `section ${want.index}`);
        assert.equal(elf.sectionByName(want.name)?.name, want.name);
        if (got.type !== SHT.NOBITS && got.type !== SHT.NULL) {
          const data = elf.sectionData(got);
          assert.equal(data.byteLength, want.size);
          assert.equal(data.buffer, elf.bytes.buffer, 'section data is a view, not a copy');
        } else {
          assert.equal(elf.sectionData(got).byteLength, 0);
        }
      }
    });

    it('symbols: names, values, sizes, types, bindings, visibility, section indices', () => {
      assert.equal(oracle.symbolTables.has('.symtab'), c.hasSymtab);
      assert.equal(elf.symbols().length > 0, c.hasSymtab);
      assert.ok(oracle.symbolTables.size > 0);
      for (const [table, wanted] of oracle.symbolTables) {
        const section = elf.sectionByName(table);
        assert.ok(section, table);
        const got = elf.symbolsOf(section);
        assert.equal(got.length, wanted.length, table);
        for (const want of wanted) {
          const sym = got[want.index];
          assert.ok(sym);
          const where = `${table}[${want.index}]`;
          assert.equal(sym.value, want.value, where);
          assert.equal(sym.size, want.size, where);
          assert.equal(sym.type, want.type, where);
          assert.equal(sym.binding, want.binding, where);
          assert.equal(sym.visibility, want.visibility, where);
          assert.equal(sym.shndx, SPECIAL_NDX[want.ndx] ?? Number(want.ndx), where);
          if (sym.type === STT.SECTION && sym.name === '') {
            assert.equal(elf.sectionOfSymbol(sym)?.name, want.name, where);
          } else {
            assert.ok(
              want.name === sym.name || want.name.startsWith(`${sym.name}@`),
              `${where}: ${want.name}`,
            );
          }
        }
      }
    });

    it('relocations: offsets, types, symbols, addends and target sections', () => {
      assert.ok(oracle.relocations.size > 0);
      const relSections = elf.relocationSections();
      assert.deepEqual(
        relSections.map((r) => r.section.name),
        [...oracle.relocations.keys()],
        'one relocation section per readelf group, in order',
      );
      for (const rs of relSections) {
        const want = oracle.relocations.get(rs.section.name) ?? [];
        const header = oracle.sections[rs.section.index];
        assert.equal(rs.target?.index ?? 0, header?.info);
        assert.equal(rs.symbolTable?.index ?? 0, header?.link);
        assert.equal(rs.hasAddends, rs.section.type === SHT.RELA);
        const got = elf.relocations(rs.section);
        assert.equal(got.length, want.length, rs.section.name);
        got.forEach((r, i) => {
          const w = want[i];
          assert.ok(w);
          assert.equal(r.offset, w.offset);
          assert.equal(r.type, w.type);
          assert.equal(r.symbolIndex, w.symbolIndex);
          if (w.addend !== undefined) assert.equal(r.addend, w.addend, `${rs.section.name}[${i}]`);
          else assert.equal(r.addend, 0n);
        });
      }
    });

    it('program headers and notes', () => {
      assert.equal(elf.programHeaders.length > 0, c.hasSegments);
      assert.deepEqual(
        elf.programHeaders.map(({ index: _index, ...rest }) => rest),
        oracle.segments,
      );
      const notes = elf.notes();
      assert.equal(notes.length, oracle.notes.length);
      notes.forEach((n, i) => {
        const w = oracle.notes[i];
        assert.ok(w);
        assert.equal(n.name, w.owner);
        assert.equal(n.type, w.type);
        assert.equal(n.desc.byteLength, w.descSize);
        if (w.buildId !== undefined) assert.equal(hexOf(n.desc), w.buildId);
      });
      const fromSegments = elf.programHeaders
        .filter((p) => p.type === PT.NOTE)
        .flatMap((p) => elf.segmentNotes(p));
      assert.deepEqual(fromSegments, notes, 'PT_NOTE segments hold the same notes as the SHT_NOTE sections');
    });
  });
}

function omitIndex<T extends { index: number }>(value: T): Omit<T, 'index'> {
  const { index: _index, ...rest } = value;
  return rest;
}

describe('readelf oracle: virtual address to file offset', () => {
  it('maps every defined function of bash and libc like the section headers do', () => {
    for (const path of ['/bin/bash', '/lib/x86_64-linux-gnu/libc.so.6']) {
      const elf = parseElf(readFileSync(path));
      let checked = 0;
      for (const sym of elf.dynamicSymbols()) {
        const section = elf.sectionOfSymbol(sym);
        if (sym.type !== STT.FUNC || section === undefined || section.type !== SHT.PROGBITS) continue;
        const expected = Number(sym.value - section.addr) + section.offset;
        assert.equal(elf.virtualAddressToFileOffset(sym.value), expected, `${path}: ${sym.name}`);
        checked++;
      }
      assert.ok(checked > 100, `${path}: ${checked} functions`);
      const bss = elf.sectionByName('.bss');
      assert.ok(bss);
      assert.equal(elf.virtualAddressToFileOffset(bss.addr + BigInt(bss.size) - 1n), undefined);
      assert.equal(elf.virtualAddressToFileOffset(0xffff_ffff_ffff_0000n), undefined);
    }
  });
});
