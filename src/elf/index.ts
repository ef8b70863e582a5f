/**
 * `ebpf-ts/elf`: a pure ELF64 reader for both byte orders (no node:* imports). Parse with `parseElf(bytes)`
 * or `ElfFile.parse(bytes)`; malformed input throws `ParseError`.
 */
export {
  EI,
  ELF_MAGIC,
  ELF64_SIZES,
  ELFCLASS,
  ELFDATA,
  EM,
  ET,
  NT_GNU,
  PF,
  PN_XNUM,
  PT,
  SHF,
  SHN,
  SHT,
  STB,
  STT,
  STV,
} from './constants.js';
export { ElfFile, parseElf } from './elf-file.js';
export { type ElfHeader, parseElfHeader } from './header.js';
export { type ElfNote, noteAlignment, parseNotes } from './notes.js';
export { type ProgramHeader, parseProgramHeaders, virtualAddressToFileOffset } from './program-headers.js';
export { type ElfRelocation, parseRelocations, type RelocationSection } from './relocations.js';
export {
  type ElfSection,
  parseSectionHeaders,
  type SectionHeaderTable,
  sectionLabel,
} from './section-headers.js';
export { StringTable } from './string-table.js';
export { type ElfSymbol, parseSymbolTable } from './symbols.js';
