/**
 * Key/value codecs: how a JavaScript value becomes the fixed-size bytes of a map key or value and back.
 * Every codec has a fixed `size`; `encode` writes exactly `size` bytes into `out` and `decode` reads a view
 * of exactly `size` bytes (which may sit at any `byteOffset` inside a larger buffer). Numbers use the host
 * byte order, as the kernel does. The built-in codecs also implement `encodeAt`/`decodeAt` so batch
 * operations can work on big buffers without creating a subarray per element.
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
}

const LE = hostByteOrder === 'little';

function invalid(what: string, value: unknown): EbpfError {
  return new EbpfError(`codec ${what}: invalid value ${String(value)}`, 'EINVAL');
}

function rawMismatch(size: number, value: unknown): EbpfError {
  const got = value instanceof Uint8Array ? `${value.byteLength} bytes` : typeof value;
  return new EbpfError(`codec raw(${size}): got ${got}`, 'EINVAL');
}

/** Raw bytes of exactly `size`: `encode` requires a Uint8Array of that length, `decode` returns a copy. */
export function raw(size: number): Codec<Uint8Array> {
  checkSize(size);
  return {
    size,
    encode(value, out) {
      if (!(value instanceof Uint8Array) || value.byteLength !== size) throw rawMismatch(size, value);
      out.set(value);
    },
    decode: (bytes) => bytes.slice(0, size),
    encodeAt(value, buf, offset) {
      if (!(value instanceof Uint8Array) || value.byteLength !== size) throw rawMismatch(size, value);
      buf.set(value, offset);
    },
    decodeAt: (buf, offset) => buf.slice(offset, offset + size),
  };
}

/**
 * Up to `size` raw bytes: shorter inputs are zero-padded (handy for `char[N]` keys); `decode` returns a copy
 * of all `size` bytes.
 */
export function bytes(size: number): Codec<Uint8Array> {
  checkSize(size);
  const encodeAt = (value: Uint8Array, buf: Uint8Array, offset: number): void => {
    if (!(value instanceof Uint8Array) || value.byteLength > size)
      throw new EbpfError(
        `codec bytes(${size}): got ${String(value?.byteLength ?? typeof value)} bytes`,
        'EINVAL',
      );
    buf.set(value, offset);
    buf.fill(0, offset + value.byteLength, offset + size);
  };
  return {
    size,
    encode: (value, out) => encodeAt(value, out, 0),
    decode: (b) => b.slice(0, size),
    encodeAt,
    decodeAt: (buf, offset) => buf.slice(offset, offset + size),
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
);

/** An unsigned 32-bit integer (host byte order). */
export const u32: Codec<number> = intCodec('u32', 4, (v) => v >>> 0 === v, readU32, writeU32);

/** A signed 32-bit integer (host byte order). */
export const i32: Codec<number> = intCodec(
  'i32',
  4,
  (v) => (v | 0) === v,
  (b, o) => readU32(b, o) | 0,
  writeU32,
);

function bigCodec(name: string, signed: boolean): Codec<bigint> {
  const encodeAt = (v: bigint, buf: Uint8Array, o: number): void => {
    if (typeof v !== 'bigint' || (signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)) !== v)
      throw invalid(name, v);
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
