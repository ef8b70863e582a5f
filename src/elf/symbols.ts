/**
 * ELF64 symbol tables (`Elf64_Sym` in `SHT_SYMTAB` / `SHT_DYNSYM`), with `SHN_XINDEX` section indices
 * resolved through the matching `SHT_SYMTAB_SHNDX` table.
 */
import type { ByteReader } from '../internal/bytes.js';
import { ELF64_SIZES, SHN } from './constants.js';
import type { StringTable } from './string-table.js';

/** One symbol. `value` and `size` are u64 and bigints. */
export interface ElfSymbol {
  /** Position in its symbol table (relocations refer to symbols by this index). */
  readonly index: number;
  /** Name from the linked string table (`''` for unnamed symbols such as most `STT_SECTION` ones). */
  readonly name: string;
  /** `st_name`: offset of the name in the string table. */
  readonly nameOffset: number;
  /** `st_value`: address or offset, depending on the object kind. */
  readonly value: bigint;
  /** `st_size`. */
  readonly size: bigint;
  /** `st_info` as stored. */
  readonly info: number;
  /** `st_other` as stored. */
  readonly other: number;
  /** Symbol type (`STT.*`), the low nibble of `st_info`. */
  readonly type: number;
  /** Binding (`STB.*`), the high nibble of `st_info`. */
  readonly binding: number;
  /** Visibility (`STV.*`), the low two bits of `st_other`. */
  readonly visibility: number;
  /**
   * The section index: `st_shndx`, except that `SHN.XINDEX` is replaced by the index found in the
   * extended index table. Special values (`SHN.UNDEF`, `SHN.ABS`, `SHN.COMMON`) are kept as they are.
   */
  readonly shndx: number;
  /** The index of the section defining the symbol, or `undefined` for undefined/absolute/common symbols. */
  readonly sectionIndex: number | undefined;
}

/** Decodes `st_shndx` (possibly extended) into `shndx` and `sectionIndex`. */
function resolveSectionIndex(
  raw: number,
  index: number,
  extended: ByteReader | undefined,
  table: ByteReader,
  at: number,
): { shndx: number; sectionIndex: number | undefined } {
  if (raw === SHN.XINDEX) {
    if (extended === undefined) {
      throw table.error(`symbol ${index} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section`, at + 6);
    }
    const shndx = extended.u32At(index * 4);
    return { shndx, sectionIndex: shndx };
  }
  const special = raw === SHN.UNDEF || raw >= SHN.LORESERVE;
  return { shndx: raw, sectionIndex: special ? undefined : raw };
}

/**
 * Decodes every entry of a symbol table. `table` reads the table's data, `strings` is its linked string
 * table, `extended` the data of its `SHT_SYMTAB_SHNDX` section if any. The entry size must be 24 (or 0,
 * read as 24) and the size a multiple of it.
 */
export function parseSymbolTable(
  table: ByteReader,
  entsize: number,
  strings: StringTable,
  extended: ByteReader | undefined,
): ElfSymbol[] {
  if (entsize !== 0 && entsize !== ELF64_SIZES.SYMBOL) {
    throw table.error(`symbol entry size ${entsize}, expected ${ELF64_SIZES.SYMBOL}`, 0);
  }
  if (table.length % ELF64_SIZES.SYMBOL !== 0) {
    throw table.error(`size ${table.length} is not a multiple of ${ELF64_SIZES.SYMBOL}`, 0);
  }
  const count = table.length / ELF64_SIZES.SYMBOL;
  const symbols: ElfSymbol[] = [];
  for (let index = 0; index < count; index++) {
    const at = index * ELF64_SIZES.SYMBOL;
    const nameOffset = table.u32At(at);
    const info = table.u8At(at + 4);
    const other = table.u8At(at + 5);
    const { shndx, sectionIndex } = resolveSectionIndex(table.u16At(at + 6), index, extended, table, at);
    symbols.push({
      index,
      name: strings.at(nameOffset),
      nameOffset,
      value: table.u64At(at + 8),
      size: table.u64At(at + 16),
      info,
      other,
      type: info & 0xf,
      binding: info >> 4,
      visibility: other & 0x3,
      shndx,
      sectionIndex,
    });
  }
  return symbols;
}
