/**
 * The ELF64 file header (`Elf64_Ehdr`): identification, object kind, machine and where the section and
 * program header tables live. The raw counts are kept as found; `ElfFile` resolves extended numbering.
 */
import { type ByteOrder, ByteReader } from '../internal/bytes.js';
import { EI, ELF_MAGIC, ELF64_SIZES, ELFCLASS, ELFDATA } from './constants.js';

/** The decoded ELF64 file header. File offsets are numbers (checked to be safe integers). */
export interface ElfHeader {
  /** Byte order from `EI_DATA`; every multi-byte field of the file is read in it. */
  readonly byteOrder: ByteOrder;
  /** `EI_VERSION` (1 for every current file). */
  readonly identVersion: number;
  /** `EI_OSABI` (0 = System V, 3 = GNU/Linux). */
  readonly osAbi: number;
  /** `EI_ABIVERSION`. */
  readonly abiVersion: number;
  /** `e_type`: `ET.REL`, `ET.EXEC`, `ET.DYN`, ... */
  readonly type: number;
  /** `e_machine`: `EM.X86_64`, `EM.BPF`, ... */
  readonly machine: number;
  /** `e_version`. */
  readonly version: number;
  /** `e_entry`: the entry point virtual address. */
  readonly entry: bigint;
  /** `e_phoff`: file offset of the program header table (0 when absent). */
  readonly phoff: number;
  /** `e_shoff`: file offset of the section header table (0 when absent). */
  readonly shoff: number;
  /** `e_flags`: processor-specific flags. */
  readonly flags: number;
  /** `e_ehsize`: the header's own size as recorded in the file. */
  readonly ehsize: number;
  /** `e_phentsize`: size of one program header entry. */
  readonly phentsize: number;
  /** `e_phnum` as stored (`PN_XNUM` means the count is in section 0's `sh_info`). */
  readonly phnum: number;
  /** `e_shentsize`: size of one section header entry. */
  readonly shentsize: number;
  /** `e_shnum` as stored (0 with a non-zero `e_shoff` means the count is in section 0's `sh_size`). */
  readonly shnum: number;
  /** `e_shstrndx` as stored (`SHN.XINDEX` means the index is in section 0's `sh_link`). */
  readonly shstrndx: number;
}

/** Decodes the ELF64 header at the start of `bytes`; throws `ParseError` (section `elf header`) if invalid. */
export function parseElfHeader(bytes: Uint8Array): ElfHeader {
  const ident = new ByteReader(bytes, 'little', 'elf header');
  ident.check(0, EI.NIDENT, 'e_ident');
  for (let i = 0; i < ELF_MAGIC.length; i++) {
    if (ident.u8At(i) !== ELF_MAGIC[i]) throw ident.error('bad magic, not an ELF file', 0);
  }
  const elfClass = ident.u8At(EI.CLASS);
  if (elfClass !== ELFCLASS.CLASS64) {
    const what = elfClass === ELFCLASS.CLASS32 ? 'ELF32' : `class ${elfClass}`;
    throw ident.error(`${what} is not supported, only ELF64`, EI.CLASS);
  }
  const data = ident.u8At(EI.DATA);
  if (data !== ELFDATA.LSB && data !== ELFDATA.MSB) {
    throw ident.error(`unknown byte order (EI_DATA ${data})`, EI.DATA);
  }
  const byteOrder: ByteOrder = data === ELFDATA.LSB ? 'little' : 'big';
  const r = new ByteReader(bytes, byteOrder, 'elf header');
  r.check(0, ELF64_SIZES.HEADER, 'ELF64 header');
  return {
    byteOrder,
    identVersion: r.u8At(EI.VERSION),
    osAbi: r.u8At(EI.OSABI),
    abiVersion: r.u8At(EI.ABIVERSION),
    type: r.u16At(16),
    machine: r.u16At(18),
    version: r.u32At(20),
    entry: r.u64At(24),
    phoff: r.u64NumAt(32, 'e_phoff'),
    shoff: r.u64NumAt(40, 'e_shoff'),
    flags: r.u32At(48),
    ehsize: r.u16At(52),
    phentsize: r.u16At(54),
    phnum: r.u16At(56),
    shentsize: r.u16At(58),
    shnum: r.u16At(60),
    shstrndx: r.u16At(62),
  };
}
