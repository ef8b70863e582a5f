/**
 * The layout tree behind BTF codecs: a BTF type reduced to what decoding needs (scalar widths, byte and
 * bit offsets, string/typed-array/record shapes), with typedefs and qualifiers skipped, anonymous members
 * flattened and every offset checked against the enclosing size. Both the runtime codecs and the `gen`
 * command work from this tree, so they agree on shapes by construction. Pure.
 */
import { BtfError } from './errors.js';
import { IntEncoding } from './kind.js';
import { sizeof, underlyingType } from './type-utils.js';
import type { Datasec, Enum, EnumValue, Int, Member, Struct, Type, Union } from './types.js';

/** How nested records may be: deeper nesting (or a cycle in malformed BTF) is rejected. */
export const MAX_LAYOUT_DEPTH = 64;
/** Upper bound on the fields of one record after flattening anonymous members. */
export const MAX_RECORD_FIELDS = 65_536;

/** Element kinds decoded as typed arrays. */
export type TypedArrayElem = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'f32' | 'f64';

/** Options that change the shape of decoded values. */
export interface LayoutOptions {
  /** `char[N]` as a NUL-trimmed UTF-8 `string` (default) or as raw `Uint8Array` bytes. */
  charArrays?: 'string' | 'bytes';
  /** Unions as an object with every member decoded (default) or as raw `Uint8Array` bytes. */
  unions?: 'members' | 'bytes';
}

/** An integer: `number` up to 32 bits, `bigint` for 64 and 128 bits. Pointers are unsigned 64-bit ints. */
export interface IntLayout {
  readonly kind: 'int';
  readonly size: 1 | 2 | 4 | 8 | 16;
  readonly signed: boolean;
  /** True when this is a pointer (decoded as its address). */
  readonly pointer: boolean;
}

/** A C `_Bool` (any size): decoded `!== 0`, encoded as 0 or 1. */
export interface BoolLayout {
  readonly kind: 'bool';
  readonly size: 1 | 2 | 4 | 8;
}

/** An IEEE float or double. */
export interface FloatLayout {
  readonly kind: 'float';
  readonly size: 4 | 8;
}

/** An enum: its integer value (`bigint` for 8-byte enums), or its enumerator name in name mode. */
export interface EnumLayout {
  readonly kind: 'enum';
  readonly size: 1 | 2 | 4 | 8;
  readonly signed: boolean;
  readonly type: Enum;
  readonly values: readonly EnumValue[];
}

/** A `char[N]`: a NUL-trimmed UTF-8 string of at most `size` bytes. */
export interface StringLayout {
  readonly kind: 'string';
  readonly size: number;
}

/** Raw bytes (a copy): `char[N]` in bytes mode, unions in bytes mode, floats of unusual sizes. */
export interface BytesLayout {
  readonly kind: 'bytes';
  readonly size: number;
}

/** A fixed array of numeric elements, decoded as a typed array. */
export interface TypedArrayLayout {
  readonly kind: 'typedArray';
  readonly elem: TypedArrayElem;
  readonly length: number;
  readonly size: number;
}

/** A fixed array of other elements, decoded as a JS array. */
export interface ArrayLayout {
  readonly kind: 'array';
  readonly elem: Layout;
  readonly elemSize: number;
  readonly length: number;
  readonly size: number;
}

/** A struct, union or datasec: an object with one property per (flattened) named member. */
export interface RecordLayout {
  readonly kind: 'record';
  /** True for unions: members overlap and are all optional when encoding. */
  readonly union: boolean;
  readonly size: number;
  readonly fields: readonly FieldLayout[];
  /** The BTF type this record was made from (an anonymous one has an empty name). */
  readonly type: Struct | Union | Datasec;
}

/** A scalar that may sit in a bitfield. */
export type ScalarLayout = IntLayout | BoolLayout | EnumLayout;

/** Any layout node. */
export type Layout =
  | IntLayout
  | BoolLayout
  | FloatLayout
  | EnumLayout
  | StringLayout
  | BytesLayout
  | TypedArrayLayout
  | ArrayLayout
  | RecordLayout;

/** A bit range inside a record, counted the way BTF counts it for the record's byte order. */
export interface BitRange {
  /** Offset of the first bit from the start of the record. */
  readonly bitOffset: number;
  /** Width in bits (1..64). */
  readonly bits: number;
}

/** One property of a record. */
export interface FieldLayout {
  /** Property name (the C member name). */
  readonly name: string;
  /** Dotted path from the record (anonymous members flattened), for error messages. */
  readonly path: string;
  /** Byte offset from the record start (for bitfields: the byte holding the first bit). */
  readonly offset: number;
  readonly layout: Layout;
  /** The member's declared type (typedefs and qualifiers kept), for names and comments. */
  readonly type: Type;
  /** Set for bitfields; `layout` is then a `ScalarLayout`. */
  readonly bitfield: BitRange | undefined;
  /** True when the field overlaps others (it belongs to a union): optional when encoding. */
  readonly optional: boolean;
}

const TYPED_ELEMS: Record<string, TypedArrayElem> = {
  'int:1:false': 'u8',
  'int:1:true': 'i8',
  'int:2:false': 'u16',
  'int:2:true': 'i16',
  'int:4:false': 'u32',
  'int:4:true': 'i32',
  'int:8:false': 'u64',
  'int:8:true': 'i64',
  'float:4': 'f32',
  'float:8': 'f64',
};

/** Byte size of one element of a typed-array kind. */
export function typedElemSize(elem: TypedArrayElem): number {
  return elem === 'u8' || elem === 'i8'
    ? 1
    : elem === 'u16' || elem === 'i16'
      ? 2
      : elem === 'u32' || elem === 'i32' || elem === 'f32'
        ? 4
        : 8;
}

/** Byte size of a layout node. */
export function layoutSize(l: Layout): number {
  return l.kind === 'int' && l.pointer ? 8 : l.size;
}

/** Builds layouts, sharing the layout of each struct/union type between uses. */
export class LayoutBuilder {
  readonly #options: LayoutOptions;
  readonly #records = new Map<Type, RecordLayout>();
  readonly #building = new Set<Type>();

  constructor(options: LayoutOptions = {}) {
    this.#options = options;
  }

  /** The layout of `type`. Throws BtfError for types without a fixed-size value (void, functions...). */
  layoutOf(type: Type): Layout {
    return this.#layout(type, 0);
  }

  #layout(type: Type, depth: number): Layout {
    if (depth > MAX_LAYOUT_DEPTH) throw new BtfError(`codec: types nested deeper than ${MAX_LAYOUT_DEPTH}`);
    const t = type.kind === 'var' ? underlyingType(type.type) : underlyingType(type);
    switch (t.kind) {
      case 'int':
        return intLayout(t);
      case 'pointer':
        return { kind: 'int', size: 8, signed: false, pointer: true };
      case 'enum':
        return enumLayout(t);
      case 'float':
        return t.size === 4 || t.size === 8 ? { kind: 'float', size: t.size } : bytesOf(t.size);
      case 'array':
        return this.#array(t.type, t.nelems, depth);
      case 'struct':
      case 'union':
      case 'datasec':
        return this.#record(t, depth);
      default:
        throw new BtfError(`codec: ${describe(t)} has no fixed-size value`);
    }
  }

  #array(elemType: Type, length: number, depth: number): Layout {
    const elemSize = sizeof(elemType);
    const size = elemSize * length;
    if (!Number.isSafeInteger(size) || size > 0xffffffff) throw new BtfError(`codec: array of ${size} bytes`);
    const elem = this.#layout(elemType, depth + 1);
    if (layoutSize(elem) !== elemSize)
      throw new BtfError(`codec: array element is ${layoutSize(elem)} bytes but sizeof says ${elemSize}`);
    const base = underlyingType(elemType.kind === 'var' ? elemType.type : elemType);
    if (elem.kind === 'int' && elemSize === 1 && base.kind === 'int' && isChar(base)) {
      return this.#options.charArrays === 'bytes' ? bytesOf(size) : { kind: 'string', size };
    }
    const key =
      elem.kind === 'int'
        ? `int:${elem.size}:${elem.signed}`
        : elem.kind === 'float'
          ? `float:${elem.size}`
          : '';
    const typed = TYPED_ELEMS[key];
    if (typed !== undefined) return { kind: 'typedArray', elem: typed, length, size };
    return { kind: 'array', elem, elemSize, length, size };
  }

  #record(t: Struct | Union | Datasec, depth: number): Layout {
    if (t.kind === 'union' && this.#options.unions === 'bytes') return bytesOf(t.size);
    const known = this.#records.get(t);
    if (known !== undefined) return known;
    if (this.#building.has(t)) throw new BtfError(`codec: ${describe(t)} contains itself`);
    this.#building.add(t);
    try {
      const fields: FieldLayout[] = [];
      const size = t.kind === 'datasec' ? this.#datasecFields(t, depth, fields) : t.size;
      if (t.kind !== 'datasec') this.#members(t, 0, '', t.kind === 'union', depth, fields, size);
      const names = new Set<string>();
      for (const f of fields) {
        if (names.has(f.name)) throw new BtfError(`codec: ${describe(t)}: duplicate member ${f.name}`);
        names.add(f.name);
      }
      const rec: RecordLayout = { kind: 'record', union: t.kind === 'union', size, fields, type: t };
      this.#records.set(t, rec);
      return rec;
    } finally {
      this.#building.delete(t);
    }
  }

  #datasecFields(t: Datasec, depth: number, out: FieldLayout[]): number {
    let end = 0;
    for (const v of t.vars) {
      const variable = v.type;
      if (variable.kind !== 'var') continue;
      const layout = this.#layout(variable, depth + 1);
      if (layoutSize(layout) !== v.size)
        throw new BtfError(
          `codec: ${describe(t)}: variable ${variable.name} is ${v.size} bytes, its type ${layoutSize(layout)}`,
        );
      end = Math.max(end, v.offset + v.size);
      out.push({
        name: variable.name,
        path: variable.name,
        offset: v.offset,
        layout,
        type: variable.type,
        bitfield: undefined,
        optional: false,
      });
    }
    const size = Math.max(end, t.size);
    const sorted = [...out].sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1] as FieldLayout;
      const cur = sorted[i] as FieldLayout;
      if (cur.offset < prev.offset + layoutSize(prev.layout))
        throw new BtfError(
          `codec: ${describe(t)}: variables ${prev.name} and ${cur.name} overlap (datasec not laid out yet? load the object with loadCollectionSpec)`,
        );
    }
    return size;
  }

  /** Appends the fields of `t`'s members (flattening anonymous struct/union members) at `bitBase`. */
  #members(
    t: Struct | Union,
    bitBase: number,
    prefix: string,
    optional: boolean,
    depth: number,
    out: FieldLayout[],
    recordSize: number,
  ): void {
    if (out.length > MAX_RECORD_FIELDS) throw new BtfError(`codec: more than ${MAX_RECORD_FIELDS} fields`);
    for (const m of t.members) {
      const bitOffset = bitBase + m.bitOffset;
      const mt = underlyingType(m.type);
      if (m.name === '') {
        // Anonymous struct/union: its members belong to the parent (C11); anything else is padding.
        if ((mt.kind === 'struct' || mt.kind === 'union') && m.bitfieldSize === 0) {
          if (bitOffset % 8 !== 0)
            throw new BtfError(`codec: ${describe(t)}: anonymous member not byte-aligned`);
          if (depth > MAX_LAYOUT_DEPTH)
            throw new BtfError(`codec: types nested deeper than ${MAX_LAYOUT_DEPTH}`);
          checkFits(t, '(anonymous)', bitOffset, mt.size * 8, recordSize);
          this.#members(mt, bitOffset, prefix, optional || mt.kind === 'union', depth + 1, out, recordSize);
        }
        continue;
      }
      const field = this.#field(t, m, mt, bitOffset, `${prefix}${m.name}`, optional, depth, recordSize);
      if (field !== undefined) out.push(field);
    }
  }

  #field(
    t: Struct | Union,
    m: Member,
    mt: Type,
    bitOffset: number,
    path: string,
    optional: boolean,
    depth: number,
    recordSize: number,
  ): FieldLayout | undefined {
    const layout = this.#layout(m.type, depth + 1);
    // A zero-length array (flexible array member) has no bytes of its own: leave it out.
    if (m.bitfieldSize === 0 && layoutSize(layout) === 0 && layout.kind !== 'record') return undefined;
    let bits = m.bitfieldSize;
    let bitStart = bitOffset;
    if (bits === 0 && mt.kind === 'int' && (mt.bitOffset !== 0 || mt.bits !== mt.size * 8)) {
      // Legacy BTF: the int type itself carries a bit width and offset.
      bits = mt.bits;
      bitStart += mt.bitOffset;
    }
    if (bits === 0 && bitStart % 8 !== 0) {
      if (mt.kind !== 'int' && mt.kind !== 'enum')
        throw new BtfError(`codec: ${describe(t)}: member ${m.name} is not byte-aligned`);
      bits = mt.size * 8;
    }
    if (bits === 0) {
      checkFits(t, m.name, bitStart, layoutSize(layout) * 8, recordSize);
      return {
        name: m.name,
        path,
        offset: bitStart / 8,
        layout,
        type: m.type,
        bitfield: undefined,
        optional,
      };
    }
    if (layout.kind !== 'int' && layout.kind !== 'bool' && layout.kind !== 'enum')
      throw new BtfError(`codec: ${describe(t)}: bitfield ${m.name} of ${layout.kind} type`);
    if (bits > layout.size * 8 || bits > 64)
      throw new BtfError(
        `codec: ${describe(t)}: bitfield ${m.name} of ${bits} bits in a ${layout.size}-byte type`,
      );
    checkFits(t, m.name, bitStart, bits, recordSize);
    return {
      name: m.name,
      path,
      offset: Math.floor(bitStart / 8),
      layout,
      type: m.type,
      bitfield: { bitOffset: bitStart, bits },
      optional,
    };
  }
}

function checkFits(t: Type, name: string, bitOffset: number, bits: number, size: number): void {
  if (!Number.isSafeInteger(bitOffset) || bitOffset < 0 || bitOffset + bits > size * 8)
    throw new BtfError(
      `codec: ${describe(t)}: member ${name} (bits ${bitOffset}+${bits}) outside its ${size} bytes`,
    );
}

function bytesOf(size: number): BytesLayout {
  return { kind: 'bytes', size };
}

function isChar(t: Int): boolean {
  return t.name === 'char' || (t.encoding & IntEncoding.Char) !== 0;
}

function intLayout(t: Int): IntLayout | BoolLayout {
  const size = t.size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8 && size !== 16)
    throw new BtfError(`codec: int ${t.name} of ${size} bytes`);
  if ((t.encoding & IntEncoding.Bool) !== 0 && size !== 16) return { kind: 'bool', size };
  return { kind: 'int', size, signed: (t.encoding & IntEncoding.Signed) !== 0, pointer: false };
}

function enumLayout(t: Enum): EnumLayout {
  const size = t.size;
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
    throw new BtfError(`codec: ${describe(t)} of ${size} bytes`);
  return { kind: 'enum', size, signed: t.signed, type: t, values: t.values };
}

/** `struct foo`, `anonymous union`, `datasec .bss` for messages. */
export function describe(t: Type): string {
  const kind = t.kind === 'funcProto' ? 'function prototype' : t.kind;
  return t.name === '' ? `anonymous ${kind}` : `${kind} ${t.name}`;
}
