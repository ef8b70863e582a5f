/**
 * Decodes one validated type record into the rich model. References to other types become
 * `LazyType`s resolved through the owning spec, so decoding is O(size of this record).
 */
import { Kind } from './kind.js';
import type { StringTable } from './string-table.js';
import {
  ArrayType,
  Const,
  Datasec,
  DeclTag,
  Enum,
  type EnumValue,
  Float,
  Func,
  FuncParam,
  FuncProto,
  Fwd,
  Int,
  LazyType,
  Member,
  Pointer,
  Restrict,
  Struct,
  type Type,
  Typedef,
  type TypeRef,
  type TypeResolver,
  TypeTag,
  Union,
  UnknownType,
  Var,
  VarSecinfo,
  Volatile,
  voidType,
} from './types.js';
import type { LayoutEntry } from './wire-header.js';
import { infoKind, kindLayoutOf } from './wire-types.js';

/** What the decoder needs from a parsed blob. */
export interface DecodeContext {
  view: DataView;
  littleEndian: boolean;
  strings: StringTable;
  resolver: TypeResolver;
  layout: readonly LayoutEntry[];
}

// Plain module constants rather than imported bindings: decoding runs for every type of vmlinux.
const K_INT = Kind.Int;
const K_PTR = Kind.Pointer;
const K_ARRAY = Kind.Array;
const K_STRUCT = Kind.Struct;
const K_UNION = Kind.Union;
const K_ENUM = Kind.Enum;
const K_FWD = Kind.Fwd;
const K_TYPEDEF = Kind.Typedef;
const K_VOLATILE = Kind.Volatile;
const K_CONST = Kind.Const;
const K_RESTRICT = Kind.Restrict;
const K_FUNC = Kind.Func;
const K_FUNC_PROTO = Kind.FuncProto;
const K_VAR = Kind.Var;
const K_DATASEC = Kind.Datasec;
const K_FLOAT = Kind.Float;
const K_DECL_TAG = Kind.DeclTag;
const K_TYPE_TAG = Kind.TypeTag;
const K_ENUM64 = Kind.Enum64;

function ref(c: DecodeContext, id: number): TypeRef {
  return id === 0 ? voidType : new LazyType(c.resolver, id);
}

/** Decodes the record at absolute offset `pos` (already validated by `scanTypes`). */
export function decodeType(c: DecodeContext, pos: number): Type {
  const { view, littleEndian: le, strings } = c;
  const info = view.getUint32(pos + 4, le);
  const kind = (info >>> 24) & 0x1f;
  const vlen = info & 0xffff;
  const kflag = info >>> 31 === 1;
  const name = strings.get(view.getUint32(pos, le));
  const sizeOrType = view.getUint32(pos + 8, le);
  const body = pos + 12;
  switch (kind) {
    case K_INT: {
      const enc = view.getUint32(body, le);
      return new Int(name, sizeOrType, (enc >>> 24) & 0x0f, enc & 0xff, (enc >>> 16) & 0xff);
    }
    case K_PTR:
      return new Pointer(ref(c, sizeOrType));
    case K_ARRAY:
      return new ArrayType(
        ref(c, view.getUint32(body, le)),
        ref(c, view.getUint32(body + 4, le)),
        view.getUint32(body + 8, le),
      );
    case K_STRUCT:
    case K_UNION: {
      const members: Member[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const at = body + i * 12;
        const off = view.getUint32(at + 8, le);
        members[i] = kflag
          ? new Member(
              strings.get(view.getUint32(at, le)),
              ref(c, view.getUint32(at + 4, le)),
              off & 0xffffff,
              off >>> 24,
            )
          : new Member(strings.get(view.getUint32(at, le)), ref(c, view.getUint32(at + 4, le)), off, 0);
      }
      return kind === Kind.Struct
        ? new Struct(name, sizeOrType, members)
        : new Union(name, sizeOrType, members);
    }
    case K_ENUM: {
      const values: EnumValue[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const at = body + i * 8;
        const raw = kflag ? view.getInt32(at + 4, le) : view.getUint32(at + 4, le);
        values[i] = { name: strings.get(view.getUint32(at, le)), value: BigInt(raw) };
      }
      return new Enum(name, sizeOrType, values, kflag, false);
    }
    case K_ENUM64: {
      const values: EnumValue[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const at = body + i * 12;
        const bits = (BigInt(view.getUint32(at + 8, le)) << 32n) | BigInt(view.getUint32(at + 4, le));
        values[i] = {
          name: strings.get(view.getUint32(at, le)),
          value: kflag ? BigInt.asIntN(64, bits) : bits,
        };
      }
      return new Enum(name, sizeOrType, values, kflag, true);
    }
    case K_FWD:
      return new Fwd(name, kflag ? 'union' : 'struct');
    case K_TYPEDEF:
      return new Typedef(name, ref(c, sizeOrType));
    case K_VOLATILE:
      return new Volatile(ref(c, sizeOrType));
    case K_CONST:
      return new Const(ref(c, sizeOrType));
    case K_RESTRICT:
      return new Restrict(ref(c, sizeOrType));
    case K_FUNC:
      return new Func(name, ref(c, sizeOrType), vlen);
    case K_FUNC_PROTO: {
      const params: FuncParam[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const at = body + i * 8;
        params[i] = new FuncParam(strings.get(view.getUint32(at, le)), ref(c, view.getUint32(at + 4, le)));
      }
      return new FuncProto(ref(c, sizeOrType), params);
    }
    case K_VAR:
      return new Var(name, ref(c, sizeOrType), view.getUint32(body, le));
    case K_DATASEC: {
      const vars: VarSecinfo[] = new Array(vlen);
      for (let i = 0; i < vlen; i++) {
        const at = body + i * 12;
        vars[i] = new VarSecinfo(
          ref(c, view.getUint32(at, le)),
          view.getUint32(at + 4, le),
          view.getUint32(at + 8, le),
        );
      }
      return new Datasec(name, sizeOrType, vars);
    }
    case K_FLOAT:
      return new Float(name, sizeOrType);
    case K_DECL_TAG:
      return new DeclTag(name, ref(c, sizeOrType), view.getInt32(body, le), kflag);
    case K_TYPE_TAG:
      return new TypeTag(name, ref(c, sizeOrType), kflag);
    default: {
      const lay = kindLayoutOf(kind, c.layout);
      const len = lay === undefined ? 0 : lay.infoSize + vlen * lay.elemSize;
      const data = new Uint8Array(view.buffer, view.byteOffset + body, len).slice();
      return new UnknownType(name, kind, info, sizeOrType, data);
    }
  }
}

/** Reads just the kind number of the record at `pos` (cheap filtering without decoding). */
export function recordKind(c: DecodeContext, pos: number): number {
  return infoKind(c.view.getUint32(pos + 4, c.littleEndian));
}
