/**
 * Batch writes (BPF_MAP_{UPDATE,DELETE}_BATCH, kernel 5.6; hash maps and arrays only) and the buffers and
 * support bookkeeping shared with batch reads (`map-batch-lookup.ts`). When the kernel lacks a batch command for a map type (EINVAL, ENOTSUPP or EOPNOTSUPP on
 * the first call) the operation falls back to element-by-element calls; ENOTSUPP/EOPNOTSUPP are remembered
 * at once, EINVAL once the fallback has succeeded (so a genuinely invalid request is not mistaken for
 * missing support), per map type and command in `ctx.cache` (`mapBatch:<type>:<cmd>`). All synchronous.
 */
import { EbpfError, KeyNotFoundError, SyscallError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { MapBatchAttr as B } from '../syscall/attr-layouts.js';
import { allocAttr, attrAddress } from '../syscall/backend.js';
import { BpfCmd } from '../syscall/uapi-enums.js';
import { bindBuffer, type Codec } from './codec.js';
import { Errno, elementError } from './map-errors.js';
import type { MapHandle } from './map-handle.js';

const LE = hostByteOrder === 'little';

/** Off-heap buffers and attr of the batch commands of one map, reused across calls. */
export class BatchBuffers {
  readonly capacity: number;
  readonly keys: Uint8Array;
  readonly values: Uint8Array;
  /** DataViews over `keys` and `values`, for codecs with `encodeView`/`decodeView`. */
  readonly keysView: DataView;
  readonly valuesView: DataView;
  /** Opaque cursor tokens (`in_batch`/`out_batch`): at least key size, 8-byte aligned. */
  readonly inToken: Uint8Array;
  readonly outToken: Uint8Array;
  readonly inTokenAddr: bigint;
  readonly attr: Uint8Array;
  readonly view: DataView;
  /** Address of `attr`, for `bpfAt`. */
  readonly attrAt: number | bigint;
  /** Set while a `batches()` generator owns these buffers (others then allocate their own). */
  busy = false;

  constructor(h: MapHandle, capacity: number) {
    this.capacity = capacity;
    const tok = Math.max(8, Math.ceil(h.keySize / 8) * 8);
    this.keys = allocAttr(Math.max(1, capacity * h.keySize));
    this.values = allocAttr(Math.max(1, capacity * h.valueBufSize));
    this.keysView = new DataView(this.keys.buffer);
    this.valuesView = new DataView(this.values.buffer);
    this.inToken = allocAttr(tok);
    this.outToken = allocAttr(tok);
    this.attr = allocAttr(B.SIZE);
    this.view = new DataView(this.attr.buffer);
    const be = h.backend;
    this.attrAt = attrAddress(be, this.attr);
    this.inTokenAddr = be.addressOf(this.inToken);
    this.view.setBigUint64(B.out_batch, be.addressOf(this.outToken), LE);
    this.view.setBigUint64(B.keys, be.addressOf(this.keys), LE);
    this.view.setBigUint64(B.values, be.addressOf(this.values), LE);
  }
}

/**
 * The map's shared batch buffers with room for `capacity` elements (grown when needed), or private ones
 * while the shared set is busy with a running `batches()` generator.
 */
export function buffersFor(h: MapHandle, capacity: number): BatchBuffers {
  const cur = h.batchBuffers;
  if (cur?.busy) return new BatchBuffers(h, capacity);
  if (cur !== undefined && cur.capacity >= capacity) return cur;
  const b = new BatchBuffers(h, capacity);
  h.batchBuffers = b;
  return b;
}

function cacheKey(h: MapHandle, cmd: number): string {
  return `mapBatch:${h.type}:${cmd}`;
}

/** False once the kernel is known to lack `cmd` for this map type. */
export function batchSupported(h: MapHandle, cmd: number): boolean {
  return h.ctx.cache.get(cacheKey(h, cmd)) !== false;
}

/** errnos that, on the first call, mean the kernel lacks the batch command for this map type. */
export function isUnsupportedErrno(errno: number): boolean {
  return errno === Errno.EINVAL || errno === Errno.ENOTSUPP || errno === Errno.EOPNOTSUPP;
}

/** Records that `cmd` is unsupported for this map type (`definitive` unless the errno was EINVAL). */
export function markUnsupported(h: MapHandle, cmd: number): void {
  h.ctx.cache.set(cacheKey(h, cmd), false);
}

/** Runs `fallback`; remembers that `cmd` is unsupported if it succeeds (or at once if definitive). */
function withFallback<T>(h: MapHandle, cmd: number, errno: number, fallback: () => T): T {
  if (errno !== Errno.EINVAL) markUnsupported(h, cmd);
  const out = fallback();
  markUnsupported(h, cmd);
  return out;
}

/** Prepares the batch attr: fd, element count, element flags, no input cursor. */
export function startBatch(h: MapHandle, b: BatchBuffers, count: number, elemFlags: number): void {
  if (h.closed) throw elementError(h.label, 'batch', -Errno.EBADF, true);
  b.view.setUint32(B.map_fd, h.fd.raw, LE);
  b.view.setUint32(B.count, count, LE);
  b.view.setBigUint64(B.elem_flags, BigInt(elemFlags), LE);
  b.view.setBigUint64(B.in_batch, 0n, LE);
}

/** Largest number of elements written per update/delete batch syscall. */
const WRITE_CHUNK = 1 << 16;

/** Writes `keys[i]` → `values[i]` with `flags`; returns the number written. */
export function batchUpdateEntries<K, V>(
  h: MapHandle,
  kc: Codec<K>,
  vc: Codec<V>,
  keys: readonly K[],
  values: readonly V[],
  flags: number,
): number {
  if (keys.length !== values.length)
    throw new EbpfError(
      `${h.label}: batch update: ${keys.length} keys but ${values.length} values`,
      'EINVAL',
    );
  const cmd = BpfCmd.MAP_UPDATE_BATCH;
  if (keys.length === 0) return 0;
  if (!batchSupported(h, cmd)) return updateOneByOne(h, kc, vc, keys, values, flags);
  const b = buffersFor(h, Math.min(keys.length, WRITE_CHUNK));
  const keyOut = bindBuffer(kc, b.keys, b.keysView);
  const valueOut = bindBuffer(vc, b.values, b.valuesView);
  for (let done = 0; done < keys.length; ) {
    const m = Math.min(b.capacity, keys.length - done);
    for (let i = 0; i < m; i++) {
      keyOut.write(keys[done + i] as K, i * h.keySize);
      valueOut.write(values[done + i] as V, i * h.valueBufSize);
    }
    startBatch(h, b, m, flags);
    const r = h.backend.bpfAt(cmd, b.attrAt, B.SIZE);
    if (r < 0) {
      // An unsupported command returns before writing `count` back (it still reads m).
      const written = b.view.getUint32(B.count, LE);
      if (done === 0 && (written === 0 || written === m) && isUnsupportedErrno(-r))
        return withFallback(h, cmd, -r, () => updateOneByOne(h, kc, vc, keys, values, flags));
      throw new SyscallError(
        `${h.label}: batch update`,
        -r,
        `${done + written} of ${keys.length} elements written`,
      );
    }
    done += m;
  }
  return keys.length;
}

function updateOneByOne<K, V>(
  h: MapHandle,
  kc: Codec<K>,
  vc: Codec<V>,
  keys: readonly K[],
  values: readonly V[],
  flags: number,
): number {
  for (let i = 0; i < keys.length; i++) {
    kc.encode(keys[i] as K, h.key);
    vc.encode(values[i] as V, h.value);
    const r = h.updateElem(flags);
    if (r < 0) throw elementError(h.label, `batch update: element ${i}`, r, h.closed);
  }
  return keys.length;
}

/** Deletes every key; throws `KeyNotFoundError` naming the first missing one. Returns the number deleted. */
export function batchDeleteKeys<K>(h: MapHandle, kc: Codec<K>, keys: readonly K[]): number {
  const cmd = BpfCmd.MAP_DELETE_BATCH;
  if (keys.length === 0) return 0;
  if (!batchSupported(h, cmd)) return deleteOneByOne(h, kc, keys);
  const b = buffersFor(h, Math.min(keys.length, WRITE_CHUNK));
  const keyOut = bindBuffer(kc, b.keys, b.keysView);
  for (let done = 0; done < keys.length; ) {
    const m = Math.min(b.capacity, keys.length - done);
    for (let i = 0; i < m; i++) keyOut.write(keys[done + i] as K, i * h.keySize);
    startBatch(h, b, m, 0);
    const r = h.backend.bpfAt(cmd, b.attrAt, B.SIZE);
    if (r < 0) {
      const deleted = b.view.getUint32(B.count, LE);
      if (done === 0 && (deleted === 0 || deleted === m) && isUnsupportedErrno(-r))
        return withFallback(h, cmd, -r, () => deleteOneByOne(h, kc, keys));
      if (r === -Errno.ENOENT)
        throw new KeyNotFoundError(`${h.label}: batch delete: element ${done + deleted}`);
      throw new SyscallError(
        `${h.label}: batch delete`,
        -r,
        `${done + deleted} of ${keys.length} elements deleted`,
      );
    }
    done += m;
  }
  return keys.length;
}

function deleteOneByOne<K>(h: MapHandle, kc: Codec<K>, keys: readonly K[]): number {
  for (let i = 0; i < keys.length; i++) {
    kc.encode(keys[i] as K, h.key);
    const r = h.deleteElem();
    if (r < 0) throw elementError(h.label, `batch delete: element ${i}`, r, h.closed);
  }
  return keys.length;
}
