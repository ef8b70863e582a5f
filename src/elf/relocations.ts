/**
 * ELF64 relocation entries: `Elf64_Rel` (`SHT_REL`, no addend) and `Elf64_Rela` (`SHT_RELA`).
 */
import type { ByteReader } from '../internal/bytes.js';
import { ELF64_SIZES } from './constants.js';
import type { ElfSection } from './section-headers.js';

/** One relocation. `offset` and `addend` are u64/i64 and bigints. */
export interface ElfRelocation {
  /** `r_offset`: where to apply it (section offset in objects, virtual address in linked files). */
  readonly offset: bigint;
  /** `r_info` as stored. */
  readonly info: bigint;
  /** Index into the linked symbol table (`ELF64_R_SYM`, the high 32 bits of `r_info`). */
  readonly symbolIndex: number;
  /** Machine-specific relocation type (`ELF64_R_TYPE`, the low 32 bits of `r_info`). */
  readonly type: number;
  /** `r_addend` for `SHT_RELA`, `0n` for `SHT_REL` (the addend is then stored at the target). */
  readonly addend: bigint;
}

/** A relocation section together with the sections it refers to. */
export interface RelocationSection {
  /** The `SHT_REL` or `SHT_RELA` section itself. */
  readonly section: ElfSection;
  /** True for `SHT_RELA` (explicit addends). */
  readonly hasAddends: boolean;
  /** The section the relocations apply to (`sh_info`), `undefined` when `sh_info` is 0 (dynamic relocs). */
  readonly target: ElfSection | undefined;
  /** The symbol table the entries index (`sh_link`), `undefined` when `sh_link` is 0. */
  readonly symbolTable: ElfSection | undefined;
}

/**
 * Decodes every entry of a relocation section read by `table`. The entry size must match the kind
 * (16 for REL, 24 for RELA; 0 is read as that) and the size must be a multiple of it.
 */
export function parseRelocations(table: ByteReader, entsize: number, hasAddends: boolean): ElfRelocation[] {
  const expected = hasAddends ? ELF64_SIZES.RELA : ELF64_SIZES.REL;
  if (entsize !== 0 && entsize !== expected) {
    throw table.error(`relocation entry size ${entsize}, expected ${expected}`, 0);
  }
  if (table.length % expected !== 0) {
    throw table.error(`size ${table.length} is not a multiple of ${expected}`, 0);
  }
  const count = table.length / expected;
  const relocations: ElfRelocation[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * expected;
    const info = table.u64At(at + 8);
    relocations.push({
      offset: table.u64At(at),
      info,
      symbolIndex: Number(info >> 32n),
      type: Number(info & 0xffffffffn),
      addend: hasAddends ? table.i64At(at + 16) : 0n,
    });
  }
  return relocations;
}
