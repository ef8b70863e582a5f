/**
 * A name → type index over raw string-table bytes, built without creating any JS string: the named
 * records and their `nameHash`es come from the type scan, so building the index only links hash
 * chains. Names sharing their first 8 bytes share a hash, so a lookup compares the bytes of every
 * candidate in its chain: a few for most names, a few thousand for the longest shared prefixes in
 * vmlinux (`trace_event_raw_…`), never more than one pass over the names (what a linear search costs).
 */
import { NAME_HASH_BYTES, nameHash, nameHashAscii, nameHashNearEnd } from './name-hash.js';
import type { StringTable } from './string-table.js';
import type { TypeIndex } from './wire-types.js';

const encoder = new TextEncoder();

/** The string table holding offset `off` (the table itself or one of its bases). */
function tableFor(strings: StringTable, off: number): StringTable | undefined {
  let t: StringTable | undefined = strings;
  while (t !== undefined && off < t.start) t = t.base;
  return t;
}

/** `nameHash` of the name at string offset `off` (0 when no table holds it: it never matches). */
function hashOfOffset(strings: StringTable, off: number): number {
  const table = tableFor(strings, off);
  if (table === undefined) return 0;
  const bytes = table.bytes;
  const at = off - table.start;
  if (at >= bytes.length) return 0;
  if (at + NAME_HASH_BYTES > bytes.length) return nameHashNearEnd(bytes, at);
  return nameHash(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), at);
}

/** Where a spec's records and names are. */
export interface NameIndexSource {
  /** The spec's string table (with its bases). */
  strings: StringTable;
  /** The blob, to read each record's name offset (its first word) at `index.offsets[i]`. */
  view: DataView;
  littleEndian: boolean;
  /** The scan's result. Its `nameHashes` are completed (and so modified) when `unhashed > 0`. */
  index: TypeIndex;
}

/** Hash-chained index of type records (0-based positions) by name. */
export class NameHashIndex {
  readonly #src: NameIndexSource;
  /** Per bucket: 1 + the last named entry in its chain, or 0 when empty. */
  readonly #heads: Int32Array;
  /** Per named entry: 1 + the previous entry in its chain, or 0 at its end. */
  readonly #next: Int32Array;
  readonly #mask: number;

  /** Links the chains of every named record of `src.index`. */
  constructor(src: NameIndexSource) {
    this.#src = src;
    const { named, nameHashes } = src.index;
    const n = named.length;
    if (src.index.unhashed > 0) {
      for (let j = 0; j < n; j++) nameHashes[j] = hashOfOffset(src.strings, this.nameOffset(j));
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
    const { named, nameHashes } = this.#src.index;
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
    const { view, littleEndian, index } = this.#src;
    return view.getUint32(index.offsets[index.named[j] as number] as number, littleEndian);
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
