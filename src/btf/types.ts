/**
 * The rich BTF type model: one class per BTF kind plus `Void`. Types reference each other directly;
 * types decoded from a `Spec` resolve their references lazily (on first access), so looking up one
 * type in the kernel's 100k-type BTF does not decode everything it reaches.
 */
import { FuncLinkage, IntEncoding, VarLinkage } from './kind.js';

/** Something that can turn a type ID into a type (a `Spec`). */
export interface TypeResolver {
  typeByID(id: number): Type;
}

/** A reference to a type by ID that is resolved on first use. Internal to decoding; rarely needed. */
export class LazyType {
  readonly resolver: TypeResolver;
  readonly id: number;
  constructor(resolver: TypeResolver, id: number) {
    this.resolver = resolver;
    this.id = id;
  }
  /** The referenced type. */
  resolve(): Type {
    return this.resolver.typeByID(this.id);
  }
}

/** A type, or a lazy reference to one (accepted wherever a type is stored). */
export type TypeRef = Type | LazyType;

/** Base of every object holding one type reference in `type` (resolved lazily when decoded). */
abstract class TypeHolder {
  #type: TypeRef;
  constructor(type: TypeRef) {
    this.#type = type;
  }
  /** The referenced type. */
  get type(): Type {
    const t = this.#type;
    if (t instanceof LazyType) {
      const resolved = t.resolve();
      this.#type = resolved;
      return resolved;
    }
    return t;
  }
  set type(t: Type) {
    this.#type = t;
  }
  /** The referenced type's ID if it has not been resolved yet (used by dumps to avoid decoding). */
  get pendingTypeID(): number | undefined {
    const t = this.#type;
    return t instanceof LazyType ? t.id : undefined;
  }
}

/** The `void` type (type ID 0). Use the shared `voidType` instance. */
export class Void {
  readonly kind = 'void';
  readonly name = '';
}

/** The shared `void` instance (type ID 0 in every spec). */
export const voidType: Void = Object.freeze(new Void());

/** An integer (`BTF_KIND_INT`). `encoding` is a bit set of `IntEncoding`; `bits` the used width. */
export class Int {
  readonly kind = 'int';
  name: string;
  /** Size in bytes. */
  size: number;
  /** `IntEncoding` bits (signed, char, bool). */
  encoding: number;
  /** Number of value bits (usually `size * 8`). */
  bits: number;
  /** Legacy bitfield offset within the storage (usually 0). */
  bitOffset: number;
  constructor(
    name: string,
    size: number,
    encoding: number = IntEncoding.Unsigned,
    bits = size * 8,
    bitOffset = 0,
  ) {
    this.name = name;
    this.size = size;
    this.encoding = encoding;
    this.bits = bits;
    this.bitOffset = bitOffset;
  }
  /** True when the integer is signed. */
  get signed(): boolean {
    return (this.encoding & IntEncoding.Signed) !== 0;
  }
}

/** A pointer (`BTF_KIND_PTR`). `target` is the pointee. */
export class Pointer extends TypeHolder {
  readonly kind = 'pointer';
  readonly name = '';
  /** The pointee (same as `type`). */
  get target(): Type {
    return this.type;
  }
  set target(t: Type) {
    this.type = t;
  }
}

/** A fixed-size array (`BTF_KIND_ARRAY`). `type` is the element type, `index` the index type. */
export class ArrayType extends TypeHolder {
  readonly kind = 'array';
  readonly name = '';
  #index: TypeRef;
  /** Number of elements. */
  nelems: number;
  constructor(type: TypeRef, index: TypeRef, nelems: number) {
    super(type);
    this.#index = index;
    this.nelems = nelems;
  }
  /** The index type (an unsigned int, or `__ARRAY_SIZE_TYPE__` from clang). */
  get index(): Type {
    const t = this.#index;
    if (t instanceof LazyType) {
      const resolved = t.resolve();
      this.#index = resolved;
      return resolved;
    }
    return t;
  }
  set index(t: Type) {
    this.#index = t;
  }
  /** The index type's ID if not yet resolved. */
  get pendingIndexID(): number | undefined {
    const t = this.#index;
    return t instanceof LazyType ? t.id : undefined;
  }
}

/** A struct or union member: bit offset from the start, and a bitfield width (0 if not a bitfield). */
export class Member extends TypeHolder {
  name: string;
  /** Offset from the start of the struct in bits. */
  bitOffset: number;
  /** Bitfield width in bits, or 0 for a normal member. */
  bitfieldSize: number;
  constructor(name: string, type: TypeRef, bitOffset = 0, bitfieldSize = 0) {
    super(type);
    this.name = name;
    this.bitOffset = bitOffset;
    this.bitfieldSize = bitfieldSize;
  }
}

/** Common shape of `Struct` and `Union`. */
abstract class Composite {
  name: string;
  /** Size in bytes. */
  size: number;
  members: Member[];
  constructor(name: string, size: number, members: Member[] = []) {
    this.name = name;
    this.size = size;
    this.members = members;
  }
}

/** A struct (`BTF_KIND_STRUCT`). */
export class Struct extends Composite {
  readonly kind = 'struct';
}

/** A union (`BTF_KIND_UNION`). */
export class Union extends Composite {
  readonly kind = 'union';
}

/** One enumerator of an `Enum`. */
export interface EnumValue {
  name: string;
  value: bigint;
}

/**
 * An enumeration: `BTF_KIND_ENUM` (32-bit values) or `BTF_KIND_ENUM64`. `signed` is the kind_flag;
 * `enum64` says which wire kind to use (defaults to ENUM64 only when a value needs more than 32 bits).
 */
export class Enum {
  readonly kind = 'enum';
  name: string;
  /** Size in bytes (1, 2, 4 or 8). */
  size: number;
  /** True when the values are signed (kind_flag set). */
  signed: boolean;
  values: EnumValue[];
  /** Encode as `BTF_KIND_ENUM64` rather than `BTF_KIND_ENUM`. */
  enum64: boolean;
  constructor(name: string, size: number, values: EnumValue[] = [], signed = false, enum64?: boolean) {
    this.name = name;
    this.size = size;
    this.values = values;
    this.signed = signed;
    this.enum64 =
      enum64 ??
      values.some(
        (v) => v.value > 0xffffffffn || v.value < -0x80000000n || (signed && v.value > 0x7fffffffn),
      );
  }
}

/** A forward declaration (`BTF_KIND_FWD`) of a struct or union. */
export class Fwd {
  readonly kind = 'fwd';
  name: string;
  /** What is being declared (kind_flag: 0 struct, 1 union). */
  fwdKind: 'struct' | 'union';
  constructor(name: string, fwdKind: 'struct' | 'union' = 'struct') {
    this.name = name;
    this.fwdKind = fwdKind;
  }
}

/** A typedef (`BTF_KIND_TYPEDEF`). */
export class Typedef extends TypeHolder {
  readonly kind = 'typedef';
  name: string;
  constructor(name: string, type: TypeRef) {
    super(type);
    this.name = name;
  }
}

/** `volatile` qualifier (`BTF_KIND_VOLATILE`). */
export class Volatile extends TypeHolder {
  readonly kind = 'volatile';
  readonly name = '';
}

/** `const` qualifier (`BTF_KIND_CONST`). */
export class Const extends TypeHolder {
  readonly kind = 'const';
  readonly name = '';
}

/** `restrict` qualifier (`BTF_KIND_RESTRICT`). */
export class Restrict extends TypeHolder {
  readonly kind = 'restrict';
  readonly name = '';
}

/** A function (`BTF_KIND_FUNC`): a name, a `FuncProto` in `type`, and a `FuncLinkage`. */
export class Func extends TypeHolder {
  readonly kind = 'func';
  name: string;
  /** `FuncLinkage` value (static, global, extern). */
  linkage: number;
  constructor(name: string, proto: TypeRef, linkage: number = FuncLinkage.Static) {
    super(proto);
    this.name = name;
    this.linkage = linkage;
  }
}

/** One parameter of a `FuncProto`. A trailing unnamed `void` parameter means `...`. */
export class FuncParam extends TypeHolder {
  name: string;
  constructor(name: string, type: TypeRef) {
    super(type);
    this.name = name;
  }
}

/** A function signature (`BTF_KIND_FUNC_PROTO`). `type` is the return type. */
export class FuncProto extends TypeHolder {
  readonly kind = 'funcProto';
  readonly name = '';
  params: FuncParam[];
  constructor(returnType: TypeRef, params: FuncParam[] = []) {
    super(returnType);
    this.params = params;
  }
  /** The return type (same as `type`). */
  get returnType(): Type {
    return this.type;
  }
  set returnType(t: Type) {
    this.type = t;
  }
}

/** A variable (`BTF_KIND_VAR`) with a `VarLinkage`. */
export class Var extends TypeHolder {
  readonly kind = 'var';
  name: string;
  /** `VarLinkage` value (static, global, extern). */
  linkage: number;
  constructor(name: string, type: TypeRef, linkage: number = VarLinkage.Static) {
    super(type);
    this.name = name;
    this.linkage = linkage;
  }
}

/** One variable of a `Datasec`: `type` is the `Var`, at `offset` with `size` bytes. */
export class VarSecinfo extends TypeHolder {
  offset: number;
  size: number;
  constructor(type: TypeRef, offset: number, size: number) {
    super(type);
    this.offset = offset;
    this.size = size;
  }
}

/** An ELF data section (`BTF_KIND_DATASEC`) listing the variables it holds. */
export class Datasec {
  readonly kind = 'datasec';
  name: string;
  size: number;
  vars: VarSecinfo[];
  constructor(name: string, size: number, vars: VarSecinfo[] = []) {
    this.name = name;
    this.size = size;
    this.vars = vars;
  }
}

/** A floating-point type (`BTF_KIND_FLOAT`). */
export class Float {
  readonly kind = 'float';
  name: string;
  size: number;
  constructor(name: string, size: number) {
    this.name = name;
    this.size = size;
  }
}

/**
 * A declaration tag (`BTF_KIND_DECL_TAG`): `name` is the tag value, attached to `type` or, when
 * `componentIdx >= 0`, to that member/parameter of it. `attribute` is the kind_flag (emit the tag
 * as `__attribute__((...))` text rather than `btf_decl_tag`).
 */
export class DeclTag extends TypeHolder {
  readonly kind = 'declTag';
  name: string;
  componentIdx: number;
  attribute: boolean;
  constructor(name: string, type: TypeRef, componentIdx = -1, attribute = false) {
    super(type);
    this.name = name;
    this.componentIdx = componentIdx;
    this.attribute = attribute;
  }
}

/** A type tag (`BTF_KIND_TYPE_TAG`), e.g. `__user`: `name` is the tag value. */
export class TypeTag extends TypeHolder {
  readonly kind = 'typeTag';
  name: string;
  attribute: boolean;
  constructor(name: string, type: TypeRef, attribute = false) {
    super(type);
    this.name = name;
    this.attribute = attribute;
  }
}

/**
 * A kind this library does not know, skipped thanks to the BTF layout section. `data` holds the raw
 * bytes after `btf_type`; `info` and `sizeOrType` the raw header words.
 */
export class UnknownType {
  readonly kind = 'unknown';
  name: string;
  btfKind: number;
  info: number;
  sizeOrType: number;
  data: Uint8Array;
  constructor(name: string, btfKind: number, info: number, sizeOrType: number, data: Uint8Array) {
    this.name = name;
    this.btfKind = btfKind;
    this.info = info;
    this.sizeOrType = sizeOrType;
    this.data = data;
  }
}

/** Any BTF type. Narrow with `type.kind`. */
export type Type =
  | Void
  | Int
  | Pointer
  | ArrayType
  | Struct
  | Union
  | Enum
  | Fwd
  | Typedef
  | Volatile
  | Const
  | Restrict
  | Func
  | FuncProto
  | Var
  | Datasec
  | Float
  | DeclTag
  | TypeTag
  | UnknownType;

/** The `kind` discriminator of each type class. */
export type TypeKind = Type['kind'];

/** A type class, usable as a lookup filter: `spec.typeByName('task_struct', Struct)`. */
export type TypeClass<T extends Type = Type> = abstract new (...args: never[]) => T;

/** Qualifier types (`const`, `volatile`, `restrict`, type tags). */
export type Qualifier = Const | Volatile | Restrict | TypeTag;

/** Struct or union. */
export type CompositeType = Struct | Union;
