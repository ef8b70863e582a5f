/**
 * An ELF string table (`SHT_STRTAB`): NUL-terminated strings addressed by byte offset.
 *
 * Symbol tables look up every name of tables that can be megabytes large, so after a few lookups the table
 * is decoded in windows of 16 MiB, each once, into strings with one UTF-16 unit per byte; names become
 * slices of them (a memchr-speed search for the NUL, no copy). Names holding bytes >= 0x80 are still
 * decoded as UTF-8, and the first lookups, names crossing a window's end and unterminated names go through
 * `ByteReader.cstringAt`, so results and errors are exactly its own. Windows keep huge tables below V8's
 * string length limit.
 */
import { type ByteOrder, ByteReader } from '../internal/bytes.js';

/** Lookups served one string at a time before windows are decoded. */
const LOOKUPS_BEFORE_WINDOWS = 16;
/** Bytes per decoded window. */
const WINDOW_BYTES = 1 << 24;
/** Bytes per `String.fromCharCode` call when no byte-preserving TextDecoder exists. */
const CHUNK = 4096;

/** Matches any character outside ASCII (in the byte-per-unit text, exactly the bytes >= 0x80). */
const NON_ASCII = /[\u0080-\uffff]/;

/** What this file needs of a `TextDecoder`. */
interface Decoder {
  decode(bytes: Uint8Array): string;
}

/** Decodes `bytes` with one UTF-16 unit per byte; ASCII bytes map to themselves, others to non-ASCII. */
function decodeBytePerUnit(bytes: Uint8Array, latin1: Decoder | undefined): string {
  if (latin1 !== undefined) {
    const text = latin1.decode(bytes);
    if (text.length === bytes.byteLength) return text;
  }
  let text = '';
  for (let i = 0; i < bytes.byteLength; i += CHUNK) {
    const chunk = bytes.subarray(i, Math.min(bytes.byteLength, i + CHUNK));
    text += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return text;
}

/** A `latin1` (or its WHATWG alias windows-1252) decoder, or `undefined` where the runtime has none. */
function latin1Decoder(): Decoder | undefined {
  try {
    return new TextDecoder('latin1');
  } catch {
    return undefined;
  }
}

const latin1 = latin1Decoder();
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** One decoded window: its bytes as text, one unit per byte. */
interface Window {
  readonly start: number;
  readonly text: string;
  /** Whether the window holds any byte >= 0x80 (names containing one are decoded as UTF-8). */
  readonly hasNonAscii: boolean;
}

/** Decodes `bytes` (the window starting at table offset `start`). */
function decodeWindow(bytes: Uint8Array, start: number): Window {
  // The common case, all ASCII: UTF-8 decoding (SIMD-validated) gives one unit per byte. Any byte >= 0x80
  // either shortens the text (multi-byte sequences) or leaves a U+FFFD (invalid bytes).
  const ascii = utf8.decode(bytes);
  if (ascii.length === bytes.byteLength && !ascii.includes('\uFFFD')) {
    return { start, text: ascii, hasNonAscii: false };
  }
  return { start, text: decodeBytePerUnit(bytes, latin1), hasNonAscii: true };
}

/** Bounds-checked lookups into one string table; a bad offset is a `ParseError` naming the table. */
export class StringTable {
  private readonly reader: ByteReader;
  private lookups = 0;
  /** Decoded windows by index (`offset / WINDOW_BYTES`), filled on first use. */
  private readonly windows: (Window | undefined)[] = [];

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
    if (
      this.lookups < LOOKUPS_BEFORE_WINDOWS ||
      !(Number.isInteger(offset) && offset >= 0 && offset < this.reader.length)
    ) {
      this.lookups++;
      return this.reader.cstringAt(offset, 'string');
    }
    const index = Math.floor(offset / WINDOW_BYTES);
    const window = this.windows[index] ?? this.decode(index);
    const from = offset - window.start;
    const end = window.text.indexOf('\0', from);
    if (end < 0) return this.reader.cstringAt(offset, 'string'); // crosses the window's end, or unterminated
    if (window.hasNonAscii && NON_ASCII.test(window.text.slice(from, end))) {
      return utf8.decode(this.reader.bytes.subarray(offset, offset + (end - from)));
    }
    return window.text.slice(from, end);
  }

  /** Decodes and keeps window `index`. */
  private decode(index: number): Window {
    const start = index * WINDOW_BYTES;
    const bytes = this.reader.bytes;
    const window = decodeWindow(
      bytes.subarray(start, Math.min(bytes.byteLength, start + WINDOW_BYTES)),
      start,
    );
    this.windows[index] = window;
    return window;
  }
}
