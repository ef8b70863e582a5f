/**
 * Encoding JavaScript values into the bytes of a global variable and back: `Uint8Array`s of the exact
 * size, or integers (`number`, `bigint`, `boolean`) for variables of 1, 2, 4 or 8 bytes whose type is an
 * integer, enum, pointer or bool — range-checked against the type's signedness. Pure.
 */
import { type Type, underlyingType } from '../btf/index.js';
import { EbpfError } from '../errors.js';
import type { ByteOrder } from '../internal/bytes.js';

/** Values accepted by `VariableSpec.set` and `Variable.set`. */
export type VariableValue = Uint8Array | number | bigint | boolean;

/** True when `type` is a signed integer or signed enum. */
export function isSignedType(type: Type): boolean {
  try {
    const t = underlyingType(type);
    if (t.kind === 'int') return t.signed;
    if (t.kind === 'enum') return t.signed;
  } catch {
    // malformed chains are treated as unsigned
  }
  return false;
}

function isIntegerLike(type: Type): boolean {
  try {
    const t = underlyingType(type);
    return t.kind === 'int' || t.kind === 'enum' || t.kind === 'pointer';
  } catch {
    return false;
  }
}

/** Encodes `value` for a variable `what` of `type` and `size` bytes, in byte order `order`. */
export function encodeVariableValue(
  what: string,
  type: Type,
  size: number,
  value: VariableValue,
  order: ByteOrder,
): Uint8Array {
  if (value instanceof Uint8Array) {
    if (value.byteLength !== size)
      throw new EbpfError(`${what}: value is ${value.byteLength} bytes, variable is ${size}`, 'EINVAL');
    return new Uint8Array(value);
  }
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
    throw new EbpfError(`${what}: a ${size}-byte variable takes a Uint8Array, not a number`, 'EINVAL');
  if (!isIntegerLike(type))
    throw new EbpfError(`${what}: not an integer variable (${type.kind}); pass a Uint8Array`, 'EINVAL');
  let n: bigint;
  if (typeof value === 'boolean') n = value ? 1n : 0n;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value))
      throw new EbpfError(`${what}: ${value} is not a safe integer`, 'EINVAL');
    n = BigInt(value);
  } else n = value;
  const bits = BigInt(size * 8);
  const signed = isSignedType(type);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  // Unsigned variables also accept negative numbers that fit the signed range (two's complement).
  const lowest = signed ? min : -(1n << (bits - 1n));
  if (n < lowest || n > max)
    throw new EbpfError(
      `${what}: ${n} does not fit in ${signed ? 'signed' : 'unsigned'} ${size * 8} bits`,
      'EINVAL',
    );
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const little = order === 'little';
  const u = BigInt.asUintN(size * 8, n);
  if (size === 1) view.setUint8(0, Number(u));
  else if (size === 2) view.setUint16(0, Number(u), little);
  else if (size === 4) view.setUint32(0, Number(u), little);
  else view.setBigUint64(0, u, little);
  return out;
}

/** Decodes an integer of 1, 2, 4 or 8 bytes (sign-extended when `signed`). */
export function decodeInteger(what: string, bytes: Uint8Array, signed: boolean, order: ByteOrder): bigint {
  const size = bytes.byteLength;
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  const little = order === 'little';
  let u: bigint;
  if (size === 1) u = BigInt(view.getUint8(0));
  else if (size === 2) u = BigInt(view.getUint16(0, little));
  else if (size === 4) u = BigInt(view.getUint32(0, little));
  else if (size === 8) u = view.getBigUint64(0, little);
  else throw new EbpfError(`${what}: a ${size}-byte variable is not an integer`, 'EINVAL');
  return signed ? BigInt.asIntN(size * 8, u) : u;
}
