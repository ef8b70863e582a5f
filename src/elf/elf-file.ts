/**
 * `ElfFile`: a parsed ELF64 object of either byte order. The header, section headers (with names) and
 * program headers are decoded eagerly; symbols, relocations and notes on first use (and cached on the
 * instance). Every read is bounds-checked; malformed input throws `ParseError` only.
 */
import { ParseError } from '../errors.js';
import { type ByteOrder, ByteReader } from '../internal/bytes.js';
import { PT, SHT } from './constants.js';
import { type ElfHeader, parseElfHeader } from './header.js';
import { type ElfNote, noteAlignment, parseNotes } from './notes.js';
import {
  fileOffsetInRanges,
  type LoadRange,
  loadRanges,
  type ProgramHeader,
  parseProgramHeaders,
} from './program-headers.js';
import { type ElfRelocation, parseRelocations, type RelocationSection } from './relocations.js';
import { type ElfSection, parseSectionHeaders, sectionLabel } from './section-headers.js';
import { StringTable } from './string-table.js';
import { type ElfSymbol, parseSymbolTable } from './symbols.js';

/** A parsed ELF64 file. Section data and note descriptors are zero-copy views into `bytes`. */
export class ElfFile {
  /** The whole file. */
  readonly bytes: Uint8Array;
  /** The decoded file header (raw counts; see `sections`/`programHeaders` for resolved ones). */
  readonly header: ElfHeader;
  /** Byte order of the file, from `EI_DATA`. */
  readonly byteOrder: ByteOrder;
  /** Every section header, index 0 (the null section) included; empty when the file has none. */
  readonly sections: readonly ElfSection[];
  /** Index of the section name string table (resolved through `SHN_XINDEX`), 0 when there is none. */
  readonly sectionNameTableIndex: number;
  /** Every program header; empty for relocatable objects. */
  readonly programHeaders: readonly ProgramHeader[];

  private readonly symbolCache = new Map<number, readonly ElfSymbol[]>();
  private readonly relocationCache = new Map<number, readonly ElfRelocation[]>();
  private byName: Map<string, ElfSection> | undefined;
  private loadRangeCache: readonly LoadRange[] | undefined;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.header = parseElfHeader(bytes);
    this.byteOrder = this.header.byteOrder;
    const table = parseSectionHeaders(bytes, this.header);
    this.sections = table.sections;
    this.sectionNameTableIndex = table.nameTableIndex;
    this.programHeaders = parseProgramHeaders(bytes, this.header, this.sections);
  }

  /** Parses `bytes` as an ELF64 file; throws `ParseError` if it is not one or is malformed. */
  static parse(bytes: Uint8Array): ElfFile {
    return new ElfFile(bytes);
  }

  /** The section at `index`, or `undefined` when out of range. */
  section(index: number): ElfSection | undefined {
    return this.sections[index];
  }

  /** The first section called `name` (relocatable objects may repeat names; see `sections`). */
  sectionByName(name: string): ElfSection | undefined {
    if (this.byName === undefined) {
      const map = new Map<string, ElfSection>();
      for (const s of this.sections) if (!map.has(s.name)) map.set(s.name, s);
      this.byName = map;
    }
    return this.byName.get(name);
  }

  /** Every section of type `type` (`SHT.*`), in table order. */
  sectionsByType(type: number): ElfSection[] {
    return this.sections.filter((s) => s.type === type);
  }

  /**
   * The bytes of `section` as a zero-copy view into `bytes`. `SHT_NOBITS` and `SHT_NULL` sections occupy
   * no file space and give an empty array. Throws `ParseError` when the data lies outside the file.
   */
  sectionData(section: ElfSection): Uint8Array {
    if (section.type === SHT.NOBITS || section.type === SHT.NULL) return this.bytes.subarray(0, 0);
    return this.sectionReader(section).bytes;
  }

  /** A bounds-checked reader over the data of `section`; errors name the section with absolute offsets. */
  sectionReader(section: ElfSection): ByteReader {
    if (section.type === SHT.NOBITS) {
      throw this.errorIn(section, 'has no file data (SHT_NOBITS)');
    }
    return this.slice(section.offset, section.size, sectionLabel(section));
  }

  /** A reader over `[offset, offset+size)` of the file whose errors (bounds included) name `label`. */
  private slice(offset: number, size: number, label: string): ByteReader {
    return new ByteReader(this.bytes, this.byteOrder, label).sub(offset, size, label);
  }

  /** A `ParseError` about `section`, at its header entry. */
  private errorIn(section: ElfSection, detail: string): ParseError {
    return new ParseError(sectionLabel(section), section.headerOffset, detail);
  }

  /** The bytes of a segment (`p_offset`, `p_filesz`), zero-copy; `ParseError` when outside the file. */
  segmentData(segment: ProgramHeader): Uint8Array {
    return this.slice(segment.offset, segment.filesz, `segment ${segment.index}`).bytes;
  }

  /** `section` read as a string table. */
  stringTable(section: ElfSection): StringTable {
    return new StringTable(this.sectionData(section), sectionLabel(section), section.offset, this.byteOrder);
  }

  /** The section at `index` referenced from `from`'s header (`sh_link`/`sh_info`); ParseError if absent. */
  private linkedSection(from: ElfSection, index: number, field: string): ElfSection {
    const target = this.sections[index];
    if (target === undefined || index === 0) {
      throw this.errorIn(
        from,
        `${field} ${index} does not name a section (${this.sections.length} sections)`,
      );
    }
    return target;
  }

  /**
   * The symbols of a `SHT_SYMTAB` or `SHT_DYNSYM` section (entry 0, the null symbol, included), using the
   * string table named by its `sh_link` and any `SHT_SYMTAB_SHNDX` section linked to it.
   */
  symbolsOf(section: ElfSection): readonly ElfSymbol[] {
    const cached = this.symbolCache.get(section.index);
    if (cached !== undefined) return cached;
    if (section.type !== SHT.SYMTAB && section.type !== SHT.DYNSYM) {
      throw this.errorIn(section, `not a symbol table (type ${section.type})`);
    }
    const strings = this.stringTable(this.linkedSection(section, section.link, 'sh_link'));
    const shndx = this.sections.find((s) => s.type === SHT.SYMTAB_SHNDX && s.link === section.index);
    const extended = shndx === undefined ? undefined : this.sectionReader(shndx);
    const symbols = parseSymbolTable(this.sectionReader(section), section.entsize, strings, extended);
    this.symbolCache.set(section.index, symbols);
    return symbols;
  }

  /** The static symbol table (`SHT_SYMTAB`, normally `.symtab`); empty when the file is stripped. */
  symbols(): readonly ElfSymbol[] {
    const table = this.sections.find((s) => s.type === SHT.SYMTAB);
    return table === undefined ? [] : this.symbolsOf(table);
  }

  /** The dynamic symbol table (`SHT_DYNSYM`, normally `.dynsym`); empty when there is none. */
  dynamicSymbols(): readonly ElfSymbol[] {
    const table = this.sections.find((s) => s.type === SHT.DYNSYM);
    return table === undefined ? [] : this.symbolsOf(table);
  }

  /** The section a symbol is defined in, or `undefined` for undefined, absolute and common symbols. */
  sectionOfSymbol(symbol: ElfSymbol): ElfSection | undefined {
    return symbol.sectionIndex === undefined ? undefined : this.sections[symbol.sectionIndex];
  }

  /**
   * Every `SHT_REL`/`SHT_RELA` section with the section it applies to (`sh_info`) and its symbol table
   * (`sh_link`). Throws `ParseError` when either index is out of range.
   */
  relocationSections(): RelocationSection[] {
    const result: RelocationSection[] = [];
    for (const section of this.sections) {
      if (section.type !== SHT.REL && section.type !== SHT.RELA) continue;
      result.push({
        section,
        hasAddends: section.type === SHT.RELA,
        target: section.info === 0 ? undefined : this.linkedSection(section, section.info, 'sh_info'),
        symbolTable: section.link === 0 ? undefined : this.linkedSection(section, section.link, 'sh_link'),
      });
    }
    return result;
  }

  /** The entries of a `SHT_REL` or `SHT_RELA` section. */
  relocations(section: ElfSection): readonly ElfRelocation[] {
    const cached = this.relocationCache.get(section.index);
    if (cached !== undefined) return cached;
    if (section.type !== SHT.REL && section.type !== SHT.RELA) {
      throw this.errorIn(section, `not a relocation section (type ${section.type})`);
    }
    const entries = parseRelocations(this.sectionReader(section), section.entsize, section.type === SHT.RELA);
    this.relocationCache.set(section.index, entries);
    return entries;
  }

  /** The notes of one `SHT_NOTE` section. */
  sectionNotes(section: ElfSection): ElfNote[] {
    return parseNotes(this.sectionReader(section), noteAlignment(section.addralign));
  }

  /** The notes of one `PT_NOTE` segment. */
  segmentNotes(segment: ProgramHeader): ElfNote[] {
    const data = this.slice(segment.offset, segment.filesz, `segment ${segment.index}`);
    return parseNotes(data, noteAlignment(segment.align));
  }

  /**
   * All notes of the file: from the `SHT_NOTE` sections when there are any (as `readelf -n` does),
   * otherwise from the `PT_NOTE` segments (stripped section headers, core files).
   */
  notes(): ElfNote[] {
    const sections = this.sectionsByType(SHT.NOTE);
    if (sections.length > 0) return sections.flatMap((s) => this.sectionNotes(s));
    return this.programHeaders.filter((p) => p.type === PT.NOTE).flatMap((p) => this.segmentNotes(p));
  }

  /**
   * The file offset that holds virtual address `addr`, found through the `PT_LOAD` segments; `undefined`
   * when no segment maps it from the file. Used to turn symbol addresses into uprobe offsets.
   */
  virtualAddressToFileOffset(addr: bigint): number | undefined {
    this.loadRangeCache ??= loadRanges(this.programHeaders);
    return fileOffsetInRanges(this.loadRangeCache, addr);
  }
}

/** Parses `bytes` as an ELF64 file (same as `ElfFile.parse`). */
export function parseElf(bytes: Uint8Array): ElfFile {
  return ElfFile.parse(bytes);
}
