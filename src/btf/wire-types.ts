/**
 * Scans the `.BTF` type section: finds where each type record starts (so types can be decoded on
 * demand), and validates every record's size, kind, type references and name offsets up front, so
 * that lazy decoding later never meets malformed data.
 */
import type { ByteReader } from '../internal/bytes.js';
import {
  Kind,
  type KindLayout,
  kindName,
  knownKindLayout,
  MAX_KNOWN_KIND as MAX_KIND,
  BTF_TYPE_SIZE as TYPE_SIZE,
} from './kind.js';
import type { LayoutEntry } from './wire-header.js';
import {
  grown,
  initialFuncCapacity,
  initialNamedCapacity,
  initialTypeCapacity,
  type RawScan,
  scanTypeWords,
} from './wire-types-words.js';

/** Result of scanning a type section. */
export interface TypeIndex {
  /** Absolute offset (in the blob) of each type record; index 0 is type ID `firstID`. */
  offsets: Uint32Array;
  /** Positions (indexes into `offsets`) of the records other than FUNCs with a name, ascending. */
  named: Uint32Array;
  /** `nameHash` of each named record's name (same indexing as `named`), unless `unhashed > 0`. */
  nameHashes: Int32Array;
  /** Named records whose hash was not computed by the scan (0: `nameHashes` is complete). */
  unhashed: number;
  /** Positions of the named FUNC records, ascending (not hashed by the scan). */
  funcs: Uint32Array;
}

/** Inputs of `scanTypes`. */
export interface ScanOptions {
  /** Reader over the whole blob. */
  reader: ByteReader;
  /** Absolute start and length of the type section. */
  typeOff: number;
  typeLen: number;
  /** Layout section entries (empty when absent). */
  layout: readonly LayoutEntry[];
  /** ID of the first type in this blob (1, or base count + 1 for split BTF). */
  firstID: number;
  /** Number of valid string offsets (base + own). */
  stringsLength: number;
  /** The blob's own string table, whose first byte is string offset `start`: names there are hashed. */
  names?: { bytes: Uint8Array; start: number };
}

/** Extracts the kind number from `btf_type.info`. */
export function infoKind(info: number): number {
  return (info >>> 24) & 0x1f;
}

/** Extracts vlen from `btf_type.info`. */
export function infoVlen(info: number): number {
  return info & 0xffff;
}

/** Extracts kind_flag from `btf_type.info`. */
export function infoKindFlag(info: number): boolean {
  return info >>> 31 === 1;
}

/** Builds `btf_type.info` from its fields. */
export function makeInfo(kind: number, vlen: number, kindFlag: boolean): number {
  return ((kindFlag ? 0x80000000 : 0) | ((kind & 0x1f) << 24) | (vlen & 0xffff)) >>> 0;
}

/** The trailing-data layout of `kind`: a known kind's, else the layout section's, else undefined. */
export function kindLayoutOf(kind: number, layout: readonly LayoutEntry[]): KindLayout | undefined {
  return knownKindLayout(kind) ?? (kind > 0 ? layout[kind] : undefined);
}

/** Scans and validates all type records. Throws ParseError on any malformed record. */
export function scanTypes(o: ScanOptions): TypeIndex {
  // The word scan covers the usual case (host byte order, aligned); anything it does not expect
  // (including every malformed record) is left to the byte scan, which reports the exact problem.
  const scan = scanTypeWords(o) ?? scanRecords(o);
  const index: TypeIndex = {
    offsets: scan.offsets.subarray(0, scan.count),
    named: scan.named.subarray(0, scan.namedCount),
    nameHashes: scan.nameHashes.subarray(0, scan.namedCount),
    unhashed: scan.unhashed,
    funcs: scan.funcs.subarray(0, scan.funcCount),
  };
  const idLimit = o.firstID + scan.count;
  if (scan.maxName >= o.stringsLength || scan.maxRef >= idLimit) validateReferences(o, index, idLimit);
  return index;
}

/** The byte scan (either byte order, any alignment); throws ParseError at the first bad record. */
function scanRecords(o: ScanOptions): RawScan {
  const { reader: r, typeOff, typeLen, layout, firstID } = o;
  const end = typeOff + typeLen;
  const view = r.view;
  const le = r.littleEndian;
  let offsets = new Uint32Array(initialTypeCapacity(typeLen));
  let named = new Uint32Array(initialNamedCapacity(offsets.length));
  let namedCount = 0;
  let funcs = new Uint32Array(initialFuncCapacity(offsets.length));
  let funcCount = 0;
  let count = 0;
  let pos = typeOff;
  // One pass: find record boundaries and the largest name offset / type ID referenced; only if
  // those are out of range is a second pass made to report the exact offending record.
  let maxName = 0;
  let maxRef = 0;
  while (pos < end) {
    const id = firstID + count;
    if (pos + BTF_TYPE_SIZE > end)
      throw r.error(`type ${id}: truncated header (${end - pos} bytes left)`, pos);
    const info = view.getUint32(pos + 4, le);
    const kind = (info >>> 24) & 0x1f;
    const lay =
      kind >= 1 && kind <= MAX_KNOWN_KIND ? KNOWN_LAYOUTS[kind] : kind > 0 ? layout[kind] : undefined;
    if (lay === undefined) {
      throw r.error(
        `type ${id}: unknown kind ${kind} (${kindName(kind)}) and no layout section describes it`,
        pos,
      );
    }
    const vlen = kind === K_FUNC ? 0 : info & 0xffff;
    const size = BTF_TYPE_SIZE + lay.infoSize + vlen * lay.elemSize;
    if (pos + size > end) {
      throw r.error(
        `type ${id} (${kindName(kind)}, vlen ${vlen}): record of ${size} bytes overruns type section`,
        pos,
      );
    }
    const nameOff = view.getUint32(pos, le);
    if (count === offsets.length) offsets = grown(offsets);
    if (nameOff !== 0 && kind === K_FUNC) {
      if (funcCount === funcs.length) funcs = grown(funcs);
      funcs[funcCount++] = count;
    } else if (nameOff !== 0) {
      if (namedCount === named.length) named = grown(named);
      named[namedCount++] = count;
    }
    offsets[count++] = pos;
    if (nameOff > maxName) maxName = nameOff;
    const body = pos + BTF_TYPE_SIZE;
    let v = 0;
    switch (kind) {
      case K_PTR:
      case K_TYPEDEF:
      case K_VOLATILE:
      case K_CONST:
      case K_RESTRICT:
      case K_FUNC:
      case K_VAR:
      case K_DECL_TAG:
      case K_TYPE_TAG:
        v = view.getUint32(pos + 8, le);
        if (v > maxRef) maxRef = v;
        break;
      case K_ARRAY:
        v = Math.max(view.getUint32(body, le), view.getUint32(body + 4, le));
        if (v > maxRef) maxRef = v;
        break;
      case K_STRUCT:
      case K_UNION:
        for (let at = body; at < pos + size; at += 12) {
          v = view.getUint32(at, le);
          if (v > maxName) maxName = v;
          v = view.getUint32(at + 4, le);
          if (v > maxRef) maxRef = v;
        }
        break;
      case K_ENUM:
        for (let at = body; at < pos + size; at += 8) {
          v = view.getUint32(at, le);
          if (v > maxName) maxName = v;
        }
        break;
      case K_ENUM64:
        for (let at = body; at < pos + size; at += 12) {
          v = view.getUint32(at, le);
          if (v > maxName) maxName = v;
        }
        break;
      case K_FUNC_PROTO:
        v = view.getUint32(pos + 8, le);
        if (v > maxRef) maxRef = v;
        for (let at = body; at < pos + size; at += 8) {
          v = view.getUint32(at, le);
          if (v > maxName) maxName = v;
          v = view.getUint32(at + 4, le);
          if (v > maxRef) maxRef = v;
        }
        break;
      case K_DATASEC:
        for (let at = body; at < pos + size; at += 12) {
          v = view.getUint32(at, le);
          if (v > maxRef) maxRef = v;
        }
        break;
      default:
        break;
    }
    pos += size;
  }
  // This path leaves hashing to the name index.
  const nameHashes = new Int32Array(namedCount);
  return {
    offsets,
    count,
    named,
    nameHashes,
    namedCount,
    unhashed: namedCount,
    funcs,
    funcCount,
    maxName,
    maxRef,
  };
}

// Plain module constants (not imported bindings): this loop runs for every type of vmlinux.
const BTF_TYPE_SIZE = TYPE_SIZE;
const MAX_KNOWN_KIND = MAX_KIND;
const K_PTR = Kind.Pointer;
const K_ARRAY = Kind.Array;
const K_STRUCT = Kind.Struct;
const K_UNION = Kind.Union;
const K_ENUM = Kind.Enum;
const K_TYPEDEF = Kind.Typedef;
const K_VOLATILE = Kind.Volatile;
const K_CONST = Kind.Const;
const K_RESTRICT = Kind.Restrict;
const K_FUNC = Kind.Func;
const K_FUNC_PROTO = Kind.FuncProto;
const K_VAR = Kind.Var;
const K_DATASEC = Kind.Datasec;
const K_DECL_TAG = Kind.DeclTag;
const K_TYPE_TAG = Kind.TypeTag;
const K_ENUM64 = Kind.Enum64;

/** Wire layouts of the known kinds, by kind number. */
export const KNOWN_LAYOUTS: readonly (KindLayout | undefined)[] = Array.from(
  { length: MAX_KNOWN_KIND + 1 },
  (_, k) => knownKindLayout(k),
);

/** Finds and reports the record holding an out-of-range name offset or type ID. */
function validateReferences(o: ScanOptions, index: TypeIndex, idLimit: number): void {
  const { reader: r, stringsLength, firstID } = o;
  const view = r.view;
  const le = r.littleEndian;
  const u32 = (at: number) => view.getUint32(at, le);
  const name = (at: number, id: number) => {
    const off = u32(at);
    if (off >= stringsLength)
      throw r.error(`type ${id}: name offset ${off} out of bounds (${stringsLength})`, at);
  };
  const typeRef = (at: number, id: number) => {
    const t = u32(at);
    if (t >= idLimit) throw r.error(`type ${id}: references type ${t}, but only ${idLimit - 1} exist`, at);
  };
  const offsets = index.offsets;
  for (let i = 0; i < offsets.length; i++) {
    const pos = offsets[i] as number;
    const id = firstID + i;
    const info = u32(pos + 4);
    const kind = infoKind(info);
    const vlen = infoVlen(info);
    name(pos, id);
    const body = pos + BTF_TYPE_SIZE;
    switch (kind) {
      case Kind.Pointer:
      case Kind.Typedef:
      case Kind.Volatile:
      case Kind.Const:
      case Kind.Restrict:
      case Kind.Func:
      case Kind.Var:
      case Kind.DeclTag:
      case Kind.TypeTag:
        typeRef(pos + 8, id);
        break;
      case Kind.Array:
        typeRef(body, id);
        typeRef(body + 4, id);
        break;
      case Kind.Struct:
      case Kind.Union:
        for (let m = 0; m < vlen; m++) {
          name(body + m * 12, id);
          typeRef(body + m * 12 + 4, id);
        }
        break;
      case Kind.Enum:
        for (let m = 0; m < vlen; m++) name(body + m * 8, id);
        break;
      case Kind.Enum64:
        for (let m = 0; m < vlen; m++) name(body + m * 12, id);
        break;
      case Kind.FuncProto:
        typeRef(pos + 8, id);
        for (let m = 0; m < vlen; m++) {
          name(body + m * 8, id);
          typeRef(body + m * 8 + 4, id);
        }
        break;
      case Kind.Datasec:
        for (let m = 0; m < vlen; m++) typeRef(body + m * 12, id);
        break;
      default:
        break;
    }
  }
  throw r.error('reference out of range', offsets[0] ?? 0);
}
