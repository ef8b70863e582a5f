/**
 * The hash of a BTF name used by the name index: computed from the name's first (at most) 8 bytes read
 * as two little-endian 32-bit words, straight from string-table bytes (no JS string is created), so
 * hashing vmlinux's 70k names costs little more than touching each once. Names sharing their first 8
 * bytes share a hash; the index compares bytes to tell them apart.
 */

/** Bytes of a name that take part in its hash. */
export const NAME_HASH_BYTES = 8;

/**
 * The hash of a name whose first 8 bytes, read as little-endian 32-bit words, are `w0` and `w1`
 * (whatever follows its terminating NUL in them is ignored). Branch-free: names end at unpredictable
 * places, and this runs for every name of vmlinux. Bytes from the first NUL on are cleared, and the
 * second word is dropped when the first holds the NUL. A signed 32-bit integer (they compare
 * fastest).
 */
export function nameHashOfWords(w0: number, w1: number): number {
  // Bit 8k+7 set when byte k is zero (exactly for the first zero byte; later ones may be missed).
  const z0 = (w0 - 0x01010101) & ~w0 & 0x80808080;
  const z1 = (w1 - 0x01010101) & ~w1 & 0x80808080;
  // (z & -z) >>> 7 is 1 << 8k for the first zero byte k (0 when none): minus 1 masks the bytes
  // before it. `| 0` keeps -z a 32-bit integer (-(-2^31) would not be one, and slows the JIT code).
  const keep0 = ((z0 & (-z0 | 0)) >>> 7) - 1;
  const keep1 = (((z1 & (-z1 | 0)) >>> 7) - 1) & ~((z0 | (-z0 | 0)) >> 31);
  let x = Math.imul(w0 & keep0, 0x9e3779b1) ^ (w1 & keep1);
  // Final avalanche, so that the low bits (the bucket) depend on every byte.
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/**
 * Hash of the NUL-terminated name at byte `at` of `view`. Reads bytes `at .. at+7` whatever the name's
 * length, so needs `at + NAME_HASH_BYTES <= view.byteLength` (see `nameHashNearEnd` otherwise).
 */
export function nameHash(view: DataView, at: number): number {
  return nameHashOfWords(view.getUint32(at, true), view.getUint32(at + 4, true));
}

/**
 * `nameHash` of the name at `bytes[at]` when fewer than 8 bytes may follow it (as if the bytes went
 * on with zeros). Also hashes a query's UTF-8 bytes (`nameHashNearEnd(bytes, 0)`).
 */
export function nameHashNearEnd(bytes: Uint8Array, at: number): number {
  let w0 = 0;
  let w1 = 0;
  const end = Math.min(bytes.length, at + NAME_HASH_BYTES);
  for (let i = at; i < end; i++) {
    const k = i - at;
    if (k < 4) w0 |= (bytes[i] as number) << (8 * k);
    else w1 |= (bytes[i] as number) << (8 * (k - 4));
  }
  return nameHashOfWords(w0 >>> 0, w1 >>> 0);
}

/** `nameHash` of a name given as a string of code units below 0x80 (ASCII, no NUL). */
export function nameHashAscii(name: string): number {
  let w0 = 0;
  let w1 = 0;
  const end = Math.min(name.length, NAME_HASH_BYTES);
  for (let i = 0; i < end; i++) {
    if (i < 4) w0 |= name.charCodeAt(i) << (8 * i);
    else w1 |= name.charCodeAt(i) << (8 * (i - 4));
  }
  return nameHashOfWords(w0 >>> 0, w1 >>> 0);
}
