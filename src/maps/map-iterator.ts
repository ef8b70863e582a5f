/**
 * Key iteration with BPF_MAP_GET_NEXT_KEY, robust to entries being deleted while iterating.
 *
 * The kernel answers "next key after K" by position; when K was deleted, hash-like maps (HASH, LRU,
 * LPM_TRIE, STACK_TRACE...) restart from their first key. Two measures keep iteration correct:
 * 1. Prefetch: the next key is fetched BEFORE the current one is handed out, so deleting the current key
 *    in the loop body (the common pattern) never triggers a restart.
 * 2. Seen set (hash-like maps only): every key handed out is remembered (in a `KeySet`, a few words per
 *    key); after a restart, keys already seen are skipped silently, so no key is produced twice and
 *    iteration still reaches the end. Array maps (dense indexes) cannot restart and keep no set.
 * If the walk keeps revisiting seen keys far beyond the map's size (heavy concurrent churn), iteration
 * stops with an `EbpfError` coded `EITERABORTED` rather than spinning. A key deleted by someone else after
 * it was prefetched may still be produced once.
 *
 * `KeyWalk` does the walk with everything prepared up front (`WalkBuffers`, kept by the map and reused by
 * its walks): two key buffers that take turns as "current" and "next", and for each a GET_NEXT_KEY attr
 * (current → next) and a LOOKUP_ELEM attr (current → the handle's value buffer), all called by address.
 * A step is one syscall and no allocation.
 */
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { MapElemAttr } from '../syscall/attr-layouts.js';
import { allocAttr, attrAddress } from '../syscall/backend.js';
import { BpfCmd } from '../syscall/uapi-enums.js';
import { KeySet } from './key-set.js';
import { Errno, elementError } from './map-errors.js';
import type { MapHandle } from './map-handle.js';
import { isArrayMapType } from './map-spec.js';

const LE = hostByteOrder === 'little';

/** One element attr (fd, key address, value/next_key address) and its own address. */
function elemAttr(
  h: MapHandle,
  keyAddr: bigint,
  valueAddr: bigint,
): { bytes: Uint8Array; at: number | bigint } {
  const bytes = allocAttr(MapElemAttr.SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(MapElemAttr.map_fd, h.fd.raw, LE);
  view.setBigUint64(MapElemAttr.key, keyAddr, LE);
  view.setBigUint64(MapElemAttr.value, valueAddr, LE);
  return { bytes, at: attrAddress(h.backend, bytes) };
}

/**
 * The buffers and attrs of a key walk: two key buffers (exactly keySize bytes each; their memory is padded
 * to whole 8-byte words, zero past the key), a GET_NEXT_KEY attr from NULL and from each buffer into the
 * other, and a LOOKUP_ELEM attr from each buffer into the handle's value buffer, all by address. A map
 * keeps one set for its walks, lent to one walk at a time (`busy`); a walk that finds it busy (nested
 * iteration) makes its own.
 */
export class WalkBuffers {
  readonly keys: readonly [Uint8Array, Uint8Array];
  /** DataViews over `keys`. */
  readonly views: readonly [DataView, DataView];
  /** The key buffers as 32-bit words (for `KeySet`). */
  readonly words: readonly [Uint32Array, Uint32Array];
  /** GET_NEXT_KEY attrs: from NULL into keys[0], from keys[0] into keys[1], from keys[1] into keys[0]. */
  readonly nextKeyAt: readonly [number | bigint, number | bigint, number | bigint];
  /** LOOKUP_ELEM attrs: keys[0] and keys[1] into the handle's value buffer. */
  readonly lookupAt: readonly [number | bigint, number | bigint];
  /** The attrs, referenced so the memory behind their addresses lives as long as these buffers. */
  readonly attrs: readonly Uint8Array[];
  /** Set while a walk uses these buffers. */
  busy = false;

  constructor(h: MapHandle) {
    const padded = Math.ceil(h.keySize / 8) * 8;
    const a = allocAttr(padded);
    const b = allocAttr(padded);
    this.keys = [a.subarray(0, h.keySize), b.subarray(0, h.keySize)];
    this.views = [new DataView(a.buffer, 0, h.keySize), new DataView(b.buffer, 0, h.keySize)];
    this.words = [new Uint32Array(a.buffer), new Uint32Array(b.buffer)];
    const be = h.backend;
    const addrA = be.addressOf(a);
    const addrB = be.addressOf(b);
    const valueAddr = h.valueBufSize > 0 ? be.addressOf(h.value) : 0n;
    const attrs = [
      elemAttr(h, 0n, addrA),
      elemAttr(h, addrA, addrB),
      elemAttr(h, addrB, addrA),
      elemAttr(h, addrA, valueAddr),
      elemAttr(h, addrB, valueAddr),
    ] as const;
    this.attrs = attrs.map((x) => x.bytes);
    this.nextKeyAt = [attrs[0].at, attrs[1].at, attrs[2].at];
    this.lookupAt = [attrs[3].at, attrs[4].at];
  }
}

/** The map's walk buffers if free, else a private set. Marks the result busy. */
function borrowBuffers(h: MapHandle): WalkBuffers {
  let b = h.walkBuffers;
  if (b === undefined || b.busy) {
    b = new WalkBuffers(h);
    if (h.walkBuffers === undefined) h.walkBuffers = b;
  }
  b.busy = true;
  return b;
}

/**
 * A walk over the keys of one map (see the module comment). `next()` returns the next key not handed out
 * before, as a view of a private buffer valid until the following `next()`; `lookupCurrent()` reads that
 * key's value into the handle's value buffer. Call `release()` when done (iterators do it in `finally`),
 * so the map's next walk can reuse the buffers.
 */
export class KeyWalk {
  readonly #h: MapHandle;
  readonly #b: WalkBuffers;
  /** The two key buffers (see `WalkBuffers`). */
  readonly keys: readonly [Uint8Array, Uint8Array];
  /** DataViews over `keys`. */
  readonly views: readonly [DataView, DataView];
  readonly #seen: KeySet | undefined;
  /** Which buffer holds the key handed out last. */
  #cur: 0 | 1 = 0;
  /** Whether buffer `#pendingIdx` holds a prefetched key still to hand out. */
  #pending = false;
  #pendingIdx: 0 | 1 = 0;
  #started = false;
  #skipped = 0;
  #released = false;

  constructor(h: MapHandle) {
    if (h.keySize === 0)
      throw new EbpfError(
        `${h.label}: iterate: this map type has no keys (use lookupAndDelete/peek)`,
        'EINVAL',
      );
    if (h.closed) throw elementError(h.label, 'get next key', -Errno.EBADF, true);
    this.#h = h;
    this.#b = borrowBuffers(h);
    this.keys = this.#b.keys;
    this.views = this.#b.views;
    this.#seen = isArrayMapType(h.type) ? undefined : new KeySet(Math.ceil(h.keySize / 4), h.maxEntries);
  }

  /** Returns the buffers to the map (only the first call counts); the walk must not be used afterwards. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#b.busy = false;
  }

  /** Which of `keys` holds the key `next()` returned last. */
  get current(): 0 | 1 {
    return this.#cur;
  }

  /** GET_NEXT_KEY with prepared attr `at`; true when a key was written, false at the end. */
  #nextKey(at: number | bigint): boolean {
    const h = this.#h;
    if (h.closed) throw elementError(h.label, 'get next key', -Errno.EBADF, true);
    const r = h.backend.bpfAt(BpfCmd.MAP_GET_NEXT_KEY, at, MapElemAttr.SIZE);
    if (r === 0) return true;
    if (r === -Errno.ENOENT) return false;
    throw elementError(h.label, 'get next key', r, h.closed);
  }

  /** The next key not handed out before, or undefined at the end (see the class comment). */
  next(): Uint8Array | undefined {
    if (!this.#started) {
      this.#started = true;
      // The first key: GET_NEXT_KEY from NULL into buffer 0 (kernel 4.12).
      this.#pending = this.#nextKey(this.#b.nextKeyAt[0]);
      this.#pendingIdx = 0;
    }
    const seen = this.#seen;
    while (this.#pending) {
      // The pending key becomes current; prefetch its successor into the other buffer first.
      const i = this.#pendingIdx;
      this.#cur = i;
      this.#pending = this.#nextKey(this.#b.nextKeyAt[i === 0 ? 1 : 2]);
      this.#pendingIdx = i === 0 ? 1 : 0;
      if (seen === undefined || seen.add(this.#b.words[i])) {
        this.#skipped = 0;
        return this.keys[i];
      }
      const h = this.#h;
      if (++this.#skipped > 2 * Math.max(h.maxEntries, seen.size) + 64)
        throw new EbpfError(
          `${h.label}: iteration aborted: the map keeps restarting under concurrent modification`,
          'EITERABORTED',
        );
    }
    return undefined;
  }

  /** BPF_MAP_LOOKUP_ELEM of the current key into the handle's `value` buffer: 0 or -errno. */
  lookupCurrent(): number {
    const h = this.#h;
    if (h.closed) return -Errno.EBADF;
    return h.backend.bpfAt(BpfCmd.MAP_LOOKUP_ELEM, this.#b.lookupAt[this.#cur], MapElemAttr.SIZE);
  }
}
