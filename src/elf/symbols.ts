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

const SYMBOL_SIZE = ELF64_SIZES.SYMBOL;
const SHN_UNDEF = SHN.UNDEF;
const SHN_LORESERVE = SHN.LORESERVE;
const SHN_XINDEX = SHN.XINDEX;
/** Sizes below this share one bigint per value within a table (most function and object sizes do). */
const SHARED_SIZE_LIMIT = 1024;

/** The section index of symbol `index` from the `SHT_SYMTAB_SHNDX` table (bounds-checked there). */
function extendedSectionIndex(
  index: number,
  extended: ByteReader | undefined,
  table: ByteReader,
  at: number,
): number {
  if (extended === undefined) {
    throw table.error(`symbol ${index} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX section`, at + 6);
  }
  return extended.u32At(index * 4);
}

/**
 * Decodes every entry of a symbol table. `table` reads the table's data, `strings` is its linked string
 * table, `extended` the data of its `SHT_SYMTAB_SHNDX` section if any. The entry size must be 24 (or 0,
 * read as 24) and the size a multiple of it. The table's bounds are checked once (the reader covers exactly
 * the table), then entries are read straight from its DataView; names and extended indices are still
 * checked one by one.
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
  const count = table.length / SYMBOL_SIZE;
  const view = table.view;
  const le = table.littleEndian;
  const symbols: ElfSymbol[] = []; // pushed, not preallocated, so the array stays packed for consumers
  const sharedSizes = new Array<bigint | undefined>(SHARED_SIZE_LIMIT);
  const sizeLow = le ? 16 : 20;
  const sizeHigh = le ? 20 : 16;
  for (let index = 0, at = 0; index < count; index++, at += SYMBOL_SIZE) {
    const nameOffset = view.getUint32(at, le);
    const info = view.getUint8(at + 4);
    const other = view.getUint8(at + 5);
    const raw = view.getUint16(at + 6, le);
    let shndx = raw;
    let sectionIndex: number | undefined;
    if (raw === SHN_XINDEX) {
      shndx = extendedSectionIndex(index, extended, table, at);
      sectionIndex = shndx;
    } else if (raw !== SHN_UNDEF && raw < SHN_LORESERVE) {
      sectionIndex = raw;
    }
    const low = view.getUint32(at + sizeLow, le);
    const shared = low < SHARED_SIZE_LIMIT && view.getUint32(at + sizeHigh, le) === 0;
    let size = shared ? sharedSizes[low] : undefined;
    if (size === undefined) {
      size = view.getBigUint64(at + 16, le);
      if (shared) sharedSizes[low] = size;
    }
    symbols.push({
      index,
      name: strings.at(nameOffset),
      nameOffset,
      value: view.getBigUint64(at + 8, le),
      size,
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
