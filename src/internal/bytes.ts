/**
 * Bounds-checked binary reading and writing with explicit byte order. Every parser in ebpf-ts reads
 * through `ByteReader`, so a bad offset or length becomes a `ParseError` naming the section and offset,
 * never a `RangeError`. Pure: no node:* imports.
 */
import { ParseError } from '../errors.js';

/** Byte order of a binary object. */
export type ByteOrder = 'little' | 'big';

/** The byte order of the machine running this code. */
export const hostByteOrder: ByteOrder =
  new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 'little' : 'big';

/** A bounds-checked cursor over a byte range. `base` is the absolute offset of `bytes[0]` for errors. */
export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly littleEndian: boolean;
  readonly section: string;
  readonly base: number;
  pos = 0;

  constructor(bytes: Uint8Array, order: ByteOrder, section: string, base = 0) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.littleEndian = order === 'little';
    this.section = section;
    this.base = base;
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  get remaining(): number {
    return this.bytes.byteLength - this.pos;
  }

  /** A `ParseError` at `offset` (relative to this reader) in this reader's section. */
  error(detail: string, offset = this.pos): ParseError {
    return new ParseError(this.section, this.base + offset, detail);
  }

  /** Throws unless `[offset, offset+size)` lies inside the buffer. */
  check(offset: number, size: number, what = 'data'): void {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(size) ||
      offset < 0 ||
      size < 0 ||
      offset + size > this.bytes.byteLength
    ) {
      throw this.error(
        `${what} (${size} bytes) out of bounds (length ${this.bytes.byteLength})`,
        Number.isSafeInteger(offset) ? offset : 0,
      );
    }
  }

  seek(offset: number): this {
    this.check(offset, 0, 'seek');
    this.pos = offset;
    return this;
  }

  skip(n: number): this {
    this.check(this.pos, n, 'skip');
    this.pos += n;
    return this;
  }

  u8At(o: number): number {
    this.check(o, 1, 'u8');
    return this.view.getUint8(o);
  }
  u16At(o: number): number {
    this.check(o, 2, 'u16');
    return this.view.getUint16(o, this.littleEndian);
  }
  i16At(o: number): number {
    this.check(o, 2, 'i16');
    return this.view.getInt16(o, this.littleEndian);
  }
  u32At(o: number): number {
    this.check(o, 4, 'u32');
    return this.view.getUint32(o, this.littleEndian);
  }
  i32At(o: number): number {
    this.check(o, 4, 'i32');
    return this.view.getInt32(o, this.littleEndian);
  }
  u64At(o: number): bigint {
    this.check(o, 8, 'u64');
    return this.view.getBigUint64(o, this.littleEndian);
  }
  i64At(o: number): bigint {
    this.check(o, 8, 'i64');
    return this.view.getBigInt64(o, this.littleEndian);
  }
  /** A u64 that must fit in a safe integer (offsets, sizes); larger values are a ParseError. */
  u64NumAt(o: number, what = 'u64'): number {
    const v = this.u64At(o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error(`${what} ${v} too large`, o);
    return Number(v);
  }

  u8(): number {
    const v = this.u8At(this.pos);
    this.pos += 1;
    return v;
  }
  u16(): number {
    const v = this.u16At(this.pos);
    this.pos += 2;
    return v;
  }
  i16(): number {
    const v = this.i16At(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    const v = this.u32At(this.pos);
    this.pos += 4;
    return v;
  }
  i32(): number {
    const v = this.i32At(this.pos);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.u64At(this.pos);
    this.pos += 8;
    return v;
  }
  i64(): bigint {
    const v = this.i64At(this.pos);
    this.pos += 8;
    return v;
  }
  u64Num(what = 'u64'): number {
    const v = this.u64NumAt(this.pos, what);
    this.pos += 8;
    return v;
  }

  /** A zero-copy view of `[offset, offset+size)`. */
  bytesAt(offset: number, size: number, what = 'bytes'): Uint8Array {
    this.check(offset, size, what);
    return this.bytes.subarray(offset, offset + size);
  }

  /** A sub-reader over `[offset, offset+size)` with its own section name; errors report absolute offsets. */
  sub(offset: number, size: number, section = this.section): ByteReader {
    this.check(offset, size, section);
    const r = new ByteReader(
      this.bytes.subarray(offset, offset + size),
      this.littleEndian ? 'little' : 'big',
      section,
      this.base + offset,
    );
    return r;
  }

  /** A NUL-terminated string starting at `offset`; missing terminator is a ParseError. */
  cstringAt(offset: number, what = 'string'): string {
    this.check(offset, 0, what);
    const end = this.bytes.indexOf(0, offset);
    if (end < 0) throw this.error(`${what} not NUL-terminated`, offset);
    return decodeLatin1OrUtf8(this.bytes, offset, end);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function decodeLatin1OrUtf8(bytes: Uint8Array, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if ((bytes[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    let s = '';
    for (let i = start; i < end; i += 4096) {
      s += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 4096)));
    }
    return s;
  }
  return utf8.decode(bytes.subarray(start, end));
}

/** A growable little/big-endian writer (used by the BTF marshaller, instruction encoder, attr builders). */
export class ByteWriter {
  private buf: Uint8Array;
  private dv: DataView;
  readonly littleEndian: boolean;
  length = 0;

  constructor(order: ByteOrder = hostByteOrder, initial = 256) {
    this.buf = new Uint8Array(Math.max(16, initial));
    this.dv = new DataView(this.buf.buffer);
    this.littleEndian = order === 'little';
  }

  private reserve(n: number): number {
    const at = this.length;
    const need = at + n;
    if (need > this.buf.byteLength) {
      let cap = this.buf.byteLength * 2;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    this.length = need;
    return at;
  }

  u8(v: number): this {
    const at = this.reserve(1);
    this.dv.setUint8(at, v);
    return this;
  }
  u16(v: number): this {
    const at = this.reserve(2);
    this.dv.setUint16(at, v, this.littleEndian);
    return this;
  }
  u32(v: number): this {
    const at = this.reserve(4);
    this.dv.setUint32(at, v >>> 0, this.littleEndian);
    return this;
  }
  i32(v: number): this {
    const at = this.reserve(4);
    this.dv.setInt32(at, v | 0, this.littleEndian);
    return this;
  }
  u64(v: bigint): this {
    const at = this.reserve(8);
    this.dv.setBigUint64(at, BigInt.asUintN(64, v), this.littleEndian);
    return this;
  }
  bytes(b: Uint8Array): this {
    const at = this.reserve(b.byteLength);
    this.buf.set(b, at);
    return this;
  }
  zeros(n: number): this {
    const at = this.reserve(n);
    this.buf.fill(0, at, at + n);
    return this;
  }
  /** Pads with zeros to a multiple of `align`. */
  align(align: number): this {
    const rem = this.length % align;
    if (rem !== 0) this.zeros(align - rem);
    return this;
  }
  /** Overwrites a u32 at an earlier offset. */
  patchU32(offset: number, v: number): this {
    this.dv.setUint32(offset, v >>> 0, this.littleEndian);
    return this;
  }
  /** A copy of the written bytes. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
