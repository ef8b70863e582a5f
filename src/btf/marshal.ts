/**
 * Writes types back to wire-format `.BTF` (for `BPF_BTF_LOAD`, or to save), in either byte order,
 * with a deduplicated string table, optionally as split BTF on top of a base spec, and optionally
 * rewriting kinds an older kernel lacks the way libbpf's `bpf_object__sanitize_btf` does.
 */
import { type ByteOrder, ByteWriter, hostByteOrder } from '../internal/bytes.js';
import { BtfError } from './errors.js';
import {
  BTF_MAGIC,
  BTF_MAX_BITFIELD_OFFSET,
  BTF_MAX_VLEN,
  BTF_VERSION,
  Kind,
  knownKindLayout,
  MAX_KNOWN_KIND,
} from './kind.js';
import type { Spec } from './spec.js';
import { StringTableBuilder } from './string-table.js';
import { childTypes } from './type-utils.js';
import { Int, type Type, voidType } from './types.js';
import { makeInfo } from './wire-types.js';

/**
 * Kinds to rewrite for a kernel that lacks them (each flag: "the target kernel lacks this").
 * Replacements keep every type's ID and byte size, as libbpf does.
 */
export interface SanitizeOptions {
  /** DECL_TAG → INT (anonymous, 1 byte). Kernels < 5.16. */
  declTag?: boolean;
  /** TYPE_TAG → CONST of the same type. Kernels < 5.17. */
  typeTag?: boolean;
  /** ENUM64 → UNION of 1-byte placeholder members; ENUM loses its signedness flag. Kernels < 6.0. */
  enum64?: boolean;
  /** FLOAT → anonymous empty STRUCT of the same size. Kernels < 5.13. */
  float?: boolean;
  /** FUNC global/extern linkage → static. Kernels < 5.6. */
  funcLinkage?: boolean;
  /** VAR → INT (1 byte, name kept) and DATASEC → STRUCT with one member per variable. Kernels < 5.2. */
  datasecVar?: boolean;
  /** FUNC_PROTO → ENUM and FUNC → TYPEDEF. Kernels < 5.0. */
  func?: boolean;
  /** `?` in DATASEC names (`.data?`) → `_`. */
  qmarkDatasec?: boolean;
}

/** Options of `marshalTypes`/`marshalSpec`. */
export interface MarshalOptions {
  /** Byte order of the output (default: the host's). */
  byteOrder?: ByteOrder;
  /** Rewrite kinds the target kernel lacks. */
  sanitize?: SanitizeOptions;
  /** Emit split BTF on top of this base: its types are referenced by ID, not written. */
  base?: Spec;
  /** Add a layout section describing every known kind (for parsers of future kinds). */
  layout?: boolean;
}

/** Output of `marshalTypes`: the blob and the ID each type got. */
export interface MarshalResult {
  bytes: Uint8Array;
  /** Type IDs in the blob (includes base IDs of referenced base types, and void as 0). */
  ids: Map<Type, number>;
}

const PLACEHOLDER_NAME = 'enum64_placeholder';

/** Marshals a spec's own types (IDs are preserved; split specs are written against their base). */
export function marshalSpec(spec: Spec, options: MarshalOptions = {}): Uint8Array {
  const types: Type[] = [];
  for (const [, t] of spec.ownTypes()) types.push(t);
  const base = options.base ?? spec.base;
  return marshalTypes(types, base === undefined ? options : { ...options, base }).bytes;
}

/**
 * Marshals `types` with IDs assigned in the given order (first is 1, or the base's next ID); types
 * they reference that are not listed (nor in the base) are appended after them.
 */
export function marshalTypes(types: Iterable<Type>, options: MarshalOptions = {}): MarshalResult {
  const base = options.base;
  const ids = new Map<Type, number>();
  const order: Type[] = [];
  const firstID = base?.nextID ?? 1;
  const inBase = (t: Type): number | undefined => {
    if (base === undefined) return undefined;
    try {
      return base.typeID(t);
    } catch {
      return undefined;
    }
  };
  const add = (t: Type): void => {
    if (t.kind === 'void' || ids.has(t)) return;
    const b = inBase(t);
    if (b !== undefined) {
      ids.set(t, b);
      return;
    }
    ids.set(t, firstID + order.length);
    order.push(t);
  };
  for (const t of types) add(t);
  // Pull in referenced types breadth-first, after the listed ones.
  for (let i = 0; i < order.length; i++) for (const c of childTypes(order[i] as Type)) add(c);

  const sanitize = options.sanitize ?? {};
  let placeholderID = 0;
  if (sanitize.enum64 && order.some((t) => t.kind === 'enum' && isEnum64(t))) {
    placeholderID = firstID + order.length;
  }
  const strings = new StringTableBuilder(base?.strings.length ?? 0, base === undefined);
  const w = new ByteWriter(options.byteOrder ?? hostByteOrder, 4096);
  const idOf = (t: Type): number => {
    if (t.kind === 'void') return 0;
    const id = ids.get(t);
    if (id === undefined) throw new BtfError(`marshal: ${t.kind} ${JSON.stringify(t.name)} has no ID`);
    return id;
  };
  for (const t of order) writeType(w, t, { idOf, strings, sanitize, placeholderID });
  if (placeholderID !== 0) {
    writeType(w, new Int(PLACEHOLDER_NAME, 1), { idOf, strings, sanitize, placeholderID });
  }
  const typeBytes = w.finish();
  const stringBytes = strings.finish();
  const out = assemble(options.byteOrder ?? hostByteOrder, typeBytes, stringBytes, options.layout === true);
  ids.set(voidType, 0);
  return { bytes: out, ids };
}

function assemble(
  order: ByteOrder,
  typeBytes: Uint8Array,
  stringBytes: Uint8Array,
  withLayout: boolean,
): Uint8Array {
  const w = new ByteWriter(order, 32 + typeBytes.byteLength + stringBytes.byteLength + 128);
  const hdrLen = withLayout ? 32 : 24;
  let layout: Uint8Array | undefined;
  if (withLayout) {
    const lw = new ByteWriter(order);
    for (let k = 0; k <= MAX_KNOWN_KIND; k++) {
      const l = knownKindLayout(k);
      lw.u8(l?.infoSize ?? 0)
        .u8(l?.elemSize ?? 0)
        .u16(0);
    }
    layout = lw.finish();
  }
  const layoutLen = layout?.byteLength ?? 0;
  w.u16(BTF_MAGIC).u8(BTF_VERSION).u8(0).u32(hdrLen);
  w.u32(0).u32(typeBytes.byteLength);
  w.u32(typeBytes.byteLength + layoutLen).u32(stringBytes.byteLength);
  if (withLayout) w.u32(typeBytes.byteLength).u32(layoutLen);
  w.bytes(typeBytes);
  if (layout) w.bytes(layout);
  w.bytes(stringBytes);
  return w.finish();
}

interface WriteContext {
  idOf(t: Type): number;
  strings: StringTableBuilder;
  sanitize: SanitizeOptions;
  placeholderID: number;
}

function isEnum64(t: Type): boolean {
  return (
    t.kind === 'enum' && (t.enum64 || t.values.some((v) => v.value > 0xffffffffn || v.value < -0x80000000n))
  );
}

function vlenOf(n: number, t: Type): number {
  if (n > BTF_MAX_VLEN)
    throw new BtfError(`marshal ${t.kind} ${JSON.stringify(t.name)}: ${n} entries (max ${BTF_MAX_VLEN})`);
  return n;
}

function u32Field(v: number, what: string, t: Type): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new BtfError(`marshal ${t.kind} ${JSON.stringify(t.name)}: ${what} ${v} out of range`);
  }
  return v;
}

/** Writes one `btf_type` record plus its trailing data. */
function writeType(w: ByteWriter, t: Type, c: WriteContext): void {
  const { idOf, strings, sanitize: s } = c;
  const head = (name: string, kind: number, vlen: number, kflag: boolean, sizeOrType: number) => {
    w.u32(strings.add(name))
      .u32(makeInfo(kind, vlen, kflag))
      .u32(u32Field(sizeOrType, 'size/type', t));
  };
  switch (t.kind) {
    case 'void':
      throw new BtfError('marshal: void is implicit (type ID 0) and cannot be written');
    case 'int':
      head(t.name, Kind.Int, 0, false, t.size);
      if (t.encoding > 0xf || t.bitOffset > 0xff || t.bits > 0xff) {
        throw new BtfError(`marshal int ${JSON.stringify(t.name)}: encoding/offset/bits out of range`);
      }
      w.u32(((t.encoding << 24) | (t.bitOffset << 16) | t.bits) >>> 0);
      return;
    case 'pointer':
      head('', Kind.Pointer, 0, false, idOf(t.target));
      return;
    case 'array':
      head('', Kind.Array, 0, false, 0);
      w.u32(idOf(t.type))
        .u32(idOf(t.index))
        .u32(u32Field(t.nelems, 'nelems', t));
      return;
    case 'struct':
    case 'union': {
      const kflag = t.members.some((m) => m.bitfieldSize !== 0);
      head(
        t.name,
        t.kind === 'struct' ? Kind.Struct : Kind.Union,
        vlenOf(t.members.length, t),
        kflag,
        t.size,
      );
      for (const m of t.members) {
        w.u32(strings.add(m.name)).u32(idOf(m.type));
        if (kflag) {
          if (m.bitOffset > BTF_MAX_BITFIELD_OFFSET || m.bitfieldSize > 0xff || m.bitfieldSize < 0) {
            throw new BtfError(
              `marshal ${t.kind} ${JSON.stringify(t.name)}: member ${m.name} offset/size out of range`,
            );
          }
          w.u32(((m.bitfieldSize << 24) | m.bitOffset) >>> 0);
        } else {
          w.u32(u32Field(m.bitOffset, 'member offset', t));
        }
      }
      return;
    }
    case 'enum': {
      const vlen = vlenOf(t.values.length, t);
      if (isEnum64(t)) {
        if (s.enum64) {
          // libbpf: a union of 1-byte placeholders keeps the ID, the size and the enumerator names.
          head(t.name, Kind.Union, vlen, false, t.size);
          for (const v of t.values) w.u32(strings.add(v.name)).u32(c.placeholderID).u32(0);
          return;
        }
        head(t.name, Kind.Enum64, vlen, t.signed, t.size);
        for (const v of t.values) {
          const bits = BigInt.asUintN(64, v.value);
          w.u32(strings.add(v.name))
            .u32(Number(bits & 0xffffffffn))
            .u32(Number(bits >> 32n));
        }
        return;
      }
      head(t.name, Kind.Enum, vlen, t.signed && !s.enum64, t.size);
      for (const v of t.values) w.u32(strings.add(v.name)).u32(Number(BigInt.asUintN(32, v.value)));
      return;
    }
    case 'fwd':
      head(t.name, Kind.Fwd, 0, t.fwdKind === 'union', 0);
      return;
    case 'typedef':
      head(t.name, Kind.Typedef, 0, false, idOf(t.type));
      return;
    case 'volatile':
      head('', Kind.Volatile, 0, false, idOf(t.type));
      return;
    case 'const':
      head('', Kind.Const, 0, false, idOf(t.type));
      return;
    case 'restrict':
      head('', Kind.Restrict, 0, false, idOf(t.type));
      return;
    case 'func':
      if (s.func) head(t.name, Kind.Typedef, 0, false, idOf(t.type));
      else head(t.name, Kind.Func, s.funcLinkage ? 0 : t.linkage & 0xffff, false, idOf(t.type));
      return;
    case 'funcProto':
      if (s.func) {
        head('', Kind.Enum, vlenOf(t.params.length, t), false, 4);
        for (const p of t.params) w.u32(strings.add(p.name)).u32(idOf(p.type));
        return;
      }
      head('', Kind.FuncProto, vlenOf(t.params.length, t), false, idOf(t.type));
      for (const p of t.params) w.u32(strings.add(p.name)).u32(idOf(p.type));
      return;
    case 'var':
      if (s.datasecVar) {
        head(t.name, Kind.Int, 0, false, 1);
        w.u32(8);
        return;
      }
      head(t.name, Kind.Var, 0, false, idOf(t.type));
      w.u32(u32Field(t.linkage, 'linkage', t));
      return;
    case 'datasec': {
      const vlen = vlenOf(t.vars.length, t);
      if (s.datasecVar) {
        head(t.name.replace(/[.?]/g, '_'), Kind.Struct, vlen, false, t.size);
        for (const v of t.vars) {
          w.u32(strings.add(v.type.name))
            .u32(idOf(v.type))
            .u32(u32Field(v.offset * 8, 'member offset', t));
        }
        return;
      }
      head(s.qmarkDatasec ? t.name.replace(/\?/g, '_') : t.name, Kind.Datasec, vlen, false, t.size);
      for (const v of t.vars) {
        w.u32(idOf(v.type))
          .u32(u32Field(v.offset, 'offset', t))
          .u32(u32Field(v.size, 'size', t));
      }
      return;
    }
    case 'float':
      if (s.float) head('', Kind.Struct, 0, false, t.size);
      else head(t.name, Kind.Float, 0, false, t.size);
      return;
    case 'declTag':
      if (s.declTag) {
        head('', Kind.Int, 0, false, 1);
        w.u32(8);
        return;
      }
      head(t.name, Kind.DeclTag, 0, t.attribute, idOf(t.type));
      w.i32(t.componentIdx);
      return;
    case 'typeTag':
      if (s.typeTag) head('', Kind.Const, 0, false, idOf(t.type));
      else head(t.name, Kind.TypeTag, 0, t.attribute, idOf(t.type));
      return;
    case 'unknown':
      throw new BtfError(`marshal: cannot write type ${JSON.stringify(t.name)} of unknown kind ${t.btfKind}`);
  }
}
