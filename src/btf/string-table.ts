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
 * BTF); `start` shifts every other offset (split BTF continues after the base table). Strings are
 * written straight into one growing buffer: ASCII ones (nearly all) code unit by code unit, others
 * through a `TextEncoder`.
 */
export class StringTableBuilder {
  readonly start: number;
  readonly #offsets = new Map<string, number>();
  #buf: Uint8Array;
  #length = 0;

  constructor(start = 0, withLeadingEmpty = true) {
    this.start = start;
    this.#buf = new Uint8Array(4096);
    if (withLeadingEmpty) this.#length = 1;
  }

  /** The offset of `s`, adding it on first use. The empty string is always offset 0. */
  add(s: string): number {
    if (s === '') return 0;
    const known = this.#offsets.get(s);
    if (known !== undefined) return known;
    const at = this.#length;
    // Room for the longest UTF-8 form (3 bytes per UTF-16 code unit) and the NUL.
    this.#reserve(3 * s.length + 1);
    const buf = this.#buf;
    let end = at;
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0) throw new BtfError(`string ${JSON.stringify(s)} contains NUL`);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      buf[end++] = c;
    }
    if (!ascii) {
      if (s.includes('\0')) throw new BtfError(`string ${JSON.stringify(s)} contains NUL`);
      end = at + utf8Encoder.encodeInto(s, buf.subarray(at)).written;
    }
    buf[end] = 0;
    this.#length = end + 1;
    const off = this.start + at;
    this.#offsets.set(s, off);
    return off;
  }

  /** Byte length of the table so far. */
  get length(): number {
    return this.#length;
  }

  /** The table's bytes. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#length);
  }

  #reserve(n: number): void {
    if (this.#length + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#length + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buf.subarray(0, this.#length));
    this.#buf = grown;
  }
}
