/**
 * A name → type index over raw string-table bytes, built without creating any JS string. Each type's
 * name is hashed by its first (at most) 8 bytes, read as two 32-bit words, which for vmlinux's 126k
 * types costs about as much as touching each name once. Names sharing those 8 bytes share a hash, so
 * a lookup compares the bytes of every candidate in its chain: a few for most names, a few thousand
 * for the longest shared prefixes in vmlinux (`trace_event_raw_…`), never more than one pass over the
 * names (what a linear search would cost).
 */
import type { StringTable } from './string-table.js';

const encoder = new TextEncoder();

/** Bytes of a name that take part in its hash. */
const PREFIX_BYTES = 8;

/** The string table holding offset `off` (the table itself or one of its bases). */
function tableFor(strings: StringTable, off: number): StringTable | undefined {
  let t: StringTable | undefined = strings;
  while (t !== undefined && off < t.start) t = t.base;
  return t;
}

/** `w` with the bytes from its first NUL on cleared (little-endian byte order: byte 0 is the lowest). */
function beforeNul(w: number, zeroBits: number): number {
  // zeroBits has bit 8k+7 set for the first zero byte k (and maybe later ones): keep bytes below it.
  return w & (((zeroBits & -zeroBits) >>> 7) - 1);
}

/** Flags the zero bytes of `w` (exactly for the first one): bit 8k+7 set when byte k is zero. */
function zeroBytes(w: number): number {
  return (w - 0x01010101) & ~w & 0x80808080;
}

/** Final avalanche so that the bucket (low bits) depends on every input bit. */
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Combines the (NUL-masked) first two words of a name. */
function combine(w0: number, w1: number): number {
  return mix(Math.imul(w0, 0x9e3779b1) ^ w1);
}

/**
 * Hash of the NUL-terminated name at `at` in `bytes` (`view` over the same bytes), from its first
 * PREFIX_BYTES bytes. Needs `at + PREFIX_BYTES <= bytes.length`; `prefixHashTail` handles the rest.
 */
function prefixHash(view: DataView, at: number): number {
  const w0 = view.getUint32(at, true);
  const z0 = zeroBytes(w0);
  if (z0 !== 0) return combine(beforeNul(w0, z0), 0);
  const w1 = view.getUint32(at + 4, true);
  const z1 = zeroBytes(w1);
  return combine(w0, z1 !== 0 ? beforeNul(w1, z1) : w1);
}

/** `prefixHash` for a name that starts fewer than PREFIX_BYTES bytes before the end of `bytes`. */
function prefixHashTail(bytes: Uint8Array, at: number): number {
  const padded = new Uint8Array(PREFIX_BYTES);
  padded.set(bytes.subarray(at, at + PREFIX_BYTES));
  return prefixHash(new DataView(padded.buffer), 0);
}

/** Hash-chained index of entries (0-based positions) by the string at their name offset. */
export class NameHashIndex {
  readonly #strings: StringTable;
  readonly #nameOffsets: Uint32Array;
  /** Per bucket: 1 + the last entry in its chain, or 0 when empty. */
  readonly #heads: Int32Array;
  /** Per entry: 1 + the previous entry in its chain, or 0 at its end. */
  readonly #next: Int32Array;
  readonly #hashes: Uint32Array;
  readonly #mask: number;

  /**
   * `nameOffsets[i]` is the name offset of entry `i`; anonymous entries (offset 0, or an empty or
   * out-of-range name) are not indexed.
   */
  constructor(strings: StringTable, nameOffsets: Uint32Array) {
    this.#strings = strings;
    this.#nameOffsets = nameOffsets;
    const n = nameOffsets.length;
    let buckets = 16;
    while (buckets < n) buckets *= 2;
    const mask = buckets - 1;
    const heads = new Int32Array(buckets);
    const next = new Int32Array(n);
    const hashes = new Uint32Array(n);
    // Names in this table (the usual case) take the fast path; a split spec's names in a base
    // table go through tableFor.
    const own = strings.bytes;
    const ownView = new DataView(own.buffer, own.byteOffset, own.byteLength);
    const start = strings.start;
    const ownFast = own.length - PREFIX_BYTES;
    for (let i = 0; i < n; i++) {
      const off = nameOffsets[i] as number;
      if (off === 0) continue;
      const at = off - start;
      let h: number;
      if (at >= 0 && at <= ownFast) {
        if (own[at] === 0) continue;
        h = prefixHash(ownView, at);
      } else {
        const table = tableFor(strings, off);
        if (table === undefined) continue;
        const local = off - table.start;
        const bytes = table.bytes;
        if (local >= bytes.length || bytes[local] === 0) continue;
        h =
          local + PREFIX_BYTES <= bytes.length
            ? prefixHash(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), local)
            : prefixHashTail(bytes, local);
      }
      const b = h & mask;
      hashes[i] = h;
      next[i] = heads[b] as number;
      heads[b] = i + 1;
    }
    this.#heads = heads;
    this.#next = next;
    this.#hashes = hashes;
    this.#mask = mask;
  }

  /** Positions of all entries named `name`, ascending. */
  lookup(name: string): number[] {
    if (name === '') return [];
    const q = encoder.encode(name);
    // A BTF name ends at its first NUL, so no name contains one.
    if (q.includes(0)) return [];
    const h = prefixHashTail(q, 0);
    const out: number[] = [];
    const hashes = this.#hashes;
    const next = this.#next;
    for (let e = this.#heads[h & this.#mask] as number; e !== 0; e = next[e - 1] as number) {
      const i = e - 1;
      if (hashes[i] === h && this.matches(this.#nameOffsets[i] as number, q)) out.push(i);
    }
    return out.reverse();
  }

  private matches(off: number, q: Uint8Array): boolean {
    const table = tableFor(this.#strings, off);
    if (table === undefined) return false;
    const bytes = table.bytes;
    const at = off - table.start;
    if (at + q.length >= bytes.length) return false;
    for (let i = 0; i < q.length; i++) if (bytes[at + i] !== q[i]) return false;
    return bytes[at + q.length] === 0;
  }
}
