/**
 * `Spec`: a parsed BTF blob. Parsing only indexes and validates the records; types are decoded on
 * demand and cached, and a name index is built on the first lookup by name. Split BTF (kernel
 * modules) is parsed against a base spec: its type IDs and string offsets continue after the base's.
 */
import type { ByteOrder } from '../internal/bytes.js';
import { ByteReader } from '../internal/bytes.js';
import { type DecodeContext, decodeType, recordKind } from './decode.js';
import { AmbiguousTypeError, TypeNotFoundError } from './errors.js';
import { hasFlavorSeparator, isFlavoredName } from './flavor-names.js';
import { Kind } from './kind.js';
import { NameHashIndex } from './name-index.js';
import { StringTable } from './string-table.js';
import { alignof, essentialName, sizeof } from './type-utils.js';
import {
  ArrayType,
  Const,
  Datasec,
  DeclTag,
  Enum,
  Float,
  Func,
  FuncProto,
  Fwd,
  Int,
  Pointer,
  Restrict,
  Struct,
  type Type,
  type TypeClass,
  Typedef,
  type TypeResolver,
  TypeTag,
  Union,
  UnknownType,
  Var,
  Volatile,
  voidType,
} from './types.js';
import { type BtfHeader, type LayoutEntry, parseBtfHeader, parseLayoutSection } from './wire-header.js';
import { scanTypes, type TypeIndex } from './wire-types.js';

/** Options of `loadSpec`. */
export interface LoadSpecOptions {
  /** Base spec for split BTF (e.g. vmlinux when loading a module's BTF). */
  base?: Spec;
  /** Section name used in parse errors (default `.BTF`). */
  section?: string;
  /**
   * Copy the input (default true). Types are decoded lazily from these bytes after validation, so the
   * spec must own them: pass false only when handing the buffer over (it must never change afterwards),
   * which saves copying it.
   */
  copy?: boolean;
}

const CLASS_KINDS = new Map<TypeClass, readonly number[]>([
  [Int, [Kind.Int]],
  [Pointer, [Kind.Pointer]],
  [ArrayType, [Kind.Array]],
  [Struct, [Kind.Struct]],
  [Union, [Kind.Union]],
  [Enum, [Kind.Enum, Kind.Enum64]],
  [Fwd, [Kind.Fwd]],
  [Typedef, [Kind.Typedef]],
  [Volatile, [Kind.Volatile]],
  [Const, [Kind.Const]],
  [Restrict, [Kind.Restrict]],
  [Func, [Kind.Func]],
  [FuncProto, [Kind.FuncProto]],
  [Var, [Kind.Var]],
  [Datasec, [Kind.Datasec]],
  [Float, [Kind.Float]],
  [DeclTag, [Kind.DeclTag]],
  [TypeTag, [Kind.TypeTag]],
]);

const CACHE_CHUNK_BITS = 10;
const CACHE_CHUNK = 1 << CACHE_CHUNK_BITS;

/**
 * Parses a `.BTF` blob (either byte order) into a `Spec`; the bytes are copied unless `copy: false`.
 * Throws ParseError on malformed input.
 */
export function loadSpec(bytes: Uint8Array, options: LoadSpecOptions = {}): Spec {
  return new Spec(bytes, options);
}

/** A set of BTF types: lookup by ID and name, iteration, sizes. Created by `loadSpec`. */
export class Spec implements TypeResolver {
  readonly byteOrder: ByteOrder;
  readonly header: BtfHeader;
  /** The base spec of split BTF, if any. */
  readonly base: Spec | undefined;
  /** ID of this spec's first own type (1, or after the base's last type). */
  readonly firstID: number;
  readonly strings: StringTable;
  /** Layout section entries by kind (empty when the blob has none). */
  readonly layout: readonly LayoutEntry[];
  readonly #ctx: DecodeContext;
  readonly #index: TypeIndex;
  readonly #offsets: Uint32Array;
  /** Decoded types in chunks of CACHE_CHUNK ids, each allocated when one of its types is decoded. */
  readonly #cache: ((Type | undefined)[] | undefined)[];
  readonly #ids = new Map<Type, number>();
  #names: NameHashIndex | undefined;
  #funcNames: NameHashIndex | undefined;
  #flavored: ReadonlyMap<string, readonly number[]> | undefined;
  #flavoredFuncs: ReadonlyMap<string, readonly number[]> | undefined;

  constructor(input: Uint8Array, options: LoadSpecOptions = {}) {
    // Types are decoded lazily from these bytes after validation: keep a private copy (unless the
    // caller hands the buffer over) so later changes to it cannot bypass the checks.
    const bytes = options.copy === false ? input : input.slice();
    const section = options.section ?? '.BTF';
    const base = options.base;
    const h = parseBtfHeader(bytes, section);
    if (base !== undefined && base.byteOrder !== h.byteOrder) {
      throw new ByteReader(bytes, h.byteOrder, section).error(
        `split BTF is ${h.byteOrder}-endian but its base is ${base.byteOrder}-endian`,
        0,
      );
    }
    this.header = h;
    this.byteOrder = h.byteOrder;
    this.base = base;
    this.firstID = base === undefined ? 1 : base.nextID;
    const reader = new ByteReader(bytes, h.byteOrder, section);
    this.strings = new StringTable(
      bytes.subarray(h.strOff, h.strOff + h.strLen),
      base?.strings,
      h.strOff,
      section,
    );
    if (base === undefined && h.strLen === 0) throw reader.error('empty string section', 16);
    this.layout = parseLayoutSection(bytes, h, section);
    const index = scanTypes({
      reader,
      typeOff: h.typeOff,
      typeLen: h.typeLen,
      layout: this.layout,
      firstID: this.firstID,
      stringsLength: this.strings.length,
      names: this.strings,
    });
    this.#index = index;
    this.#offsets = index.offsets;
    this.#cache = new Array(Math.ceil(index.offsets.length / CACHE_CHUNK));
    this.#ctx = {
      view: reader.view,
      littleEndian: reader.littleEndian,
      strings: this.strings,
      resolver: this,
      layout: this.layout,
    };
  }

  /** Number of this spec's own types (excluding void and the base's types). */
  get typeCount(): number {
    return this.#offsets.length;
  }

  /** One past the highest type ID (the first ID a split spec on top of this one would use). */
  get nextID(): number {
    return this.firstID + this.#offsets.length;
  }

  /** The type with `id` (0 is void). Throws TypeNotFoundError for an ID out of range. */
  typeByID(id: number): Type {
    if (id === 0) return voidType;
    const i = id - this.firstID;
    if (i < 0) {
      if (this.base !== undefined && Number.isInteger(id) && id > 0) return this.base.typeByID(id);
      throw new TypeNotFoundError(`id ${id}`);
    }
    const pos = this.#offsets[i];
    if (pos === undefined || !Number.isInteger(id)) throw new TypeNotFoundError(`id ${id}`);
    const chunk = this.#cache[i >>> CACHE_CHUNK_BITS];
    const cached = chunk?.[i & (CACHE_CHUNK - 1)];
    if (cached !== undefined) return cached;
    const t = decodeType(this.#ctx, pos);
    if (chunk === undefined) {
      const fresh = new Array<Type | undefined>(CACHE_CHUNK);
      fresh[i & (CACHE_CHUNK - 1)] = t;
      this.#cache[i >>> CACHE_CHUNK_BITS] = fresh;
    } else chunk[i & (CACHE_CHUNK - 1)] = t;
    this.#ids.set(t, id);
    return t;
  }

  /** The ID of a type obtained from this spec (or its base). Throws TypeNotFoundError otherwise. */
  typeID(type: Type): number {
    if (type.kind === 'void') return 0;
    const id = this.#ids.get(type);
    if (id !== undefined) return id;
    if (this.base !== undefined) return this.base.typeID(type);
    throw new TypeNotFoundError(`${type.kind} ${JSON.stringify(type.name)}`, 'not part of this spec');
  }

  /** The raw `BTF_KIND_*` number of a type ID, without decoding it. */
  kindOfID(id: number): number {
    if (id === 0) return Kind.Unknown;
    const i = id - this.firstID;
    if (i < 0 && this.base !== undefined) return this.base.kindOfID(id);
    const pos = this.#offsets[i];
    if (pos === undefined) throw new TypeNotFoundError(`id ${id}`);
    return recordKind(this.#ctx, pos);
  }

  /**
   * IDs of all types named `name` (own and base), lowest first; only those of class `kind` when given.
   * Named FUNCs (most of vmlinux's names) have an index of their own, built only when a lookup may
   * return a FUNC (no `kind`, or `Func`).
   */
  idsByName(name: string, kind?: TypeClass): number[] {
    return this.filterByKind(this.unfilteredIDsByName(name, mayBeFunc(kind)), kind);
  }

  /** All types named `name`, optionally only of one class (`Struct`, `Enum`...). May be empty. */
  typesByName<T extends Type = Type>(name: string, kind?: TypeClass<T>): T[] {
    return this.idsByName(name, kind).map((id) => this.typeByID(id) as T);
  }

  /**
   * The one type named `name` (of class `kind`, if given). Throws TypeNotFoundError when there is
   * none and AmbiguousTypeError when several match.
   */
  typeByName<T extends Type = Type>(name: string, kind?: TypeClass<T>): T {
    const ids = this.idsByName(name, kind);
    const query = describeQuery(name, kind);
    if (ids.length === 0) throw new TypeNotFoundError(query);
    if (ids.length > 1) throw new AmbiguousTypeError(query, ids);
    return this.typeByID(ids[0] as number) as T;
  }

  /** The first (lowest ID) type named `name` (of class `kind`, if given); throws if none. */
  anyTypeByName<T extends Type = Type>(name: string, kind?: TypeClass<T>): T {
    const ids = this.idsByName(name, kind);
    if (ids.length === 0) throw new TypeNotFoundError(describeQuery(name, kind));
    return this.typeByID(ids[0] as number) as T;
  }

  /**
   * All types whose CO-RE essential name equals that of `name` (`foo___v1` finds `foo`, `foo___x`),
   * optionally only of class `kind`; base types first, then own ones by ID. Names without a flavor
   * separator are found through the name index; the few flavored names are indexed on first use by
   * looking at the bytes of each name of the kinds asked for, so no other name is decoded.
   */
  typesByEssentialName<T extends Type = Type>(name: string, kind?: TypeClass<T>): T[] {
    const wanted = essentialName(name);
    const funcs = mayBeFunc(kind);
    const first = this.firstID;
    const own: number[] = [];
    // A name without a separator is its own essential name; one with a separator is flavored.
    if (essentialName(wanted) === wanted) {
      for (const i of this.nameIndex().lookup(wanted)) own.push(first + i);
      if (funcs) for (const i of this.funcNameIndex().lookup(wanted)) own.push(first + i);
    }
    own.push(...(this.flavoredIndex(false).get(wanted) ?? []));
    if (funcs) own.push(...(this.flavoredIndex(true).get(wanted) ?? []));
    own.sort((a, b) => a - b);
    const base = this.base?.typesByEssentialName(name, kind) ?? [];
    return [...base, ...this.filterByKind(own, kind).map((id) => this.typeByID(id) as T)];
  }

  /** Iterates all types (base first, then own), excluding void, in ID order. */
  *types(): IterableIterator<Type> {
    if (this.base !== undefined) yield* this.base.types();
    for (let id = this.firstID; id < this.nextID; id++) yield this.typeByID(id);
  }

  /** Iterates `[id, type]` pairs of this spec's own types only. */
  *ownTypes(): IterableIterator<[number, Type]> {
    for (let id = this.firstID; id < this.nextID; id++) yield [id, this.typeByID(id)];
  }

  [Symbol.iterator](): IterableIterator<Type> {
    return this.types();
  }

  /** Size of a type in bytes (see `sizeof` in type-utils). */
  sizeof(type: Type): number {
    return sizeof(type);
  }

  /** Alignment of a type in bytes (see `alignof` in type-utils). */
  alignof(type: Type): number {
    return alignof(type);
  }

  private filterByKind(ids: number[], kind: TypeClass | undefined): number[] {
    if (kind === undefined) return ids;
    const kinds = CLASS_KINDS.get(kind);
    if (kinds !== undefined) return ids.filter((id) => kinds.includes(this.kindOfID(id)));
    return ids.filter((id) => this.typeByID(id) instanceof kind);
  }

  /** IDs named `name` (base, then own), lowest first, without the named FUNCs unless `funcs`. */
  private unfilteredIDsByName(name: string, funcs: boolean): number[] {
    const first = this.firstID;
    const others = this.nameIndex().lookup(name);
    const positions = funcs ? mergeAscending(others, this.funcNameIndex().lookup(name)) : others;
    const own = positions.map((i) => first + i);
    return this.base === undefined ? own : [...this.base.unfilteredIDsByName(name, funcs), ...own];
  }

  /**
   * Own type IDs (ascending) with a flavored name, by essential name: of the named FUNCs, or of the
   * other named records. Built on first use from the names' bytes (few are flavored, and only those
   * are decoded).
   */
  private flavoredIndex(funcs: boolean): ReadonlyMap<string, readonly number[]> {
    const cached = funcs ? this.#flavoredFuncs : this.#flavored;
    if (cached !== undefined) return cached;
    const idx = new Map<string, number[]>();
    const { view, littleEndian } = this.#ctx;
    const positions = funcs ? this.#index.funcs : this.#index.named;
    const own = this.strings.bytes;
    const start = this.strings.start;
    for (let j = 0; j < positions.length; j++) {
      const pos = positions[j] as number;
      const off = view.getUint32(this.#offsets[pos] as number, littleEndian);
      const flavored =
        off >= start ? hasFlavorSeparator(own, off - start) : isFlavoredName(this.strings, off);
      if (!flavored) continue;
      const key = essentialName(this.strings.get(off));
      const ids = idx.get(key);
      if (ids === undefined) idx.set(key, [this.firstID + pos]);
      else ids.push(this.firstID + pos);
    }
    if (funcs) this.#flavoredFuncs = idx;
    else this.#flavored = idx;
    return idx;
  }

  /** The name index of the named records other than FUNCs (hashed by the scan). */
  private nameIndex(): NameHashIndex {
    if (this.#names === undefined) {
      const { view, littleEndian } = this.#ctx;
      const index = this.#index;
      this.#names = new NameHashIndex({
        strings: this.strings,
        view,
        littleEndian,
        offsets: index.offsets,
        positions: index.named,
        hashes: index.nameHashes,
        unhashed: index.unhashed,
      });
    }
    return this.#names;
  }

  /** The name index of the named FUNC records, hashed when first needed. */
  private funcNameIndex(): NameHashIndex {
    if (this.#funcNames === undefined) {
      const { view, littleEndian } = this.#ctx;
      const { offsets, funcs } = this.#index;
      this.#funcNames = new NameHashIndex({
        strings: this.strings,
        view,
        littleEndian,
        offsets,
        positions: funcs,
        hashes: new Int32Array(funcs.length),
        unhashed: funcs.length,
      });
    }
    return this.#funcNames;
  }
}

/** Whether a lookup restricted to class `kind` (none: every class) may return a FUNC. */
function mayBeFunc(kind: TypeClass | undefined): boolean {
  if (kind === undefined) return true;
  const kinds = CLASS_KINDS.get(kind);
  return kinds === undefined || kinds.includes(Kind.Func);
}

/** The ascending union of two ascending lists without common elements. */
function mergeAscending(a: number[], b: number[]): number[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && (a[i] as number) < (b[j] as number))) out.push(a[i++] as number);
    else out.push(b[j++] as number);
  }
  return out;
}

function describeQuery(name: string, kind: TypeClass | undefined): string {
  return kind === undefined || kind === UnknownType
    ? JSON.stringify(name)
    : `${kind.name} ${JSON.stringify(name)}`;
}
