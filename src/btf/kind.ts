/**
 * BTF wire constants from `linux/btf.h`: kind numbers, the names `bpftool` prints for them, integer
 * encodings, linkages, and the fixed/per-vlen byte sizes of each kind's trailing data. Pure data.
 */

/** `BTF_KIND_*` numbers as they appear in bits 24-28 of `btf_type.info`. */
export const Kind = {
  Unknown: 0,
  Int: 1,
  Pointer: 2,
  Array: 3,
  Struct: 4,
  Union: 5,
  Enum: 6,
  Fwd: 7,
  Typedef: 8,
  Volatile: 9,
  Const: 10,
  Restrict: 11,
  Func: 12,
  FuncProto: 13,
  Var: 14,
  Datasec: 15,
  Float: 16,
  DeclTag: 17,
  TypeTag: 18,
  Enum64: 19,
} as const;

/** A `BTF_KIND_*` number (a known one, or any other value described by a layout section). */
export type KindNumber = number;

/** The highest kind number this library understands without a layout section. */
export const MAX_KNOWN_KIND = Kind.Enum64;

/** The magic number at the start of `.BTF` and `.BTF.ext` (its byte order gives the data's). */
export const BTF_MAGIC = 0xeb9f;

/** The only BTF version defined so far. */
export const BTF_VERSION = 1;

/** Size of `struct btf_type` (name_off, info, size/type). */
export const BTF_TYPE_SIZE = 12;

/** Largest vlen representable in `btf_type.info`. */
export const BTF_MAX_VLEN = 0xffff;

/** Largest offset representable in a member's 24-bit bit offset when kind_flag is set. */
export const BTF_MAX_BITFIELD_OFFSET = 0xffffff;

const KIND_NAMES: readonly string[] = [
  'UNKNOWN',
  'INT',
  'PTR',
  'ARRAY',
  'STRUCT',
  'UNION',
  'ENUM',
  'FWD',
  'TYPEDEF',
  'VOLATILE',
  'CONST',
  'RESTRICT',
  'FUNC',
  'FUNC_PROTO',
  'VAR',
  'DATASEC',
  'FLOAT',
  'DECL_TAG',
  'TYPE_TAG',
  'ENUM64',
];

/** The upper-case name `bpftool` uses for a kind (`STRUCT`, `FUNC_PROTO`), or `UNKN(n)` for others. */
export function kindName(kind: KindNumber): string {
  return KIND_NAMES[kind] ?? `UNKN(${kind})`;
}

/** `BTF_INT_*` encoding bits of an INT type. */
export const IntEncoding = {
  Unsigned: 0,
  Signed: 1,
  Char: 2,
  Bool: 4,
} as const;

/** Linkage of a FUNC (`enum btf_func_linkage`). */
export const FuncLinkage = {
  Static: 0,
  Global: 1,
  Extern: 2,
} as const;

/** Linkage of a VAR (`BTF_VAR_*`). */
export const VarLinkage = {
  Static: 0,
  Global: 1,
  Extern: 2,
} as const;

/** Byte sizes of the data that follows `btf_type` for one kind: fixed part plus `vlen` elements. */
export interface KindLayout {
  /** Size of the single record following `btf_type` (e.g. 4 for INT, 12 for ARRAY). */
  infoSize: number;
  /** Size of each of the `vlen` elements (e.g. 12 for a struct member). */
  elemSize: number;
}

const KNOWN_LAYOUTS: readonly KindLayout[] = [
  { infoSize: 0, elemSize: 0 }, // UNKN (never valid)
  { infoSize: 4, elemSize: 0 }, // INT
  { infoSize: 0, elemSize: 0 }, // PTR
  { infoSize: 12, elemSize: 0 }, // ARRAY
  { infoSize: 0, elemSize: 12 }, // STRUCT
  { infoSize: 0, elemSize: 12 }, // UNION
  { infoSize: 0, elemSize: 8 }, // ENUM
  { infoSize: 0, elemSize: 0 }, // FWD
  { infoSize: 0, elemSize: 0 }, // TYPEDEF
  { infoSize: 0, elemSize: 0 }, // VOLATILE
  { infoSize: 0, elemSize: 0 }, // CONST
  { infoSize: 0, elemSize: 0 }, // RESTRICT
  { infoSize: 0, elemSize: 0 }, // FUNC (vlen is the linkage)
  { infoSize: 0, elemSize: 8 }, // FUNC_PROTO
  { infoSize: 4, elemSize: 0 }, // VAR
  { infoSize: 0, elemSize: 12 }, // DATASEC
  { infoSize: 0, elemSize: 0 }, // FLOAT
  { infoSize: 4, elemSize: 0 }, // DECL_TAG
  { infoSize: 0, elemSize: 0 }, // TYPE_TAG
  { infoSize: 0, elemSize: 12 }, // ENUM64
];

/** The wire layout of a kind this library knows (1..19), or undefined. */
export function knownKindLayout(kind: KindNumber): KindLayout | undefined {
  return kind >= 1 && kind <= MAX_KNOWN_KIND ? KNOWN_LAYOUTS[kind] : undefined;
}
