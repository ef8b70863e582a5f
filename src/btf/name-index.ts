/**
 * A name → type index over raw string-table bytes, built without creating any JS string: the named
 * records and their `nameHash`es come from the type scan, so building the index only links hash
 * chains. Names sharing their first 8 bytes share a hash, so a lookup compares the bytes of every
 * candidate in its chain: a few for most names, a few thousand for the longest shared prefixes in
 * vmlinux (`trace_event_raw_…`), never more than one pass over the names (what a linear search costs).
 */
import { NAME_HASH_BYTES, nameHash, nameHashAscii, nameHashNearEnd } from './name-hash.js';
import type { StringTable } from './string-table.js';

const encoder = new TextEncoder();

/** The string table holding offset `off` (the table itself or one of its bases). */
function tableFor(strings: StringTable, off: number): StringTable | undefined {
  let t: StringTable | undefined = strings;
  while (t !== undefined && off < t.start) t = t.base;
  return t;
}

/**
 * A function giving the `nameHash` of the name at a string offset of `strings` or its bases (0 when no
 * table holds it: it never matches), for hashing many names: names in `strings`' own bytes (nearly
 * all) are hashed through one DataView, the rest one by one.
 */
function offsetHasher(strings: StringTable): (off: number) => number {
  const bytes = strings.bytes;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = strings.start;
  const limit = bytes.length - NAME_HASH_BYTES;
  return (off) => {
    const at = off - start;
    if (at >= 0 && at <= limit) return nameHash(view, at);
    const table = tableFor(strings, off);
    if (table === undefined) return 0;
    const own = table.bytes;
    const there = off - table.start;
    if (there >= own.length) return 0;
    if (there + NAME_HASH_BYTES > own.length) return nameHashNearEnd(own, there);
    return nameHash(new DataView(own.buffer, own.byteOffset, own.byteLength), there);
  };
}

/** Where a spec's records and names are, and which records to index. */
export interface NameIndexSource {
  /** The spec's string table (with its bases). */
  strings: StringTable;
  /** The blob, to read each record's name offset (its first word) at `offsets[i]`. */
  view: DataView;
  littleEndian: boolean;
  /** Absolute offset of each type record (the scan's `offsets`). */
  offsets: Uint32Array;
  /** Positions (indexes into `offsets`) of the named records to index, ascending. */
  positions: Uint32Array;
  /** `nameHash` of each indexed record's name; completed (and so modified) when `unhashed > 0`. */
  hashes: Int32Array;
  /** How many of `hashes` the scan left uncomputed (0: all computed). */
  unhashed: number;
}

/** Hash-chained index of type records (0-based positions) by name. */
export class NameHashIndex {
  readonly #src: NameIndexSource;
  /** Per bucket: 1 + the last named entry in its chain, or 0 when empty. */
  readonly #heads: Int32Array;
  /** Per named entry: 1 + the previous entry in its chain, or 0 at its end. */
  readonly #next: Int32Array;
  readonly #mask: number;

  /** Links the chains of every record of `src.positions`. */
  constructor(src: NameIndexSource) {
    this.#src = src;
    const { positions, hashes: nameHashes } = src;
    const n = positions.length;
    if (src.unhashed > 0) {
      const hashAt = offsetHasher(src.strings);
      const { view, littleEndian, offsets } = src;
      for (let j = 0; j < n; j++) {
        nameHashes[j] = hashAt(view.getUint32(offsets[positions[j] as number] as number, littleEndian));
      }
    }
    let buckets = 16;
    while (buckets < n / 2) buckets *= 2;
    const mask = buckets - 1;
    const heads = new Int32Array(buckets);
    const next = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const b = (nameHashes[j] as number) & mask;
      next[j] = heads[b] as number;
      heads[b] = j + 1;
    }
    this.#heads = heads;
    this.#next = next;
    this.#mask = mask;
  }

  /** Positions of all records named `name`, ascending. */
  lookup(name: string): number[] {
    if (name === '') return [];
    // Kernel names are ASCII: hashed and compared from the string's code units, no encoding.
    let ascii = true;
    for (let i = 0; i < name.length && ascii; i++) {
      const c = name.charCodeAt(i);
      ascii = c !== 0 && c < 0x80;
    }
    const q = ascii ? name : encoder.encode(name);
    // A BTF name ends at its first NUL, so no name contains one.
    if (typeof q !== 'string' && q.includes(0)) return [];
    const h = typeof q === 'string' ? nameHashAscii(q) : nameHashNearEnd(q, 0);
    const { positions: named, hashes: nameHashes } = this.#src;
    const next = this.#next;
    const out: number[] = [];
    for (let e = this.#heads[h & this.#mask] as number; e !== 0; e = next[e - 1] as number) {
      const j = e - 1;
      if (nameHashes[j] === h && this.matches(this.nameOffset(j), q)) out.push(named[j] as number);
    }
    return out.reverse();
  }

  /** The name offset of named entry `j`. */
  private nameOffset(j: number): number {
    const { view, littleEndian, offsets, positions } = this.#src;
    return view.getUint32(offsets[positions[j] as number] as number, littleEndian);
  }

  /** Whether the string at offset `off` is `q` (ASCII code units, or UTF-8 bytes). */
  private matches(off: number, q: string | Uint8Array): boolean {
    const table = tableFor(this.#src.strings, off);
    if (table === undefined) return false;
    const bytes = table.bytes;
    const at = off - table.start;
    if (at + q.length >= bytes.length) return false;
    // Candidates share the query's hashed prefix, so the end of the name (a NUL right after
    // q.length bytes) tells most of them apart with one read.
    if (bytes[at + q.length] !== 0) return false;
    if (typeof q === 'string') {
      for (let i = 0; i < q.length; i++) if (bytes[at + i] !== q.charCodeAt(i)) return false;
    } else {
      for (let i = 0; i < q.length; i++) if (bytes[at + i] !== q[i]) return false;
    }
    return true;
  }
}
