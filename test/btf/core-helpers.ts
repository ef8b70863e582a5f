/**
 * Test helpers for the CO-RE engine: encoding hand-built type-model graphs into real `.BTF` bytes
 * (so the engine runs on genuine `Spec`s), and making relocation records.
 */
import { type CoreRelo, CoreReloKind } from '../../src/btf/ext-info.js';
import { IntEncoding, Kind } from '../../src/btf/kind.js';
import { loadSpec, type Spec } from '../../src/btf/spec.js';
import { childTypes } from '../../src/btf/type-utils.js';
import { ArrayType, Int, type Type } from '../../src/btf/types.js';
import { type ByteOrder, ByteWriter } from '../../src/internal/bytes.js';

/** A spec built from types, with the ID every type got. */
export interface BuiltSpec {
  spec: Spec;
  /** The ID of a type passed to (or reached from) `buildSpec`. */
  id(t: Type): number;
  /** The decoded type with the same ID as the model type `t`. */
  decoded(t: Type): Type;
}

/** Encodes `roots` and every type they reach (IDs in discovery order, roots first) into a Spec. */
export function buildSpec(roots: Type[], order: ByteOrder = 'little', base?: Spec): BuiltSpec {
  const firstID = base?.nextID ?? 1;
  const ids = new Map<Type, number>();
  const list: Type[] = [];
  const visit = (t: Type): void => {
    if (t.kind === 'void' || ids.has(t)) return;
    ids.set(t, firstID + list.length);
    list.push(t);
  };
  roots.forEach(visit);
  for (let i = 0; i < list.length; i++) for (const c of childTypes(list[i] as Type)) visit(c);

  const strings: string[] = [];
  const stringOffsets = new Map<string, number>();
  let strLen = base === undefined ? 1 : 0;
  const baseStrLen = base?.strings.length ?? 0;
  const str = (s: string): number => {
    if (s === '') return 0;
    let off = stringOffsets.get(s);
    if (off === undefined) {
      off = baseStrLen + strLen;
      stringOffsets.set(s, off);
      strings.push(s);
      strLen += s.length + 1;
    }
    return off;
  };
  const ref = (t: Type): number => {
    if (t.kind === 'void') return 0;
    const id = ids.get(t);
    if (id === undefined) throw new Error(`type ${t.kind} ${t.name} not in spec`);
    return id;
  };
  const info = (kind: number, vlen = 0, kflag = false): number =>
    ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;

  const w = new ByteWriter(order);
  for (const t of list) {
    switch (t.kind) {
      case 'int':
        w.u32(str(t.name)).u32(info(Kind.Int)).u32(t.size);
        w.u32(((t.encoding << 24) | (t.bitOffset << 16) | t.bits) >>> 0);
        break;
      case 'pointer':
        w.u32(0).u32(info(Kind.Pointer)).u32(ref(t.target));
        break;
      case 'array':
        w.u32(0).u32(info(Kind.Array)).u32(0);
        w.u32(ref(t.type)).u32(ref(t.index)).u32(t.nelems);
        break;
      case 'struct':
      case 'union': {
        const kflag = t.members.some((m) => m.bitfieldSize > 0);
        w.u32(str(t.name))
          .u32(info(t.kind === 'struct' ? Kind.Struct : Kind.Union, t.members.length, kflag))
          .u32(t.size);
        for (const m of t.members) {
          w.u32(str(m.name)).u32(ref(m.type));
          w.u32(kflag ? ((m.bitfieldSize << 24) | m.bitOffset) >>> 0 : m.bitOffset);
        }
        break;
      }
      case 'enum':
        w.u32(str(t.name))
          .u32(info(t.enum64 ? Kind.Enum64 : Kind.Enum, t.values.length, t.signed))
          .u32(t.size);
        for (const v of t.values) {
          const bits = BigInt.asUintN(64, v.value);
          w.u32(str(v.name)).u32(Number(bits & 0xffffffffn));
          if (t.enum64) w.u32(Number(bits >> 32n));
        }
        break;
      case 'fwd':
        w.u32(str(t.name))
          .u32(info(Kind.Fwd, 0, t.fwdKind === 'union'))
          .u32(0);
        break;
      case 'typedef':
        w.u32(str(t.name)).u32(info(Kind.Typedef)).u32(ref(t.type));
        break;
      case 'volatile':
      case 'const':
      case 'restrict': {
        const k = { volatile: Kind.Volatile, const: Kind.Const, restrict: Kind.Restrict }[t.kind];
        w.u32(0).u32(info(k)).u32(ref(t.type));
        break;
      }
      case 'typeTag':
        w.u32(str(t.name)).u32(info(Kind.TypeTag)).u32(ref(t.type));
        break;
      case 'funcProto':
        w.u32(0).u32(info(Kind.FuncProto, t.params.length)).u32(ref(t.returnType));
        for (const p of t.params) w.u32(str(p.name)).u32(ref(p.type));
        break;
      case 'func':
        w.u32(str(t.name)).u32(info(Kind.Func, t.linkage)).u32(ref(t.type));
        break;
      case 'float':
        w.u32(str(t.name)).u32(info(Kind.Float)).u32(t.size);
        break;
      default:
        throw new Error(`buildSpec: ${t.kind} not supported`);
    }
  }
  const typeBytes = w.finish();
  const sw = new ByteWriter(order);
  if (base === undefined) sw.u8(0);
  const enc = new TextEncoder();
  for (const s of strings) sw.bytes(enc.encode(s)).u8(0);
  const strBytes = sw.finish();
  const h = new ByteWriter(order);
  h.u16(0xeb9f).u8(1).u8(0).u32(24);
  h.u32(0).u32(typeBytes.byteLength).u32(typeBytes.byteLength).u32(strBytes.byteLength);
  h.bytes(typeBytes).bytes(strBytes);
  const spec = loadSpec(h.finish(), base === undefined ? {} : { base });
  const id = (t: Type): number => {
    if (t.kind === 'void') return 0;
    const found = ids.get(t);
    if (found === undefined) throw new Error(`type ${t.kind} ${t.name} not in spec`);
    return found;
  };
  return { spec, id, decoded: (t) => spec.typeByID(id(t)) };
}

/** Common integer types. */
export const ints = {
  int: new Int('int', 4, IntEncoding.Signed),
  uint: new Int('unsigned int', 4),
  long: new Int('long', 8, IntEncoding.Signed),
  ulong: new Int('unsigned long', 8),
  char: new Int('char', 1, IntEncoding.Signed | IntEncoding.Char),
  u8: new Int('unsigned char', 1),
  u16: new Int('unsigned short', 2),
};

/** `T[n]` with an `int` index type. */
export function arrayOf(t: Type, n: number): ArrayType {
  return new ArrayType(t, ints.int, n);
}

/** A relocation record against type `typeID`. */
export function relo(kind: number, typeID: number, accessStr = '0', insnOff = 0): CoreRelo {
  return { insnOff, typeID, accessStrOff: 0, accessStr, kind };
}

export { CoreReloKind as K };
