/**
 * Writing a map spec's initial contents into a created map. Keys and values are raw `Uint8Array`s, or
 * integers (`number`/`bigint`) encoded in the map's key/value size (1, 2, 4 or 8 bytes, host order), or —
 * for map-in-maps and prog arrays — the name of a map or program of the collection, stored as its fd.
 * Keyless maps (queue, stack, bloom filter) push the values.
 */
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import type { BpfMap, MapEntry } from '../maps/index.js';

/** Resolves a name in a content entry to the fd of a loaded map or program. */
export type NameResolver = (name: string) => number;

function encodeInteger(what: string, value: number | bigint, size: number): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new EbpfError(`${what}: ${value} is not an integer`, 'EINVAL');
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
    throw new EbpfError(`${what}: an integer cannot fill ${size} bytes; use a Uint8Array`, 'EINVAL');
  }
  const n = BigInt(value);
  if (n < -(1n << BigInt(size * 8 - 1)) || n >= 1n << BigInt(size * 8)) {
    throw new EbpfError(`${what}: ${n} does not fit in ${size} bytes`, 'EINVAL');
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const u = BigInt.asUintN(size * 8, n);
  const little = hostByteOrder === 'little';
  if (size === 1) view.setUint8(0, Number(u));
  else if (size === 2) view.setUint16(0, Number(u), little);
  else if (size === 4) view.setUint32(0, Number(u), little);
  else view.setBigUint64(0, u, little);
  return out;
}

function encode(what: string, x: unknown, size: number, resolve: NameResolver | undefined): Uint8Array {
  if (x instanceof Uint8Array) {
    if (x.byteLength !== size)
      throw new EbpfError(`${what}: ${x.byteLength} bytes, expected ${size}`, 'EINVAL');
    return x;
  }
  if (typeof x === 'number' || typeof x === 'bigint') return encodeInteger(what, x, size);
  if (typeof x === 'string' && resolve !== undefined) return encodeInteger(what, resolve(x), size);
  throw new EbpfError(`${what}: unsupported ${typeof x} (use a Uint8Array, a number or a bigint)`, 'EINVAL');
}

/** True when some entry's value is a name (a map or program reference). */
export function hasNamedValues(entries: readonly MapEntry[] | undefined): boolean {
  return entries?.some(([, v]) => typeof v === 'string') ?? false;
}

/** Writes `entries` into `map`; names in values are resolved with `resolve`. */
export function writeContents(map: BpfMap, entries: readonly MapEntry[], resolve: NameResolver): void {
  entries.forEach(([key, value], i) => {
    const what = `contents[${i}]`;
    const v = encode(`${what} value`, value, map.valueSize, resolve);
    if (map.keySize === 0) map.push(v);
    else map.update(encode(`${what} key`, key, map.keySize, undefined), v);
  });
}
