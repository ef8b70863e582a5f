/**
 * The ELF64 section header table (`Elf64_Shdr`), including extended numbering: when `e_shnum` is 0 the
 * count lives in section 0's `sh_size`, and when `e_shstrndx` is `SHN_XINDEX` the name table index lives in
 * section 0's `sh_link`.
 */
import { ByteReader } from '../internal/bytes.js';
import { ELF64_SIZES, SHN, SHT } from './constants.js';
import type { ElfHeader } from './header.js';
import { StringTable } from './string-table.js';

/**
 * One section header with its name resolved. `offset`, `size` and `entsize` index the file and are numbers
 * (checked to be safe integers); addresses, flags and alignment are u64 and stay bigints.
 */
export interface ElfSection {
  /** Position in the section header table. */
  readonly index: number;
  /** Name from the section name string table (`''` when the file has none). */
  readonly name: string;
  /** `sh_name`: offset of the name in the section name string table. */
  readonly nameOffset: number;
  /** `sh_type`: `SHT.PROGBITS`, `SHT.SYMTAB`, ... */
  readonly type: number;
  /** `sh_flags`: `SHF.*` bits. */
  readonly flags: bigint;
  /** `sh_addr`: virtual address when loaded (0 in relocatable objects). */
  readonly addr: bigint;
  /** `sh_offset`: file offset of the data. */
  readonly offset: number;
  /** `sh_size`: size of the data in the file (or in memory for `SHT.NOBITS`). */
  readonly size: number;
  /** `sh_link`: a related section index (meaning depends on the type). */
  readonly link: number;
  /** `sh_info`: extra information (for relocations: the section they apply to). */
  readonly info: number;
  /** `sh_addralign`: required alignment. */
  readonly addralign: bigint;
  /** `sh_entsize`: size of one entry for table sections, else 0. */
  readonly entsize: number;
  /** File offset of this section's header entry (for error messages). */
  readonly headerOffset: number;
}

/** The section header table plus the resolved index of the section name string table (0 if none). */
export interface SectionHeaderTable {
  readonly sections: readonly ElfSection[];
  readonly nameTableIndex: number;
}

/** A label for errors about `section`: its name, or `section N` when it has none. */
export function sectionLabel(section: ElfSection): string {
  return section.name === '' ? `section ${section.index}` : section.name;
}

type RawSection = Omit<ElfSection, 'name'>;

function readRawSection(r: ByteReader, index: number, at: number): RawSection {
  return {
    index,
    nameOffset: r.u32At(at),
    type: r.u32At(at + 4),
    flags: r.u64At(at + 8),
    addr: r.u64At(at + 16),
    offset: r.u64NumAt(at + 24, 'sh_offset'),
    size: r.u64NumAt(at + 32, 'sh_size'),
    link: r.u32At(at + 40),
    info: r.u32At(at + 44),
    addralign: r.u64At(at + 48),
    entsize: r.u64NumAt(at + 56, 'sh_entsize'),
    headerOffset: at,
  };
}

/**
 * Reads every section header and resolves names. The entry count is checked against the file size before
 * anything is allocated; errors are `ParseError`s in section `section headers` (or `elf header`).
 */
export function parseSectionHeaders(bytes: Uint8Array, header: ElfHeader): SectionHeaderTable {
  const r = new ByteReader(bytes, header.byteOrder, 'section headers');
  const headerReader = new ByteReader(bytes, header.byteOrder, 'elf header');
  if (header.shoff === 0) return { sections: [], nameTableIndex: 0 };
  if (header.shentsize < ELF64_SIZES.SECTION_HEADER) {
    throw headerReader.error(
      `e_shentsize ${header.shentsize} is smaller than ${ELF64_SIZES.SECTION_HEADER}`,
      58,
    );
  }
  r.check(header.shoff, ELF64_SIZES.SECTION_HEADER, 'section header 0');
  const first = readRawSection(r, 0, header.shoff);
  const count = header.shnum !== 0 ? header.shnum : first.size;
  const maxCount = Math.floor((bytes.byteLength - header.shoff) / header.shentsize);
  if (count > maxCount) {
    throw r.error(
      `${count} section headers of ${header.shentsize} bytes do not fit in the file (room for ${maxCount})`,
      header.shoff,
    );
  }
  const raw: RawSection[] = [];
  for (let i = 0; i < count; i++) {
    raw.push(i === 0 ? first : readRawSection(r, i, header.shoff + i * header.shentsize));
  }
  if (raw.length === 0) return { sections: [], nameTableIndex: 0 };

  const nameTableIndex = header.shstrndx === SHN.XINDEX ? first.link : header.shstrndx;
  let names: StringTable | undefined;
  if (nameTableIndex !== SHN.UNDEF) {
    const table = raw[nameTableIndex];
    if (table === undefined) {
      throw headerReader.error(
        `section name table index ${nameTableIndex} out of range (${raw.length} sections)`,
        62,
      );
    }
    if (table.type === SHT.NOBITS) {
      throw r.error(`section name table ${nameTableIndex} has no data (SHT_NOBITS)`, table.headerOffset);
    }
    const data = r.sub(table.offset, table.size, 'section name table').bytes;
    names = new StringTable(data, 'section name table', table.offset, header.byteOrder);
  }
  const sections = raw.map((s): ElfSection => ({ ...s, name: names ? names.at(s.nameOffset) : '' }));
  return { sections, nameTableIndex };
}
