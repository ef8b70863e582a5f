/**
 * Building blocks of emitted codec source: property access/keys that are safe for any name, type and
 * check expressions, bitfield geometry and storage access, TypeScript type names. Pure string work used
 * by `CodecEmitter` (and the closure codecs, which share the geometry and error wording). Pure.
 */
import type { BitRange, EnumLayout, Layout, RecordLayout, TypedArrayElem } from './codec-layout.js';
import { typedElemSize } from './codec-layout.js';

/** Type names used when emitting TypeScript. */
export interface TsNaming {
  /** The interface name of a record (also the suffix of its `decode<Name>`/`encode<Name>` functions). */
  recordType(r: RecordLayout): string;
  /** The type name of an enum. */
  enumType(e: EnumLayout): string;
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `.name` or `["na-me"]` (never a bare `__proto__`, which would touch the prototype). */
export function propertyAccess(name: string): string {
  return IDENT.test(name) && name !== '__proto__' ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** A key usable in an object literal or interface: `name`, or `["__proto__"]`/`"na-me"` when needed. */
export function propertyKey(name: string, literal: boolean): string {
  if (name === '__proto__') return literal ? '["__proto__"]' : '"__proto__"';
  return IDENT.test(name) ? name : JSON.stringify(name);
}

/** Typed array class name per element kind. */
export const TYPED_ARRAY_CLASS: Record<TypedArrayElem, string> = {
  u8: 'Uint8Array',
  i8: 'Int8Array',
  u16: 'Uint16Array',
  i16: 'Int16Array',
  u32: 'Uint32Array',
  i32: 'Int32Array',
  u64: 'BigUint64Array',
  i64: 'BigInt64Array',
  f32: 'Float32Array',
  f64: 'Float64Array',
};

/** The typed array class name used for an element kind. */
export function typedArrayClass(elem: TypedArrayElem): string {
  return TYPED_ARRAY_CLASS[elem];
}

/** DataView accessor suffix per element kind (`getUint32`...). */
export const DATAVIEW_SUFFIX: Record<TypedArrayElem, string> = {
  u8: 'Uint8',
  i8: 'Int8',
  u16: 'Uint16',
  i16: 'Int16',
  u32: 'Uint32',
  i32: 'Int32',
  u64: 'BigUint64',
  i64: 'BigInt64',
  f32: 'Float32',
  f64: 'Float64',
};

/** The name of an integer kind, as used in error messages (`u32`, `i64`...). */
export function intName(size: number, signed: boolean): string {
  return `${signed ? 'i' : 'u'}${size * 8}`;
}

/** `base + add` (or `base` when adding 0). */
export function at(base: string, add: number): string {
  return add === 0 ? base : `${base} + ${add}`;
}

/** The TypeScript type of a decoded layout. */
export function tsTypeOf(l: Layout, naming: TsNaming): string {
  switch (l.kind) {
    case 'int':
      return l.size <= 4 ? 'number' : 'bigint';
    case 'bool':
      return 'boolean';
    case 'float':
      return 'number';
    case 'enum':
      return naming.enumType(l);
    case 'string':
      return 'string';
    case 'bytes':
      return 'Uint8Array';
    case 'typedArray':
      return TYPED_ARRAY_CLASS[l.elem];
    case 'array':
      return `${tsTypeOf(l.elem, naming)}[]`;
    case 'record':
      return naming.recordType(l);
  }
}

/** Unsigned read of `k` (1..4) bytes as one number, in the codec's byte order. */
export function storageRead(k: number, pos: string, le: string): string {
  switch (k) {
    case 1:
      return `v.getUint8(${pos})`;
    case 2:
      return `v.getUint16(${pos}, ${le})`;
    case 3:
      return le === 'true'
        ? `(v.getUint16(${pos}, true) | (v.getUint8(${pos} + 2) << 16))`
        : `((v.getUint16(${pos}, false) << 8) | v.getUint8(${pos} + 2))`;
    default:
      return `v.getUint32(${pos}, ${le})`;
  }
}

/** Writes `k` (1..4) bytes holding the number in `s`. */
export function storageWrite(k: number, pos: string, s: string, le: string): string {
  switch (k) {
    case 1:
      return `v.setUint8(${pos}, ${s});`;
    case 2:
      return `v.setUint16(${pos}, ${s}, ${le});`;
    case 3:
      return le === 'true'
        ? `v.setUint16(${pos}, ${s} & 0xffff, true);\nv.setUint8(${pos} + 2, ${s} >>> 16);`
        : `v.setUint16(${pos}, ${s} >>> 8, false);\nv.setUint8(${pos} + 2, ${s} & 0xff);`;
    default:
      return `v.setUint32(${pos}, ${s}, ${le});`;
  }
}

/** Storage geometry of a bitfield relative to its first byte. */
export interface BitGeometry {
  /** Bytes spanned (1..9). */
  bytes: number;
  /** Right shift from the storage's least significant bit to the field's lowest bit. */
  shift: number;
}

/**
 * Where a bitfield sits in the bytes that hold it. BTF counts bit offsets from the least significant
 * bit on little-endian targets and from the most significant bit of the first byte on big-endian ones.
 */
export function bitGeometry(bf: BitRange, littleEndian: boolean): BitGeometry {
  const s = bf.bitOffset % 8;
  const bytes = Math.ceil((s + bf.bits) / 8);
  return { bytes, shift: littleEndian ? s : bytes * 8 - s - bf.bits };
}

/** A hex literal. */
export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** Expression true when `t` fits an integer of `size` bytes (bigint for 8 and 16). */
export function intCheck(size: number, signed: boolean): string {
  switch (size) {
    case 1:
      return signed ? '((t << 24) >> 24) === t' : '(t & 0xff) === t';
    case 2:
      return signed ? '((t << 16) >> 16) === t' : '(t & 0xffff) === t';
    case 4:
      return signed ? '(t | 0) === t' : 't >>> 0 === t';
    default:
      return `typeof t === 'bigint' && BigInt.as${signed ? 'Int' : 'Uint'}N(${size * 8}, t) === t`;
  }
}

/** Expression true when `t` fits a bitfield of `bits` bits. */
export function bitsCheck(bits: number, signed: boolean, big: boolean): string {
  if (big) return `typeof t === 'bigint' && BigInt.as${signed ? 'Int' : 'Uint'}N(${bits}, t) === t`;
  if (bits === 32) return signed ? '(t | 0) === t' : 't >>> 0 === t';
  if (signed) return `((t << ${32 - bits}) >> ${32 - bits}) === t`;
  return `(t & ${hex(2 ** bits - 1)}) === t`;
}

/** Validity expression and expectation text for one typed-array element `t`. */
export function typedElemCheck(elem: TypedArrayElem): { valid: string; expected: string } {
  const expected = typedElemExpected(elem);
  if (elem === 'f32' || elem === 'f64') return { valid: "typeof t === 'number'", expected };
  return { valid: intCheck(typedElemSize(elem), elem.startsWith('i')), expected };
}

/** What an element of a typed-array field must be, for error messages. */
export function typedElemExpected(elem: TypedArrayElem): string {
  if (elem === 'f32' || elem === 'f64') return 'number';
  return typedElemSize(elem) > 4 ? `${elem} bigint` : elem;
}

/** The TypeScript type of one typed-array element. */
export function elemTsType(elem: TypedArrayElem): string {
  return elem === 'u64' || elem === 'i64' ? 'bigint' : 'number';
}

/** True when encoding may need to turn enumerator names into values. */
export function hasEnum(l: Layout): boolean {
  return l.kind === 'enum' || (l.kind === 'array' && hasEnum(l.elem));
}

/** Indents every non-empty line by `levels` steps. */
export function indent(code: string, levels: number): string {
  const pad = '  '.repeat(levels);
  return code
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}
