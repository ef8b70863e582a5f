/**
 * The fast path of scanning a `.BTF` type section (see `scanTypes`): the section read in place as
 * 32-bit words of the host's byte order, one tight loop with no per-type allocation. It gives up
 * (undefined) on anything unusual, and the byte-by-byte scan then runs and reports the problem.
 */
import { hostByteOrder } from '../internal/bytes.js';
import { Kind, knownKindLayout } from './kind.js';
import { NAME_HASH_BYTES, nameHash } from './name-hash.js';
import type { LayoutEntry } from './wire-header.js';
import type { ScanOptions } from './wire-types.js';

/**
 * Room for type records to start with: enough for vmlinux-like sections (records average over 20
 * bytes) without growing, and never more than the section could hold (12 bytes per record).
 */
export function initialTypeCapacity(typeLen: number): number {
  return Math.min(Math.floor(typeLen / 12), Math.floor(typeLen / 20) + 64);
}

/** Room for named records other than FUNCs to start with (an eighth of all in vmlinux). */
export function initialNamedCapacity(typeCapacity: number): number {
  return (typeCapacity >>> 2) + 16;
}

/** Room for named FUNC records to start with (under half of all in vmlinux). */
export function initialFuncCapacity(typeCapacity: number): number {
  return (typeCapacity >>> 1) + 16;
}

/** `a` copied into an array twice its length. */
export function grown(a: Uint32Array): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}

/** `a` copied into an array twice its length. */
export function grownInt32(a: Int32Array): Int32Array<ArrayBuffer> {
  const b = new Int32Array(Math.max(16, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Record boundaries, named records with their name hashes, and the largest name offset / type ID
 * referenced (validated afterwards). Arrays have spare room: `count` and `namedCount` entries are used.
 */
export interface RawScan {
  offsets: Uint32Array;
  count: number;
  /** Positions (indexes into `offsets`) of the records other than FUNCs with a name offset other than 0. */
  named: Uint32Array;
  /** `nameHash` of each named record's name, where computed (see `unhashed`). */
  nameHashes: Int32Array;
  namedCount: number;
  /**
   * Positions of the FUNC records with a name (most of vmlinux's named records): kept apart, unhashed,
   * so lookups of other kinds never pay for indexing them.
   */
  funcs: Uint32Array;
  funcCount: number;
  /** How many named records were left unhashed (their name is not in the blob's own strings). */
  unhashed: number;
  maxName: number;
  maxRef: number;
}

// Plain module constants (not imported bindings): this loop runs for every type of vmlinux.
const K_FUNC = Kind.Func;
const K_ARRAY = Kind.Array;
const K_STRUCT = Kind.Struct;
const K_UNION = Kind.Union;
const K_ENUM = Kind.Enum;
const K_FUNC_PROTO = Kind.FuncProto;
const K_VAR = Kind.Var;
const K_DATASEC = Kind.Datasec;
const K_DECL_TAG = Kind.DeclTag;
const K_ENUM64 = Kind.Enum64;
/**
 * Known kinds without trailing data, as a bit set: 3-word records (PTR, FWD, TYPEDEF, VOLATILE,
 * CONST, RESTRICT, FUNC — whose vlen is its linkage —, FLOAT, TYPE_TAG).
 */
const BARE_KINDS = Array.from({ length: 32 }, (_, k) => knownKindLayout(k)).reduce(
  (set, lay, k) => (lay !== undefined && lay.infoSize === 0 && lay.elemSize === 0 ? set | (1 << k) : set),
  0,
);
/** Those of them whose third word is a type ID (FWD and FLOAT have a flag or a size there). */
const BARE_REF_KINDS = BARE_KINDS & ~(1 << Kind.Fwd) & ~(1 << Kind.Float);
const HOST_LITTLE_ENDIAN = hostByteOrder === 'little';
// Called through a module constant too: calling the imported binding here is markedly slower.
const hashName = nameHash;
const NAME_BYTES = NAME_HASH_BYTES;

/**
 * Per kind number `k`: `[2k]` = 32-bit words of fixed trailing data, `[2k+1]` = words per vlen
 * element; -1 when the kind has no layout or its sizes are not whole words.
 */
function wordLayouts(layout: readonly LayoutEntry[]): Int32Array {
  const out = new Int32Array(64).fill(-1);
  for (let k = 1; k < 32; k++) {
    const lay = knownKindLayout(k) ?? layout[k];
    if (lay === undefined || lay.infoSize % 4 !== 0 || lay.elemSize % 4 !== 0) continue;
    out[2 * k] = lay.infoSize / 4;
    out[2 * k + 1] = lay.elemSize / 4;
  }
  return out;
}

/**
 * The fast scan: reads the type section as host-order 32-bit words (no copy) when the blob's byte
 * order is the host's and the section is word-aligned. Returns undefined when it cannot (other byte
 * order, misalignment) or meets anything irregular (truncation, unknown kind), without reporting it.
 */
export function scanTypeWords(o: ScanOptions): RawScan | undefined {
  const { reader: r, typeOff, typeLen } = o;
  const start = r.view.byteOffset + typeOff;
  if (r.littleEndian !== HOST_LITTLE_ENDIAN || start % 4 !== 0 || typeLen % 4 !== 0) return undefined;
  const words = new Uint32Array(r.view.buffer, start, typeLen / 4);
  const sizes = o.layout.length === 0 ? KNOWN_WORD_LAYOUTS : wordLayouts(o.layout);
  const n = words.length;
  let offsets = new Uint32Array(initialTypeCapacity(typeLen));
  let named = new Uint32Array(initialNamedCapacity(offsets.length));
  let nameHashes = new Int32Array(named.length);
  let namedCount = 0;
  let unhashed = 0;
  let funcs = new Uint32Array(initialFuncCapacity(offsets.length));
  let funcCount = 0;
  // Capacities kept in locals: a property read the JIT has no feedback for yet (say, the first FUNC
  // met after it compiled the loop) would send the loop back to the interpreter.
  let offsetsCap = offsets.length;
  let namedCap = named.length;
  let funcsCap = funcs.length;
  // Names are hashed here, while the record is at hand, when they lie in the blob's own string
  // table at least NAME_BYTES before its end (all but a few); the index hashes the rest.
  const strBytes = o.names?.bytes ?? new Uint8Array(0);
  const strView = new DataView(strBytes.buffer, strBytes.byteOffset, strBytes.byteLength);
  const strStart = o.names?.start ?? 0;
  const hashLimit = strBytes.byteLength - NAME_BYTES;
  let count = 0;
  let maxName = 0;
  let maxRef = 0;
  let w = 0;
  while (w < n) {
    if (w + 3 > n) return undefined;
    const info = words[w + 1] as number;
    const kind = (info >>> 24) & 0x1f;
    const nameOff = words[w] as number;
    // Compared for every record, so the JIT has feedback for it from the first iteration on.
    const isFunc = kind === K_FUNC;
    if (count === offsetsCap) {
      offsets = grown(offsets);
      offsetsCap = offsets.length;
    }
    if (nameOff !== 0) {
      if (isFunc) {
        if (funcCount === funcsCap) {
          funcs = grown(funcs);
          funcsCap = funcs.length;
        }
        funcs[funcCount++] = count;
      } else {
        if (namedCount === namedCap) {
          named = grown(named);
          nameHashes = grownInt32(nameHashes);
          namedCap = named.length;
        }
        named[namedCount] = count;
        const at = nameOff - strStart;
        if (at >= 0 && at <= hashLimit) nameHashes[namedCount] = hashName(strView, at);
        else unhashed++;
        namedCount++;
      }
      if (nameOff > maxName) maxName = nameOff;
    }
    offsets[count++] = typeOff + 4 * w;
    let v = 0;
    if (((BARE_KINDS >>> kind) & 1) !== 0) {
      // The commonest records (FUNC, PTR, CONST...) have no trailing data: the next one's position
      // is known without a table lookup, so the loop's critical path is short.
      if (((BARE_REF_KINDS >>> kind) & 1) !== 0) {
        v = words[w + 2] as number;
        if (v > maxRef) maxRef = v;
      }
      w += 3;
      continue;
    }
    const fixed = sizes[2 * kind] as number;
    if (fixed < 0) return undefined;
    const body = w + 3;
    const next = body + fixed + (info & 0xffff) * (sizes[2 * kind + 1] as number);
    if (next > n) return undefined;
    switch (kind) {
      case K_VAR:
      case K_DECL_TAG:
        v = words[w + 2] as number;
        if (v > maxRef) maxRef = v;
        break;
      case K_ARRAY:
        v = words[body] as number;
        if (v > maxRef) maxRef = v;
        v = words[body + 1] as number;
        if (v > maxRef) maxRef = v;
        break;
      case K_STRUCT:
      case K_UNION:
        for (let at = body; at < next; at += 3) {
          v = words[at] as number;
          if (v > maxName) maxName = v;
          v = words[at + 1] as number;
          if (v > maxRef) maxRef = v;
        }
        break;
      case K_ENUM:
        for (let at = body; at < next; at += 2) {
          v = words[at] as number;
          if (v > maxName) maxName = v;
        }
        break;
      case K_ENUM64:
        for (let at = body; at < next; at += 3) {
          v = words[at] as number;
          if (v > maxName) maxName = v;
        }
        break;
      case K_FUNC_PROTO:
        v = words[w + 2] as number;
        if (v > maxRef) maxRef = v;
        for (let at = body; at < next; at += 2) {
          v = words[at] as number;
          if (v > maxName) maxName = v;
          v = words[at + 1] as number;
          if (v > maxRef) maxRef = v;
        }
        break;
      case K_DATASEC:
        for (let at = body; at < next; at += 3) {
          v = words[at] as number;
          if (v > maxRef) maxRef = v;
        }
        break;
      default:
        break;
    }
    w = next;
  }
  return { offsets, count, named, nameHashes, namedCount, unhashed, funcs, funcCount, maxName, maxRef };
}

/** `wordLayouts` of a blob without a layout section. */
const KNOWN_WORD_LAYOUTS = wordLayouts([]);
