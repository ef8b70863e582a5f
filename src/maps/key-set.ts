/**
 * `KeySet`: a set of fixed-size map keys, for iteration's "already handed out" check. Keys are read as
 * 32-bit words (callers pass a Uint32Array over a key buffer padded with zeros to whole words), hashed,
 * and placed by linear probing in an Int32Array index kept at most half full and sized up front from the
 * expected count, so adding a key is a few arithmetic operations and usually one cache miss:
 * - one-word keys (up to 4 bytes) store just their hash, a bijection of the word (equal hashes mean equal
 *   keys; the word whose hash is 0 is tracked by a flag);
 * - longer keys store `[entry + 1, hash]` pairs and their words in an append-only arena, compared only when
 *   two hashes match.
 * No string or object is created per key.
 */

/** Smallest index, in slots. */
const MIN_SLOTS = 1024;
/**
 * Largest index allocated up front (64 KiB): a walk over a big but sparse map should not pay for a big
 * zeroed table; the index grows fourfold when half full, so a 100k-key walk rehashes twice, not four
 * times.
 */
const MAX_INITIAL_SLOTS = 1 << 14;

/** The murmur3 finalizer: a bijection on 32-bit words that spreads every input bit. */
function mix32(x: number): number {
  let h = x ^ (x >>> 16);
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A 32-bit hash of the first `count` words of `words`. */
function hashWords(words: Uint32Array, count: number): number {
  let h = words[0]! | 0;
  for (let i = 1; i < count; i++) h = Math.imul(h ^ (h >>> 15), 0x9e3779b1) ^ words[i]!;
  return mix32(h);
}

/** Power-of-two slot count for `expected` keys at most half full, within [MIN_SLOTS, MAX_INITIAL_SLOTS]. */
function initialSlots(expected: number): number {
  let slots = MIN_SLOTS;
  while (slots < 2 * expected && slots < MAX_INITIAL_SLOTS) slots *= 2;
  return slots;
}

/** A set of keys of `wordsPerKey` 32-bit words each. */
export class KeySet {
  readonly #wordsPerKey: number;
  /** One-word keys: the hash per slot (0 = empty). Longer keys: entry number + 1 (0 = empty), then hash. */
  #table: Int32Array;
  /** Slots in `#table`. */
  #slots: number;
  /** Longer keys only: their words, entry after entry. */
  #arena: Uint32Array;
  /** One-word keys only: whether the word with hash 0 (the word 0) was added. */
  #hasZero = false;
  #count = 0;

  /** A set for keys of `wordsPerKey` words, with room for `expected` keys before it grows. */
  constructor(wordsPerKey: number, expected: number) {
    this.#wordsPerKey = Math.max(1, wordsPerKey);
    this.#slots = initialSlots(expected);
    const single = this.#wordsPerKey === 1;
    this.#table = new Int32Array(single ? this.#slots : 2 * this.#slots);
    this.#arena = new Uint32Array(single ? 0 : (this.#slots / 2) * this.#wordsPerKey);
  }

  /** Number of distinct keys added. */
  get size(): number {
    return this.#count;
  }

  /** Adds the key held in `words[0..wordsPerKey)`; returns false when it was already present. */
  add(words: Uint32Array): boolean {
    const added = this.#wordsPerKey === 1 ? this.#addWord(words[0]!) : this.#addWords(words);
    if (added && ++this.#count * 2 > this.#slots) this.#grow();
    return added;
  }

  #addWord(word: number): boolean {
    const hash = mix32(word);
    if (hash === 0) {
      if (this.#hasZero) return false;
      this.#hasZero = true;
      return true;
    }
    const table = this.#table;
    const mask = this.#slots - 1;
    let slot = hash & mask;
    for (let h = table[slot]!; h !== 0; h = table[slot]!) {
      if (h === hash) return false;
      slot = (slot + 1) & mask;
    }
    table[slot] = hash;
    return true;
  }

  #addWords(words: Uint32Array): boolean {
    const w = this.#wordsPerKey;
    const hash = hashWords(words, w);
    const table = this.#table;
    const mask = this.#slots - 1;
    let slot = hash & mask;
    for (let entry = table[2 * slot]!; entry !== 0; entry = table[2 * slot]!) {
      if (table[2 * slot + 1] === hash && this.#sameKey(entry - 1, words)) return false;
      slot = (slot + 1) & mask;
    }
    const entry = this.#count;
    this.#append(entry, words);
    table[2 * slot] = entry + 1;
    table[2 * slot + 1] = hash;
    return true;
  }

  #sameKey(entry: number, words: Uint32Array): boolean {
    const w = this.#wordsPerKey;
    const arena = this.#arena;
    const base = entry * w;
    for (let i = 0; i < w; i++) if (arena[base + i] !== words[i]) return false;
    return true;
  }

  #append(entry: number, words: Uint32Array): void {
    const w = this.#wordsPerKey;
    if ((entry + 1) * w > this.#arena.length) {
      const bigger = new Uint32Array(this.#arena.length * 2);
      bigger.set(this.#arena);
      this.#arena = bigger;
    }
    const arena = this.#arena;
    const base = entry * w;
    for (let i = 0; i < w; i++) arena[base + i] = words[i]!;
  }

  /** Quadruples the index, re-placing every entry by its stored hash. */
  #grow(): void {
    const old = this.#table;
    const single = this.#wordsPerKey === 1;
    const stride = single ? 1 : 2;
    this.#slots *= 4;
    const mask = this.#slots - 1;
    const table = new Int32Array(stride * this.#slots);
    for (let s = 0; s < old.length; s += stride) {
      if (old[s] === 0) continue;
      const hash = single ? old[s]! : old[s + 1]!;
      let slot = hash & mask;
      while (table[stride * slot] !== 0) slot = (slot + 1) & mask;
      table[stride * slot] = old[s]!;
      if (!single) table[stride * slot + 1] = hash;
    }
    this.#table = table;
  }
}
