/**
 * BTF string tables: a reader (with an optional base table for split BTF, whose offsets come first)
 * and a deduplicating builder used by the marshaller.
 */
import { ParseError } from '../errors.js';
import { BtfError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8Encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** Names up to this long are decoded character by character (see `StringTable.get`). */
const SHORT_NAME = 32;

/**
 * A read-only BTF string table. Offsets below `base.length` belong to the base table (split BTF);
 * the rest index this table's own bytes. The whole table must end with a NUL.
 */
export class StringTable {
  readonly bytes: Uint8Array;
  readonly base: StringTable | undefined;
  /** First offset that belongs to this table (the base table's length, or 0). */
  readonly start: number;
  /** Absolute offset of the table inside its blob (for error messages). */
  readonly fileOffset: number;
  readonly section: string;

  constructor(bytes: Uint8Array, base?: StringTable, fileOffset = 0, section = '.BTF') {
    this.bytes = bytes;
    this.base = base;
    this.start = base?.length ?? 0;
    this.fileOffset = fileOffset;
    this.section = section;
    if (bytes.byteLength > 0 && bytes[bytes.byteLength - 1] !== 0) {
      throw new ParseError(section, fileOffset + bytes.byteLength - 1, 'string section not NUL-terminated');
    }
    if (base === undefined && bytes.byteLength > 0 && bytes[0] !== 0) {
      throw new ParseError(section, fileOffset, 'string section does not start with an empty string');
    }
  }

  /** Total number of offsets addressable (base + own). */
  get length(): number {
    return this.start + this.bytes.byteLength;
  }

  /** True when `offset` addresses a string in this table or its base. */
  has(offset: number): boolean {
    return offset >= 0 && offset < this.length;
  }

  /** The string at `offset`; a bad offset is a ParseError. */
  get(offset: number): string {
    if (offset < this.start) {
      if (this.base === undefined || offset < 0) throw this.badOffset(offset);
      return this.base.get(offset);
    }
    const local = offset - this.start;
    if (local >= this.bytes.byteLength) throw this.badOffset(offset);
    if (local === 0 && this.base === undefined) return '';
    const bytes = this.bytes;
    // Short ASCII names (nearly all of them) are built in one pass: cheaper than finding the end
    // first and converting a subarray. The table ends with a NUL, so the loop stops inside it.
    let short = '';
    for (let i = local; i < local + SHORT_NAME; i++) {
      const c = bytes[i] as number;
      if (c === 0) return short;
      if (c >= 0x80) break;
      short += String.fromCharCode(c);
    }
    const end = bytes.indexOf(0, local);
    let ascii = true;
    for (let i = local; i < end; i++) {
      if ((bytes[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return utf8.decode(bytes.subarray(local, end));
    if (end - local <= 1024)
      return String.fromCharCode.apply(null, bytes.subarray(local, end) as unknown as number[]);
    return latin1.decode(bytes.subarray(local, end));
  }

  private badOffset(offset: number): ParseError {
    return new ParseError(
      this.section,
      this.fileOffset,
      `string offset ${offset} out of bounds (${this.length})`,
    );
  }
}

/**
 * Builds a deduplicated string table. The empty string is always offset 0 (the base's, for split
 * BTF); `start` shifts every other offset (split BTF continues after the base table).
 */
export class StringTableBuilder {
  readonly start: number;
  readonly #offsets = new Map<string, number>();
  readonly #chunks: Uint8Array[] = [];
  #length = 0;

  constructor(start = 0, withLeadingEmpty = true) {
    this.start = start;
    if (withLeadingEmpty) {
      this.#chunks.push(new Uint8Array(1));
      this.#length = 1;
    }
  }

  /** The offset of `s`, adding it on first use. The empty string is always offset 0. */
  add(s: string): number {
    if (s === '') return 0;
    const known = this.#offsets.get(s);
    if (known !== undefined) return known;
    const encoded = utf8Encoder.encode(s);
    if (encoded.includes(0)) throw new BtfError(`string ${JSON.stringify(s)} contains NUL`);
    const off = this.start + this.#length;
    const chunk = new Uint8Array(encoded.byteLength + 1);
    chunk.set(encoded);
    this.#chunks.push(chunk);
    this.#length += chunk.byteLength;
    this.#offsets.set(s, off);
    return off;
  }

  /** Byte length of the table so far. */
  get length(): number {
    return this.#length;
  }

  /** The table's bytes. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}
