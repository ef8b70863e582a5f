/**
 * Batch reads (BPF_MAP_LOOKUP_BATCH / BPF_MAP_LOOKUP_AND_DELETE_BATCH, kernel 5.6; hash maps, and arrays
 * for plain lookup). `lookupBatches` yields one `MapBatch` per syscall: the entries packed exactly as the
 * kernel wrote them, decoded only on request, so reading costs no allocation per element. When the kernel
 * lacks the command for the map type (EINVAL/ENOTSUPP/EOPNOTSUPP on the first call) the same batches are
 * filled element by element (iteration + lookup [+ delete]) and the lack is remembered in `ctx.cache`.
 * Hash maps may answer ENOSPC when one bucket holds more entries than the batch: the batch is doubled.
 */
import { ClosedError, EbpfError, SyscallError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { MapBatchAttr as B } from '../syscall/attr-layouts.js';
import { BpfCmd } from '../syscall/uapi-enums.js';
import { type BufferCodec, bindBuffer, type Codec } from './codec.js';
import {
  BatchBuffers,
  batchSupported,
  buffersFor,
  isUnsupportedErrno,
  markUnsupported,
  startBatch,
} from './map-batch.js';
import { Errno, elementError } from './map-errors.js';
import type { MapHandle } from './map-handle.js';
import { KeyWalk } from './map-iterator.js';

const LE = hostByteOrder === 'little';

/** Elements per batch syscall when the caller does not say. */
export const DEFAULT_BATCH_SIZE = 4096;

/** Options of the batch reads. */
export interface BatchLookupOptions {
  /** Elements per syscall (default 4096, at most max_entries); doubled automatically on ENOSPC. */
  batchSize?: number;
}

/** Options of `BpfMap.batches`. */
export interface BatchesOptions extends BatchLookupOptions {
  /** Delete the entries as they are read (LOOKUP_AND_DELETE_BATCH; hash maps). */
  delete?: boolean;
}

/**
 * One batch of entries: `count` keys packed in `keys` (`keySize` bytes each) and values in `values`
 * (`valueStride` bytes each: per-CPU values take one 8-byte slot per possible CPU). The views are only
 * valid until the generator advances; decode with `key(i)`/`value(i)` or copy them first.
 */
export class MapBatch<K, V> {
  readonly count: number;
  readonly keys: Uint8Array;
  readonly values: Uint8Array;
  readonly keySize: number;
  readonly valueStride: number;
  readonly #key: BufferCodec<K>;
  readonly #value: BufferCodec<V>;
  /** Whether a codec decodes runs of values at once (`decodeMany`), so `entries()` decodes by column. */
  readonly #byColumn: boolean;

  constructor(b: BatchBuffers, count: number, h: MapHandle, kc: Codec<K>, vc: Codec<V>) {
    this.count = count;
    this.keySize = h.keySize;
    this.valueStride = h.valueBufSize;
    this.keys = b.keys.subarray(0, count * h.keySize);
    this.values = b.values.subarray(0, count * h.valueBufSize);
    this.#key = bindBuffer(kc, b.keys, b.keysView);
    this.#value = bindBuffer(vc, b.values, b.valuesView);
    this.#byColumn = kc.decodeMany !== undefined || vc.decodeMany !== undefined;
  }

  #check(i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count)
      throw new EbpfError(`map batch: index ${i} out of range (count ${this.count})`, 'EINVAL');
  }

  /** The decoded key of entry `i`. */
  key(i: number): K {
    this.#check(i);
    return this.#key.read(i * this.keySize);
  }

  /** The decoded value of entry `i`. */
  value(i: number): V {
    this.#check(i);
    return this.#value.read(i * this.valueStride);
  }

  /** Appends every decoded `[key, value]` of this batch to `out` (default a new array) and returns it. */
  entries(out: Array<[K, V]> = []): Array<[K, V]> {
    const n = this.count;
    const { keySize, valueStride } = this;
    if (!this.#byColumn) {
      const key = this.#key;
      const value = this.#value;
      for (let i = 0; i < n; i++) out.push([key.read(i * keySize), value.read(i * valueStride)]);
      return out;
    }
    const keys: K[] = [];
    const values: V[] = [];
    this.#key.readMany(0, keySize, n, keys);
    this.#value.readMany(0, valueStride, n, values);
    for (let i = 0; i < n; i++) out.push([keys[i] as K, values[i] as V]);
    return out;
  }
}

/** Yields the map's entries one batch (one syscall) at a time; with `del`, deletes them as it goes. */
export function* lookupBatches<K, V>(
  h: MapHandle,
  kc: Codec<K>,
  vc: Codec<V>,
  del: boolean,
  opts: BatchLookupOptions,
): Generator<MapBatch<K, V>, void, undefined> {
  const cmd = del ? BpfCmd.MAP_LOOKUP_AND_DELETE_BATCH : BpfCmd.MAP_LOOKUP_BATCH;
  const op = del ? 'batch lookup and delete' : 'batch lookup';
  const requested = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(requested) || requested < 1)
    throw new EbpfError(`${h.label}: ${op}: invalid batch size ${requested}`, 'EINVAL');
  let capacity = Math.min(requested, Math.max(1, h.maxEntries));
  if (!batchSupported(h, cmd)) {
    yield* lookupOneByOne(h, kc, vc, del, capacity);
    return;
  }
  let b = buffersFor(h, capacity);
  b.busy = true;
  try {
    startBatch(h, b, capacity, 0);
    let first = true;
    let total = 0;
    for (;;) {
      if (h.closed) throw new ClosedError(h.label);
      b.view.setUint32(B.count, capacity, LE);
      const r = h.backend.bpfAt(cmd, b.attrAt, B.SIZE);
      const errno = r < 0 ? -r : 0;
      if (errno !== 0 && errno !== Errno.ENOENT) {
        if (errno === Errno.ENOSPC && capacity < Math.max(h.maxEntries, 1) * 2) {
          capacity *= 2;
          b = grow(h, b, capacity);
          continue;
        }
        if (first && isUnsupportedErrno(errno)) {
          if (errno !== Errno.EINVAL) markUnsupported(h, cmd);
          b.busy = false;
          yield* lookupOneByOne(h, kc, vc, del, capacity);
          markUnsupported(h, cmd);
          return;
        }
        throw new SyscallError(`${h.label}: ${op}`, errno, `after ${total} elements`);
      }
      first = false;
      const n = b.view.getUint32(B.count, LE);
      total += n;
      if (n > 0) yield new MapBatch(b, n, h, kc, vc);
      if (errno === Errno.ENOENT || n === 0) return;
      b.inToken.set(b.outToken);
      b.view.setBigUint64(B.in_batch, b.inTokenAddr, LE);
    }
  } finally {
    b.busy = false;
  }
}

/** Bigger buffers carrying over the attr state and input cursor. */
function grow(h: MapHandle, old: BatchBuffers, capacity: number): BatchBuffers {
  const b = new BatchBuffers(h, capacity);
  b.inToken.set(old.inToken);
  startBatch(h, b, capacity, 0);
  if (old.view.getBigUint64(B.in_batch, LE) !== 0n) b.view.setBigUint64(B.in_batch, b.inTokenAddr, LE);
  old.busy = false;
  if (h.batchBuffers === old) h.batchBuffers = b;
  b.busy = true;
  return b;
}

/** The fallback: the same batches, filled by iteration and element lookups (and deletes). */
function* lookupOneByOne<K, V>(
  h: MapHandle,
  kc: Codec<K>,
  vc: Codec<V>,
  del: boolean,
  capacity: number,
): Generator<MapBatch<K, V>, void, undefined> {
  const b = new BatchBuffers(h, capacity);
  const walk = new KeyWalk(h);
  try {
    let n = 0;
    for (let key = walk.next(); key !== undefined; key = walk.next()) {
      let r = walk.lookupCurrent();
      if (r === -Errno.ENOENT) continue;
      if (r < 0) throw elementError(h.label, 'lookup', r, h.closed);
      b.keys.set(key, n * h.keySize);
      b.values.set(h.value, n * h.valueBufSize);
      if (del) {
        h.key.set(key);
        r = h.deleteElem();
        if (r < 0 && r !== -Errno.ENOENT) throw elementError(h.label, 'delete', r, h.closed);
      }
      if (++n === capacity) {
        yield new MapBatch(b, n, h, kc, vc);
        n = 0;
      }
    }
    if (n > 0) yield new MapBatch(b, n, h, kc, vc);
  } finally {
    walk.release();
  }
}

/** Every entry of the map, decoded (see `lookupBatches`). */
export function batchLookupEntries<K, V>(
  h: MapHandle,
  kc: Codec<K>,
  vc: Codec<V>,
  del: boolean,
  opts: BatchLookupOptions,
): Array<[K, V]> {
  const out: Array<[K, V]> = [];
  for (const batch of lookupBatches(h, kc, vc, del, opts)) batch.entries(out);
  return out;
}
