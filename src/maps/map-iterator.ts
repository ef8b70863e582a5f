/**
 * Key iteration with BPF_MAP_GET_NEXT_KEY, robust to entries being deleted while iterating.
 *
 * The kernel answers "next key after K" by position; when K was deleted, hash-like maps (HASH, LRU,
 * LPM_TRIE, STACK_TRACE...) restart from their first key. Two measures keep iteration correct:
 * 1. Prefetch: the next key is fetched BEFORE the current one is handed out, so deleting the current key
 *    in the loop body (the common pattern) never triggers a restart.
 * 2. Seen set (hash-like maps only): every key handed out is remembered; after a restart, keys already seen
 *    are skipped silently, so no key is produced twice and iteration still reaches the end. Array maps
 *    (dense indexes) cannot restart and keep no set.
 * If the walk keeps revisiting seen keys far beyond the map's size (heavy concurrent churn), iteration
 * stops with an `EbpfError` coded `EITERABORTED` rather than spinning. A key deleted by someone else after
 * it was prefetched may still be produced once.
 */
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { MapElemAttr } from '../syscall/attr-layouts.js';
import { allocAttr } from '../syscall/backend.js';
import { BpfCmd } from '../syscall/uapi-enums.js';
import { Errno, elementError } from './map-errors.js';
import type { MapHandle } from './map-handle.js';
import { isArrayMapType } from './map-spec.js';

const LE = hostByteOrder === 'little';

/** A string identity for key bytes (latin1: one char per byte). */
function keyId(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

/**
 * Yields every key of the map as a view of a private buffer, valid until the next step (decode or copy it
 * before continuing). Synchronous syscalls (one GET_NEXT_KEY per key); requires kernel 4.12 for the first
 * key via a NULL pointer.
 */
export function* iterateRawKeys(h: MapHandle): Generator<Uint8Array, void, undefined> {
  if (h.keySize === 0)
    throw new EbpfError(
      `${h.label}: iterate: this map type has no keys (use lookupAndDelete/peek)`,
      'EINVAL',
    );
  const attr = allocAttr(MapElemAttr.SIZE);
  const view = new DataView(attr.buffer);
  let cur = allocAttr(h.keySize);
  let next = allocAttr(h.keySize);
  let curAddr = h.backend.addressOf(cur);
  let nextAddr = h.backend.addressOf(next);
  const seen = isArrayMapType(h.type) ? undefined : new Set<string>();
  let skipped = 0;

  view.setUint32(MapElemAttr.map_fd, h.fd.raw, LE);
  view.setBigUint64(MapElemAttr.key, 0n, LE);
  view.setBigUint64(MapElemAttr.next_key, nextAddr, LE);
  let r = h.backend.bpf(BpfCmd.MAP_GET_NEXT_KEY, attr, MapElemAttr.SIZE);
  if (r === -Errno.ENOENT) return;
  if (r < 0) throw elementError(h.label, 'get next key', r, h.closed);

  for (;;) {
    // `next` holds a key: make it current and prefetch its successor before handing it out.
    [cur, next] = [next, cur];
    [curAddr, nextAddr] = [nextAddr, curAddr];
    if (h.closed) throw elementError(h.label, 'get next key', -Errno.EBADF, true);
    view.setUint32(MapElemAttr.map_fd, h.fd.raw, LE);
    view.setBigUint64(MapElemAttr.key, curAddr, LE);
    view.setBigUint64(MapElemAttr.next_key, nextAddr, LE);
    r = h.backend.bpf(BpfCmd.MAP_GET_NEXT_KEY, attr, MapElemAttr.SIZE);
    if (r < 0 && r !== -Errno.ENOENT) throw elementError(h.label, 'get next key', r, h.closed);
    const last = r === -Errno.ENOENT;

    let fresh = true;
    if (seen !== undefined) {
      const id = keyId(cur);
      if (seen.has(id)) fresh = false;
      else seen.add(id);
    }
    if (fresh) {
      skipped = 0;
      yield cur;
    } else if (++skipped > 2 * Math.max(h.maxEntries, seen?.size ?? 0) + 64) {
      throw new EbpfError(
        `${h.label}: iteration aborted: the map keeps restarting under concurrent modification`,
        'EITERABORTED',
      );
    }
    if (last) return;
  }
}
