/**
 * ELF constants (from the System V gABI and the GNU/LLVM extensions) used by the ELF64 reader. Values are
 * grouped in frozen objects named after their C prefix, so `SHT.PROGBITS` is `SHT_PROGBITS`. Section flags
 * are u64 in ELF64 and therefore bigints; every other group fits in a number.
 */

/** Size of `e_ident` and the offsets of its fields. */
export const EI = {
  NIDENT: 16,
  CLASS: 4,
  DATA: 5,
  VERSION: 6,
  OSABI: 7,
  ABIVERSION: 8,
} as const;

/** The four magic bytes every ELF file starts with (`\x7fELF`). */
export const ELF_MAGIC: readonly number[] = Object.freeze([0x7f, 0x45, 0x4c, 0x46]);

/** `EI_CLASS` values. Only ELF64 is supported by this reader. */
export const ELFCLASS = { NONE: 0, CLASS32: 1, CLASS64: 2 } as const;

/** `EI_DATA` values: the byte order of the file. */
export const ELFDATA = { NONE: 0, LSB: 1, MSB: 2 } as const;

/** `e_type` values: the kind of object file. */
export const ET = { NONE: 0, REL: 1, EXEC: 2, DYN: 3, CORE: 4 } as const;

/** Common `e_machine` values (the full list is in `<elf.h>`). */
export const EM = {
  NONE: 0,
  I386: 3,
  MIPS: 8,
  PPC64: 21,
  S390: 22,
  ARM: 40,
  SPARCV9: 43,
  X86_64: 62,
  AARCH64: 183,
  RISCV: 243,
  BPF: 247,
  LOONGARCH: 258,
} as const;

/** Special section indices (`st_shndx`, `e_shstrndx`). */
export const SHN = {
  UNDEF: 0,
  LORESERVE: 0xff00,
  ABS: 0xfff1,
  COMMON: 0xfff2,
  XINDEX: 0xffff,
} as const;

/** `e_phnum` value meaning "the real count is in section 0's `sh_info`". */
export const PN_XNUM = 0xffff;

/** Section types (`sh_type`). */
export const SHT = {
  NULL: 0,
  PROGBITS: 1,
  SYMTAB: 2,
  STRTAB: 3,
  RELA: 4,
  HASH: 5,
  DYNAMIC: 6,
  NOTE: 7,
  NOBITS: 8,
  REL: 9,
  SHLIB: 10,
  DYNSYM: 11,
  INIT_ARRAY: 14,
  FINI_ARRAY: 15,
  PREINIT_ARRAY: 16,
  GROUP: 17,
  SYMTAB_SHNDX: 18,
  RELR: 19,
  LOOS: 0x60000000,
  LLVM_ADDRSIG: 0x6fff4c03,
  GNU_ATTRIBUTES: 0x6ffffff5,
  GNU_HASH: 0x6ffffff6,
  GNU_VERDEF: 0x6ffffffd,
  GNU_VERNEED: 0x6ffffffe,
  GNU_VERSYM: 0x6fffffff,
  LOPROC: 0x70000000,
  X86_64_UNWIND: 0x70000001,
  HIPROC: 0x7fffffff,
} as const;

/** Section flags (`sh_flags`), as bigints because the field is u64. */
export const SHF = {
  WRITE: 0x1n,
  ALLOC: 0x2n,
  EXECINSTR: 0x4n,
  MERGE: 0x10n,
  STRINGS: 0x20n,
  INFO_LINK: 0x40n,
  LINK_ORDER: 0x80n,
  OS_NONCONFORMING: 0x100n,
  GROUP: 0x200n,
  TLS: 0x400n,
  COMPRESSED: 0x800n,
  GNU_RETAIN: 0x200000n,
  EXCLUDE: 0x80000000n,
} as const;

/** Symbol types (low nibble of `st_info`). */
export const STT = {
  NOTYPE: 0,
  OBJECT: 1,
  FUNC: 2,
  SECTION: 3,
  FILE: 4,
  COMMON: 5,
  TLS: 6,
  GNU_IFUNC: 10,
} as const;

/** Symbol bindings (high nibble of `st_info`). */
export const STB = { LOCAL: 0, GLOBAL: 1, WEAK: 2, GNU_UNIQUE: 10 } as const;

/** Symbol visibilities (low two bits of `st_other`). */
export const STV = { DEFAULT: 0, INTERNAL: 1, HIDDEN: 2, PROTECTED: 3 } as const;

/** Program header (segment) types (`p_type`). */
export const PT = {
  NULL: 0,
  LOAD: 1,
  DYNAMIC: 2,
  INTERP: 3,
  NOTE: 4,
  SHLIB: 5,
  PHDR: 6,
  TLS: 7,
  GNU_EH_FRAME: 0x6474e550,
  GNU_STACK: 0x6474e551,
  GNU_RELRO: 0x6474e552,
  GNU_PROPERTY: 0x6474e553,
} as const;

/** Segment permission flags (`p_flags`). */
export const PF = { X: 0x1, W: 0x2, R: 0x4 } as const;

/** GNU note types (owner `"GNU"`). */
export const NT_GNU = { ABI_TAG: 1, HWCAP: 2, BUILD_ID: 3, GOLD_VERSION: 4, PROPERTY_TYPE_0: 5 } as const;

/** Sizes of the fixed ELF64 records, in bytes. */
export const ELF64_SIZES = {
  HEADER: 64,
  SECTION_HEADER: 64,
  PROGRAM_HEADER: 56,
  SYMBOL: 24,
  REL: 16,
  RELA: 24,
  NOTE_HEADER: 12,
} as const;
