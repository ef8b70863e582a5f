/**
 * Helpers called by BTF codecs at run time (both the compiled and the closure-based ones): C strings,
 * raw bytes, 128-bit integers, bitfields wider than 32 bits, enum names and value errors. The `gen`
 * command emits TypeScript copies of the same helpers into generated modules (src/cli/gen-helpers.ts);
 * tests check both produce the same bytes. Pure.
 */
import { EbpfError } from '../errors.js';

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** The error thrown for a value that does not fit its field: `codec <where>: expected <what>, got <v>`. */
export function fail(where: string, expected: string, value: unknown): EbpfError {
  return new EbpfError(`codec ${where}: expected ${expected}, got ${showValue(value)}`, 'EINVAL');
}

function showValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (value === null || typeof value !== 'object') return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength} bytes)`;
  return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
}

const fromCharCode = String.fromCharCode;

/**
 * Decodes `char[n]` at `u[o]`: UTF-8 up to the first NUL (invalid sequences become U+FFFD). ASCII, the
 * common case (task names, paths), is built 8 characters at a time without a temporary view, which is
 * about twice as fast as `TextDecoder` for short strings.
 */
export function readString(u: Uint8Array, o: number, n: number): string {
  let end = o;
  let high = 0;
  const limit = o + n;
  while (end < limit) {
    const c = u[end]!;
    if (c === 0) break;
    high |= c;
    end++;
  }
  if (high > 0x7f) return utf8Decoder.decode(u.subarray(o, end));
  let s = '';
  let i = o;
  for (; i + 8 <= end; i += 8)
    s += fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!, u[i + 5]!, u[i + 6]!, u[i + 7]!);
  switch (end - i) {
    case 7:
      return s + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!, u[i + 5]!, u[i + 6]!);
    case 6:
      return s + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!, u[i + 5]!);
    case 5:
      return s + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!, u[i + 4]!);
    case 4:
      return s + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!, u[i + 3]!);
    case 3:
      return s + fromCharCode(u[i]!, u[i + 1]!, u[i + 2]!);
    case 2:
      return s + fromCharCode(u[i]!, u[i + 1]!);
    case 1:
      return s + fromCharCode(u[i]!);
    default:
      return s;
  }
}

/**
 * Encodes `s` as UTF-8 into `char[n]` at `u[o]` (the rest is left as is: the codec zero-fills records
 * first). A string of exactly `n` bytes has no NUL terminator, as with `strncpy`.
 */
export function writeString(u: Uint8Array, o: number, n: number, s: unknown, where: string): void {
  if (typeof s !== 'string') throw fail(where, `a string of at most ${n} UTF-8 bytes`, s);
  const len = s.length;
  if (len <= n) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      u[o + i] = c;
    }
    if (i === len) return;
  }
  const r = utf8Encoder.encodeInto(s, u.subarray(o, o + n));
  if (r.read !== len) throw fail(where, `a string of at most ${n} UTF-8 bytes`, s);
}

/** Copies `b` (a Uint8Array of at most `n` bytes) to `u[o]`; shorter input leaves the rest zero. */
export function writeBytes(u: Uint8Array, o: number, n: number, b: unknown, where: string): void {
  if (!(b instanceof Uint8Array) || b.byteLength > n)
    throw fail(where, `a Uint8Array of at most ${n} bytes`, b);
  u.set(b, o);
}

/** Reads a 128-bit integer as a bigint. */
export function readInt128(v: DataView, o: number, le: boolean, signed: boolean): bigint {
  const lo = v.getBigUint64(le ? o : o + 8, le);
  const hi = v.getBigUint64(le ? o + 8 : o, le);
  const x = (hi << 64n) | lo;
  return signed ? BigInt.asIntN(128, x) : x;
}

/** Writes a 128-bit integer (already range-checked). */
export function writeInt128(v: DataView, o: number, le: boolean, x: bigint): void {
  const u = BigInt.asUintN(128, x);
  v.setBigUint64(le ? o : o + 8, BigInt.asUintN(64, u), le);
  v.setBigUint64(le ? o + 8 : o, u >> 64n, le);
}

function readStorage(u: Uint8Array, o: number, k: number, le: boolean): bigint {
  let x = 0n;
  for (let i = 0; i < k; i++) x = (x << 8n) | BigInt(u[le ? o + k - 1 - i : o + i] as number);
  return x;
}

/**
 * Reads a bitfield spanning `k` bytes at `u[o]` (more than 4): `shift` is the distance of its lowest
 * bit from the storage's least significant bit, `bits` its width.
 */
export function readBits(
  u: Uint8Array,
  o: number,
  k: number,
  le: boolean,
  shift: number,
  bits: number,
  signed: boolean,
): bigint {
  const x = readStorage(u, o, k, le) >> BigInt(shift);
  return signed ? BigInt.asIntN(bits, x) : BigInt.asUintN(bits, x);
}

/** Writes a bitfield spanning `k` bytes at `u[o]` (see `readBits`); `x` is already range-checked. */
export function writeBits(
  u: Uint8Array,
  o: number,
  k: number,
  le: boolean,
  shift: number,
  bits: number,
  x: bigint,
): void {
  const sh = BigInt(shift);
  const mask = ((1n << BigInt(bits)) - 1n) << sh;
  let s = (readStorage(u, o, k, le) & ~mask) | ((BigInt.asUintN(bits, x) << sh) & mask);
  for (let i = 0; i < k; i++) {
    u[le ? o + i : o + k - 1 - i] = Number(s & 0xffn);
    s >>= 8n;
  }
}

/** An enum value's enumerator name, or the value itself when no enumerator has it. */
export function enumName(
  names: ReadonlyMap<number | bigint, string>,
  x: number | bigint,
): string | number | bigint {
  const n = names.get(x);
  return n === undefined ? x : n;
}

/** The value of enumerator `name`; throws when the enum has no such enumerator. */
export function enumValue(
  values: ReadonlyMap<string, number | bigint>,
  name: string,
  where: string,
): number | bigint {
  const x = values.get(name);
  if (x === undefined) throw fail(where, `one of ${[...values.keys()].slice(0, 8).join(', ')}`, name);
  return x;
}

/** The runtime helpers as one object (passed to compiled codecs). */
export const codecHelpers = {
  fail,
  readString,
  writeString,
  writeBytes,
  readInt128,
  writeInt128,
  readBits,
  writeBits,
  enumName,
  enumValue,
} as const;

/** Name of a runtime helper. */
export type HelperName = keyof typeof codecHelpers;
