/**
 * Key/value codecs: how a JavaScript value becomes the fixed-size bytes of a map key or value and back.
 * Every codec has a fixed `size`; `encode` writes exactly `size` bytes into `out` and `decode` reads a view
 * of exactly `size` bytes (which may sit at any `byteOffset` inside a larger buffer). Numbers use the host
 * byte order, as the kernel does. The built-in codecs also implement `encodeAt`/`decodeAt` so batch
 * operations can work on big buffers without creating a subarray per element, and the number codecs
 * `encodeView`/`decodeView`, which maps call with the DataView they keep over each of their buffers (a
 * DataView reads and writes a u64 without assembling it from 32-bit halves). `bindBuffer` picks the
 * fastest methods a codec has, once per buffer.
 */
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';

/** Converts between `T` and exactly `size` bytes. */
export interface Codec<T> {
  /** Encoded size in bytes. */
  readonly size: number;
  /** Writes `value` into `out` (a view of exactly `size` bytes). */
  encode(value: T, out: Uint8Array): void;
  /** Reads a value from `bytes` (a view of exactly `size` bytes). */
  decode(bytes: Uint8Array): T;
  /** Optional fast path: writes `value` at `buf[offset]`. */
  encodeAt?(value: T, buf: Uint8Array, offset: number): void;
  /** Optional fast path: reads a value at `buf[offset]`. */
  decodeAt?(buf: Uint8Array, offset: number): T;
  /** Optional fastest path: writes `value` at byte `offset` of `view` (a DataView over a whole buffer). */
  encodeView?(value: T, view: DataView, offset: number): void;
  /** Optional fastest path: reads a value at byte `offset` of `view`. */
  decodeView?(view: DataView, offset: number): T;
  /**
   * Optional bulk read for batches: appends to `out` the `count` values placed `stride` bytes apart from
   * `buf[offset]`. The raw byte codecs return views into ONE copy of the whole run (one allocation per
   * batch instead of one per value; the views share that copy's ArrayBuffer, so mind `byteOffset`).
   */
  decodeMany?(buf: Uint8Array, offset: number, stride: number, count: number, out: T[]): void;
}

const LE = hostByteOrder === 'little';

function invalid(what: string, value: unknown): EbpfError {
  return new EbpfError(`codec ${what}: invalid value ${String(value)}`, 'EINVAL');
}

function rawMismatch(size: number, value: unknown): EbpfError {
  const got = value instanceof Uint8Array ? `${value.byteLength} bytes` : typeof value;
  return new EbpfError(`codec raw(${size}): got ${got}`, 'EINVAL');
}

/** Largest copy done byte by byte into a fresh array; longer ones use `slice` (its fixed cost pays off). */
const LOOP_COPY_MAX = 8;

/**
 * A fresh copy of `size` bytes at `buf[offset]`. `new Uint8Array(view)` is the cheapest copy when the view
 * is exactly the bytes wanted; for a range inside a bigger buffer a byte loop beats `slice` up to 8 bytes.
 */
function copyBytes(buf: Uint8Array, offset: number, size: number): Uint8Array {
  if (offset === 0 && buf.length === size) return new Uint8Array(buf);
  if (size > LOOP_COPY_MAX) return buf.slice(offset, offset + size);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = buf[offset + i]!;
  return out;
}

/** Writes `value` at `buf[offset]`: byte by byte when short (cheaper than `set`'s fixed cost), else `set`. */
function putBytes(value: Uint8Array, buf: Uint8Array, offset: number): void {
  const n = value.length;
  if (n > LOOP_COPY_MAX) buf.set(value, offset);
  else for (let i = 0; i < n; i++) buf[offset + i] = value[i]!;
}

/** Views of `size` bytes every `stride` bytes into one copy of the run at `buf[offset]` (see `decodeMany`). */
function viewsOfCopy(
  buf: Uint8Array,
  offset: number,
  stride: number,
  count: number,
  size: number,
  out: Uint8Array[],
): void {
  if (count <= 0) return;
  const copy = buf.slice(offset, offset + (count - 1) * stride + size);
  const ab = copy.buffer;
  for (let i = 0; i < count; i++) out.push(new Uint8Array(ab, i * stride, size));
}

/**
 * Raw bytes of exactly `size`: `encode` requires a Uint8Array of that length, `decode` returns a copy
 * (batch reads: views into one copy per batch, see `Codec.decodeMany`).
 */
export function raw(size: number): Codec<Uint8Array> {
  checkSize(size);
  const encodeAt = (value: Uint8Array, buf: Uint8Array, offset: number): void => {
    if (!(value instanceof Uint8Array) || value.length !== size) throw rawMismatch(size, value);
    putBytes(value, buf, offset);
  };
  return {
    size,
    encode: (value, out) => encodeAt(value, out, 0),
    decode: (bytes) => copyBytes(bytes, 0, size),
    encodeAt,
    decodeAt: (buf, offset) => copyBytes(buf, offset, size),
    decodeMany: (buf, offset, stride, count, out) => viewsOfCopy(buf, offset, stride, count, size, out),
  };
}

/**
 * Up to `size` raw bytes: shorter inputs are zero-padded (handy for `char[N]` keys); `decode` returns a copy
 * of all `size` bytes (batch reads: views into one copy per batch, as for `raw`).
 */
export function bytes(size: number): Codec<Uint8Array> {
  checkSize(size);
  const encodeAt = (value: Uint8Array, buf: Uint8Array, offset: number): void => {
    if (!(value instanceof Uint8Array) || value.length > size)
      throw new EbpfError(
        `codec bytes(${size}): got ${String(value?.byteLength ?? typeof value)} bytes`,
        'EINVAL',
      );
    putBytes(value, buf, offset);
    if (size - value.length > LOOP_COPY_MAX) buf.fill(0, offset + value.length, offset + size);
    else for (let i = value.length; i < size; i++) buf[offset + i] = 0;
  };
  return {
    size,
    encode: (value, out) => encodeAt(value, out, 0),
    decode: (b) => copyBytes(b, 0, size),
    encodeAt,
    decodeAt: (buf, offset) => copyBytes(buf, offset, size),
    decodeMany: (buf, offset, stride, count, out) => viewsOfCopy(buf, offset, stride, count, size, out),
  };
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** A NUL-padded UTF-8 string in a `char[size]` field; decoding stops at the first NUL. */
export function cstring(size: number): Codec<string> {
  checkSize(size);
  const encodeAt = (value: string, buf: Uint8Array, offset: number): void => {
    const b = utf8Encoder.encode(value);
    if (b.byteLength > size) throw new EbpfError(`codec cstring(${size}): string too long`, 'EINVAL');
    buf.set(b, offset);
    buf.fill(0, offset + b.byteLength, offset + size);
  };
  const decodeAt = (buf: Uint8Array, offset: number): string => {
    const s = buf.subarray(offset, offset + size);
    const end = s.indexOf(0);
    return utf8Decoder.decode(end < 0 ? s : s.subarray(0, end));
  };
  return { size, encode: (v, out) => encodeAt(v, out, 0), decode: (b) => decodeAt(b, 0), encodeAt, decodeAt };
}

function checkSize(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) throw new EbpfError(`codec: invalid size ${size}`, 'EINVAL');
}

function readU32(b: Uint8Array, o: number): number {
  return LE
    ? (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
    : ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  if (LE) {
    b[o] = v;
    b[o + 1] = v >>> 8;
    b[o + 2] = v >>> 16;
    b[o + 3] = v >>> 24;
  } else {
    b[o] = v >>> 24;
    b[o + 1] = v >>> 16;
    b[o + 2] = v >>> 8;
    b[o + 3] = v;
  }
}

function intCodec(
  name: string,
  size: number,
  check: (v: number) => boolean,
  decodeAt: (b: Uint8Array, o: number) => number,
  writeAt: (b: Uint8Array, o: number, v: number) => void,
  decodeView: (view: DataView, o: number) => number,
  writeView: (view: DataView, o: number, v: number) => void,
): Codec<number> {
  const encodeAt = (v: number, buf: Uint8Array, o: number): void => {
    if (!check(v)) throw invalid(name, v);
    writeAt(buf, o, v);
  };
  return {
    size,
    encode: (v, out) => encodeAt(v, out, 0),
    decode: (b) => decodeAt(b, 0),
    encodeAt,
    decodeAt,
    encodeView: (v, view, o) => {
      if (!check(v)) throw invalid(name, v);
      writeView(view, o, v);
    },
    decodeView,
  };
}

/** An unsigned 8-bit integer. */
export const u8: Codec<number> = intCodec(
  'u8',
  1,
  (v) => (v & 0xff) === v,
  (b, o) => b[o]!,
  (b, o, v) => {
    b[o] = v;
  },
  (view, o) => view.getUint8(o),
  (view, o, v) => view.setUint8(o, v),
);

/** An unsigned 16-bit integer (host byte order). */
export const u16: Codec<number> = intCodec(
  'u16',
  2,
  (v) => (v & 0xffff) === v,
  (b, o) => (LE ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!),
  (b, o, v) => {
    b[o + (LE ? 0 : 1)] = v;
    b[o + (LE ? 1 : 0)] = v >>> 8;
  },
  (view, o) => view.getUint16(o, LE),
  (view, o, v) => view.setUint16(o, v, LE),
);

/** An unsigned 32-bit integer (host byte order). */
export const u32: Codec<number> = intCodec(
  'u32',
  4,
  (v) => v >>> 0 === v,
  readU32,
  writeU32,
  (view, o) => view.getUint32(o, LE),
  (view, o, v) => view.setUint32(o, v, LE),
);

/** A signed 32-bit integer (host byte order). */
export const i32: Codec<number> = intCodec(
  'i32',
  4,
  (v) => (v | 0) === v,
  (b, o) => readU32(b, o) | 0,
  writeU32,
  (view, o) => view.getInt32(o, LE),
  (view, o, v) => view.setInt32(o, v, LE),
);

function bigCodec(name: string, signed: boolean): Codec<bigint> {
  const check = (v: bigint): void => {
    if (typeof v !== 'bigint' || (signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)) !== v)
      throw invalid(name, v);
  };
  const encodeAt = (v: bigint, buf: Uint8Array, o: number): void => {
    check(v);
    const u = BigInt.asUintN(64, v);
    const lo = Number(u & 0xffffffffn);
    const hi = Number(u >> 32n);
    writeU32(buf, o + (LE ? 0 : 4), lo);
    writeU32(buf, o + (LE ? 4 : 0), hi);
  };
  const decodeAt = (b: Uint8Array, o: number): bigint => {
    const lo = readU32(b, o + (LE ? 0 : 4));
    const hi = readU32(b, o + (LE ? 4 : 0));
    const u = (BigInt(hi) << 32n) | BigInt(lo);
    return signed ? BigInt.asIntN(64, u) : u;
  };
  return {
    size: 8,
    encode: (v, out) => encodeAt(v, out, 0),
    decode: (b) => decodeAt(b, 0),
    encodeAt,
    decodeAt,
    encodeView: signed
      ? (v, view, o) => {
          check(v);
          view.setBigInt64(o, v, LE);
        }
      : (v, view, o) => {
          check(v);
          view.setBigUint64(o, v, LE);
        },
    decodeView: signed ? (view, o) => view.getBigInt64(o, LE) : (view, o) => view.getBigUint64(o, LE),
  };
}

/** An unsigned 64-bit integer as a bigint (host byte order). */
export const u64: Codec<bigint> = bigCodec('u64', false);

/** A signed 64-bit integer as a bigint (host byte order). */
export const i64: Codec<bigint> = bigCodec('i64', true);

/** Writes `value` with `codec` at `buf[offset]`, using the codec's fast path when it has one. */
export function encodeAt<T>(codec: Codec<T>, value: T, buf: Uint8Array, offset: number): void {
  if (codec.encodeAt) codec.encodeAt(value, buf, offset);
  else codec.encode(value, buf.subarray(offset, offset + codec.size));
}

/** Reads a value with `codec` at `buf[offset]`, using the codec's fast path when it has one. */
export function decodeAt<T>(codec: Codec<T>, buf: Uint8Array, offset: number): T {
  return codec.decodeAt
    ? codec.decodeAt(buf, offset)
    : codec.decode(buf.subarray(offset, offset + codec.size));
}

/** A DataView over exactly the bytes of `buf`. */
export function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** A codec bound to one buffer: reads and writes values at byte offsets of it. */
export interface BufferCodec<T> {
  read(offset: number): T;
  write(value: T, offset: number): void;
  /** Appends the `count` values placed `stride` bytes apart from `offset` to `out` (`decodeMany` if any). */
  readMany(offset: number, stride: number, count: number, out: T[]): void;
}

/** Reads and writes with `decodeView`/`encodeView` on the DataView. */
class ViewAccess<T> implements BufferCodec<T> {
  readonly #codec: Required<Pick<Codec<T>, 'decodeView' | 'encodeView'>> & Codec<T>;
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  constructor(
    codec: Required<Pick<Codec<T>, 'decodeView' | 'encodeView'>> & Codec<T>,
    buf: Uint8Array,
    view: DataView,
  ) {
    this.#codec = codec;
    this.#buf = buf;
    this.#view = view;
  }
  read(offset: number): T {
    return this.#codec.decodeView(this.#view, offset);
  }
  write(value: T, offset: number): void {
    this.#codec.encodeView(value, this.#view, offset);
  }
  readMany(offset: number, stride: number, count: number, out: T[]): void {
    readMany(this.#codec, this.#buf, this, offset, stride, count, out);
  }
}

/** Reads and writes with `decodeAt`/`encodeAt` on the Uint8Array. */
class OffsetAccess<T> implements BufferCodec<T> {
  readonly #codec: Required<Pick<Codec<T>, 'decodeAt' | 'encodeAt'>> & Codec<T>;
  readonly #buf: Uint8Array;
  constructor(codec: Required<Pick<Codec<T>, 'decodeAt' | 'encodeAt'>> & Codec<T>, buf: Uint8Array) {
    this.#codec = codec;
    this.#buf = buf;
  }
  read(offset: number): T {
    return this.#codec.decodeAt(this.#buf, offset);
  }
  write(value: T, offset: number): void {
    this.#codec.encodeAt(value, this.#buf, offset);
  }
  readMany(offset: number, stride: number, count: number, out: T[]): void {
    readMany(this.#codec, this.#buf, this, offset, stride, count, out);
  }
}

/** Reads and writes with `decode`/`encode` on exactly the value's bytes. */
class WholeAccess<T> implements BufferCodec<T> {
  readonly #codec: Codec<T>;
  readonly #buf: Uint8Array;
  constructor(codec: Codec<T>, buf: Uint8Array) {
    this.#codec = codec;
    this.#buf = buf;
  }
  #bytes(offset: number): Uint8Array {
    const size = this.#codec.size;
    return offset === 0 && this.#buf.length === size ? this.#buf : this.#buf.subarray(offset, offset + size);
  }
  read(offset: number): T {
    return this.#codec.decode(this.#bytes(offset));
  }
  write(value: T, offset: number): void {
    this.#codec.encode(value, this.#bytes(offset));
  }
  readMany(offset: number, stride: number, count: number, out: T[]): void {
    readMany(this.#codec, this.#buf, this, offset, stride, count, out);
  }
}

function readMany<T>(
  codec: Codec<T>,
  buf: Uint8Array,
  access: BufferCodec<T>,
  offset: number,
  stride: number,
  count: number,
  out: T[],
): void {
  if (codec.decodeMany !== undefined) codec.decodeMany(buf, offset, stride, count, out);
  else for (let i = 0; i < count; i++) out.push(access.read(offset + i * stride));
}

function hasViewMethods<T>(
  c: Codec<T>,
): c is Required<Pick<Codec<T>, 'decodeView' | 'encodeView'>> & Codec<T> {
  return c.decodeView !== undefined && c.encodeView !== undefined;
}

function hasOffsetMethods<T>(c: Codec<T>): c is Required<Pick<Codec<T>, 'decodeAt' | 'encodeAt'>> & Codec<T> {
  return c.decodeAt !== undefined && c.encodeAt !== undefined;
}

/**
 * `codec` bound to `buf` (`view` must cover the same bytes), using the codec's fastest pair of methods,
 * picked once: `decodeView`/`encodeView`, else `decodeAt`/`encodeAt`, else `decode`/`encode` of a subarray.
 */
export function bindBuffer<T>(codec: Codec<T>, buf: Uint8Array, view: DataView): BufferCodec<T> {
  if (hasViewMethods(codec)) return new ViewAccess(codec, buf, view);
  if (hasOffsetMethods(codec)) return new OffsetAccess(codec, buf);
  return new WholeAccess(codec, buf);
}
