/**
 * A name → type index over raw string-table bytes. Hashing the NUL-terminated bytes in place (no JS
 * strings created) keeps building it for vmlinux's 126k types to a few milliseconds.
 */
import type { StringTable } from './string-table.js';

const encoder = new TextEncoder();

function tableFor(strings: StringTable, off: number): StringTable | undefined {
  let t: StringTable | undefined = strings;
  while (t !== undefined && off < t.start) t = t.base;
  return t;
}

/** Hash-chained index of entries (0-based positions) by the string at their name offset. */
export class NameHashIndex {
  readonly #strings: StringTable;
  readonly #nameOffsets: Uint32Array;
  readonly #heads: Int32Array;
  readonly #next: Int32Array;
  readonly #hashes: Uint32Array;
  readonly #mask: number;

  /** `nameOffsets[i]` is the name offset of entry `i`; 0 (anonymous) entries are not indexed. */
  constructor(strings: StringTable, nameOffsets: Uint32Array) {
    this.#strings = strings;
    this.#nameOffsets = nameOffsets;
    const n = nameOffsets.length;
    let buckets = 16;
    while (buckets < n) buckets *= 2;
    this.#mask = buckets - 1;
    this.#heads = new Int32Array(buckets).fill(-1);
    this.#next = new Int32Array(n);
    this.#hashes = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const off = nameOffsets[i] as number;
      if (off === 0) continue;
      const table = tableFor(strings, off);
      if (table === undefined) continue;
      const bytes = table.bytes;
      let at = off - table.start;
      if (bytes[at] === 0 || at >= bytes.length) continue;
      let h = 0x811c9dc5;
      for (let c = bytes[at] as number; c !== 0 && at < bytes.length; c = bytes[++at] as number) {
        h = Math.imul(h ^ c, 0x01000193);
      }
      h >>>= 0;
      const b = h & this.#mask;
      this.#hashes[i] = h;
      this.#next[i] = this.#heads[b] as number;
      this.#heads[b] = i;
    }
  }

  /** Positions of all entries named `name`, ascending. */
  lookup(name: string): number[] {
    if (name === '') return [];
    const q = encoder.encode(name);
    let h = 0x811c9dc5;
    for (let i = 0; i < q.length; i++) h = Math.imul(h ^ (q[i] as number), 0x01000193);
    h >>>= 0;
    const out: number[] = [];
    for (let i = this.#heads[h & this.#mask] as number; i >= 0; i = this.#next[i] as number) {
      if (this.#hashes[i] === h && this.matches(this.#nameOffsets[i] as number, q)) out.push(i);
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
