/**
 * An ELF string table (`SHT_STRTAB`): NUL-terminated strings addressed by byte offset.
 */
import { type ByteOrder, ByteReader } from '../internal/bytes.js';

/** Bounds-checked lookups into one string table; a bad offset is a `ParseError` naming the table. */
export class StringTable {
  private readonly reader: ByteReader;

  /**
   * `bytes` is the table's data, `section` names it in errors and `fileOffset` is where it starts in the
   * file (so errors report absolute offsets).
   */
  constructor(bytes: Uint8Array, section: string, fileOffset: number, order: ByteOrder = 'little') {
    this.reader = new ByteReader(bytes, order, section, fileOffset);
  }

  /** Size of the table in bytes. */
  get size(): number {
    return this.reader.length;
  }

  /** The string starting at `offset`; throws `ParseError` when out of range or not NUL-terminated. */
  at(offset: number): string {
    return this.reader.cstringAt(offset, 'string');
  }
}
