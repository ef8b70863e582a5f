/**
 * `SampleCopier`: copies samples out of a mapped ring for the copying read modes of the ring and perf
 * readers. V8 keeps typed arrays of up to 64 bytes on its heap but gives larger ones a backing store of
 * their own, which costs several times more than the copy; so samples over 64 bytes are copied into shared
 * slabs (like Node's Buffer pool) and handed out as views of them. A copy's `buffer` may therefore hold
 * other copies too; its own bytes are never touched again by the reader.
 */

/** Largest sample copied into its own array. */
const OWN_ARRAY_MAX = 64;
/** Bytes of a slab (a larger sample gets a slab of its size). */
const SLAB_BYTES = 64 * 1024;

/** Copies samples, batching the allocations of large ones. Holds no kernel memory. */
export class SampleCopier {
  #slab = new Uint8Array(0);
  #used = 0;

  /** A copy of `data[offset, offset + length)` that stays valid whatever happens to `data` afterwards. */
  copy(data: Uint8Array, offset: number, length: number): Uint8Array {
    if (length <= OWN_ARRAY_MAX) return data.slice(offset, offset + length);
    let at = this.#used;
    if (at + length > this.#slab.length) {
      this.#slab = new Uint8Array(Math.max(SLAB_BYTES, length));
      at = 0;
    }
    this.#slab.set(data.subarray(offset, offset + length), at);
    this.#used = (at + length + 7) & ~7;
    return this.#slab.subarray(at, at + length);
  }
}
