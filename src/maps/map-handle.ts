/**
 * `MapHandle`: the state shared by a `BpfMap` and its typed views — the owned fd, the map's shape, and the
 * preallocated off-heap attrs and key/value buffers of the element operations. Every attr is built once
 * with the fd and the buffer addresses already written, and its own address is resolved once, so a lookup
 * is: encode the key into `key`, one `bpfAt()` call, decode `value`. Closing writes fd -1 into every attr so a stale call gets EBADF (never a
 * recycled descriptor number).
 */
import { hostByteOrder } from '../internal/bytes.js';
import { MapElemAttr } from '../syscall/attr-layouts.js';
import { allocAttr, attrAddress, type SyscallBackend } from '../syscall/backend.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { BpfCmd, type MapType } from '../syscall/uapi-enums.js';
import type { BatchBuffers } from './map-batch.js';
import { mapLabel } from './map-errors.js';
import type { WalkBuffers } from './map-iterator.js';
import { isPerCpuMapType, perCpuStride } from './percpu.js';
import { possibleCpus } from './system-info.js';

const LE = hostByteOrder === 'little';

/** The shape of a map as the kernel sees it. */
export interface MapShape {
  type: MapType;
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

/** Something that must be released when its map closes (mmap views). */
export interface MapResource {
  close(): void;
}

/** An element attr: 32 bytes (`map_fd`, `key`, `value`/`next_key`, `flags`). */
function elemAttr(fd: number, keyAddr: bigint, valueAddr: bigint): { bytes: Uint8Array; view: DataView } {
  const bytes = allocAttr(MapElemAttr.SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(MapElemAttr.map_fd, fd, LE);
  view.setBigUint64(MapElemAttr.key, keyAddr, LE);
  view.setBigUint64(MapElemAttr.value, valueAddr, LE);
  return { bytes, view };
}

/** Shared state of one open map. */
export class MapHandle implements MapShape {
  readonly ctx: KernelContext;
  readonly backend: SyscallBackend;
  readonly fd: FD;
  readonly type: MapType;
  readonly name: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  /** `map "name"`, for messages. */
  readonly label: string;
  /** Possible CPUs for per-CPU maps, else 1. */
  readonly cpus: number;
  /** Bytes of one value in kernel buffers (per-CPU: one 8-byte-aligned slot per possible CPU). */
  readonly valueBufSize: number;
  /** Key buffer (exactly keySize bytes) whose address is in every element attr. */
  readonly key: Uint8Array;
  /** Value buffer (exactly valueBufSize bytes) whose address is in the element attrs. */
  readonly value: Uint8Array;
  /** DataView over `key`, for codecs with `encodeView`/`decodeView`. */
  readonly keyView: DataView;
  /** DataView over `value`. */
  readonly valueView: DataView;
  /** BPF_MAP_LOOKUP_ELEM attr (key → value). Keyless maps (queue, stack, bloom) pass a NULL key. */
  readonly lookupAttr: Uint8Array;
  /** BPF_MAP_UPDATE_ELEM attr; set flags with `setUpdateFlags`. */
  readonly updateAttr: Uint8Array;
  /** BPF_MAP_DELETE_ELEM attr. */
  readonly deleteAttr: Uint8Array;
  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM attr (key → value; NULL key pops queues and stacks). */
  readonly lookupAndDeleteAttr: Uint8Array;
  readonly #updateView: DataView;
  readonly #lookupAt: number | bigint;
  readonly #updateAt: number | bigint;
  readonly #deleteAt: number | bigint;
  readonly #lookupAndDeleteAt: number | bigint;
  readonly #views: DataView[];
  #updateFlags = 0;
  /** Path this map was pinned at by `pin()`/`loadPinned()`, if any. */
  pinnedPath: string | undefined;
  /** Set by `freeze()`. */
  frozen = false;
  readonly resources = new Set<MapResource>();
  /** Buffers of the batch operations, allocated on first use (see `map-batch.ts`). */
  batchBuffers: BatchBuffers | undefined;
  /** Buffers and attrs of key walks, allocated on first use (see `map-iterator.ts`). */
  walkBuffers: WalkBuffers | undefined;
  #closed = false;

  constructor(ctx: KernelContext, fd: FD, shape: MapShape) {
    this.ctx = ctx;
    this.backend = ctx.backend;
    this.fd = fd;
    this.type = shape.type;
    this.name = shape.name;
    this.keySize = shape.keySize;
    this.valueSize = shape.valueSize;
    this.maxEntries = shape.maxEntries;
    this.flags = shape.flags;
    this.label = mapLabel(shape.name);
    this.cpus = isPerCpuMapType(shape.type) ? possibleCpus(ctx) : 1;
    this.valueBufSize = isPerCpuMapType(shape.type)
      ? perCpuStride(shape.valueSize) * this.cpus
      : shape.valueSize;
    this.key = allocAttr(this.keySize);
    this.value = allocAttr(this.valueBufSize);
    this.keyView = new DataView(this.key.buffer);
    this.valueView = new DataView(this.value.buffer);
    const keyAddr = this.keySize > 0 ? this.backend.addressOf(this.key) : 0n;
    const valueAddr = this.valueBufSize > 0 ? this.backend.addressOf(this.value) : 0n;
    const raw = fd.raw;
    const lookup = elemAttr(raw, keyAddr, valueAddr);
    const update = elemAttr(raw, keyAddr, valueAddr);
    const del = elemAttr(raw, keyAddr, 0n);
    const lookupAndDelete = elemAttr(raw, keyAddr, valueAddr);
    this.lookupAttr = lookup.bytes;
    this.updateAttr = update.bytes;
    this.deleteAttr = del.bytes;
    this.lookupAndDeleteAttr = lookupAndDelete.bytes;
    this.#updateView = update.view;
    this.#lookupAt = attrAddress(this.backend, lookup.bytes);
    this.#updateAt = attrAddress(this.backend, update.bytes);
    this.#deleteAt = attrAddress(this.backend, del.bytes);
    this.#lookupAndDeleteAt = attrAddress(this.backend, lookupAndDelete.bytes);
    this.#views = [lookup.view, update.view, del.view, lookupAndDelete.view];
  }

  /** Writes BPF_ANY/NOEXIST/EXIST/F_LOCK into the update attr (only when it changes). */
  setUpdateFlags(flags: number): void {
    if (flags !== this.#updateFlags) {
      this.#updateView.setBigUint64(MapElemAttr.flags, BigInt(flags), LE);
      this.#updateFlags = flags;
    }
  }

  /** BPF_MAP_LOOKUP_ELEM with the preallocated buffers: `key` → `value`. Returns 0 or -errno. */
  lookupElem(): number {
    return this.backend.bpfAt(BpfCmd.MAP_LOOKUP_ELEM, this.#lookupAt, MapElemAttr.SIZE);
  }

  /** BPF_MAP_UPDATE_ELEM of `key`/`value` with `flags`. Returns 0 or -errno. */
  updateElem(flags: number): number {
    if (flags !== this.#updateFlags) this.setUpdateFlags(flags);
    return this.backend.bpfAt(BpfCmd.MAP_UPDATE_ELEM, this.#updateAt, MapElemAttr.SIZE);
  }

  /** BPF_MAP_DELETE_ELEM of `key`. Returns 0 or -errno. */
  deleteElem(): number {
    return this.backend.bpfAt(BpfCmd.MAP_DELETE_ELEM, this.#deleteAt, MapElemAttr.SIZE);
  }

  /** BPF_MAP_LOOKUP_AND_DELETE_ELEM: `key` (NULL for queue/stack) → `value`. Returns 0 or -errno. */
  lookupAndDeleteElem(): number {
    return this.backend.bpfAt(BpfCmd.MAP_LOOKUP_AND_DELETE_ELEM, this.#lookupAndDeleteAt, MapElemAttr.SIZE);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Releases mmap views, poisons the attrs and closes the fd. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const r of this.resources) r.close();
    this.resources.clear();
    for (const v of this.#views) v.setUint32(MapElemAttr.map_fd, 0xffffffff, LE);
    this.fd.close();
  }
}
