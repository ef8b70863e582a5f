/**
 * `BpfMap<K, V>`: an open BPF map with typed keys and values. Element operations are SYNCHRONOUS, short,
 * bounded syscalls on preallocated off-heap buffers whose attrs are called by address (`bpfAt`), with the
 * codecs bound to those buffers once (no allocation besides the decoded result). Without codecs keys and
 * values are raw `Uint8Array`s of the map's sizes, always the caller's own copies; for per-CPU maps the raw
 * value is the whole kernel buffer (one 8-byte-aligned slot per possible CPU) unless the value codec is
 * `perCpu(...)`. For bulk reads, `batches()` hands out packed kernel buffers with no per-entry allocation;
 * `batchLookup()` decodes every entry (raw results are views into one copy of each batch).
 */
import { EbpfError, isEbpfError } from '../errors.js';
import { fdById, mapFreeze, ObjGetFlags, objGet, objPin } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { type MapType, UpdateFlags } from '../syscall/uapi-enums.js';
import { type BufferCodec, bindBuffer, type Codec } from './codec.js';
import { batchDeleteKeys, batchUpdateEntries } from './map-batch.js';
import {
  type BatchesOptions,
  type BatchLookupOptions,
  batchLookupEntries,
  lookupBatches,
  type MapBatch,
} from './map-batch-lookup.js';
import { createMapFd, effectiveSpec } from './map-create.js';
import { Errno, elementError } from './map-errors.js';
import { MapHandle, type MapShape } from './map-handle.js';
import { type MapInfo, readMapInfo } from './map-info.js';
import { KeyWalk } from './map-iterator.js';
import { type MapMemory, mmapMap } from './map-mmap.js';
import {
  type AnyCodec,
  type AnyValueCodec,
  bindCodecs,
  type CodecType,
  type CreateMapOptions,
  type LoadPinnedOptions,
  type OpenMapOptions,
  unlinkQuiet,
} from './map-options.js';
import { MapSpec, type MapSpecInit } from './map-spec.js';

/** The key codec bound to each of a walk's two key buffers. */
function walkKeys<K>(walk: KeyWalk, kc: Codec<K>): readonly [BufferCodec<K>, BufferCodec<K>] {
  return [bindBuffer(kc, walk.keys[0], walk.views[0]), bindBuffer(kc, walk.keys[1], walk.views[1])];
}

/** An open BPF map. Close it (or `using`) when done; typed views share the underlying descriptor. */
export class BpfMap<K = Uint8Array, V = Uint8Array> {
  readonly #h: MapHandle;
  readonly #kc: Codec<K>;
  readonly #vc: Codec<V>;
  /** The codecs bound to the handle's key and value buffers (fastest method picked once). */
  readonly #key: BufferCodec<K>;
  readonly #value: BufferCodec<V>;

  private constructor(h: MapHandle, kc: Codec<K>, vc: Codec<V>) {
    this.#h = h;
    this.#kc = kc;
    this.#vc = vc;
    this.#key = bindBuffer(kc, h.key, h.keyView);
    this.#value = bindBuffer(vc, h.value, h.valueView);
  }

  static #open<KC extends AnyCodec, VC extends AnyValueCodec>(
    ctx: KernelContext,
    fd: FD,
    shape: MapShape,
    opts: OpenMapOptions<KC, VC>,
  ): BpfMap<CodecType<KC>, CodecType<VC>> {
    try {
      const h = new MapHandle(ctx, fd, shape);
      const [kc, vc] = bindCodecs(h, opts.key, opts.value);
      return new BpfMap(h, kc as Codec<CodecType<KC>>, vc as Codec<CodecType<VC>>);
    } catch (e) {
      fd.close();
      throw e;
    }
  }

  /**
   * Creates a map (BPF_MAP_CREATE), writes `spec.contents` (pushed, key ignored, for keyless maps) and
   * freezes it if `spec.freeze`. Synchronous.
   * Kernel requirements by type: HASH/ARRAY 3.19, PERCPU_* 4.6, LRU_* 4.10, LPM_TRIE 4.11 (needs
   * BPF_F_NO_PREALLOC), ARRAY/HASH_OF_MAPS 4.12, QUEUE/STACK 4.20, RINGBUF 5.8, BLOOM_FILTER 5.16.
   */
  static create<KC extends AnyCodec = Codec<Uint8Array>, VC extends AnyValueCodec = Codec<Uint8Array>>(
    spec: MapSpec | MapSpecInit,
    opts: CreateMapOptions<KC, VC> = {},
  ): BpfMap<CodecType<KC>, CodecType<VC>> {
    const ctx = opts.ctx ?? defaultContext();
    const s = effectiveSpec(spec instanceof MapSpec ? spec : new MapSpec(spec), ctx);
    const map = BpfMap.#open(ctx, createMapFd(s, ctx, opts.innerMapFd), s, opts);
    try {
      for (const [k, v] of s.contents ?? []) {
        if (map.keySize === 0) map.push(v as CodecType<VC>);
        else map.update(k as CodecType<KC>, v as CodecType<VC>);
      }
      if (s.freeze) map.freeze();
    } catch (e) {
      map.close();
      throw e;
    }
    return map;
  }

  /** Wraps an fd that refers to a map, taking ownership; reads its info to learn the sizes (4.13). */
  static fromFd<KC extends AnyCodec = Codec<Uint8Array>, VC extends AnyValueCodec = Codec<Uint8Array>>(
    fd: FD,
    opts: OpenMapOptions<KC, VC> = {},
  ): BpfMap<CodecType<KC>, CodecType<VC>> {
    const ctx = opts.ctx ?? defaultContext();
    let info: MapInfo;
    try {
      info = readMapInfo(ctx, fd, `${fd.label}: info`);
    } catch (e) {
      fd.close();
      throw e;
    }
    return BpfMap.#open(ctx, fd, info, opts);
  }

  /** Opens the map with kernel id `id` (BPF_MAP_GET_FD_BY_ID, 4.13; needs CAP_SYS_ADMIN). */
  static fromId<KC extends AnyCodec = Codec<Uint8Array>, VC extends AnyValueCodec = Codec<Uint8Array>>(
    id: number,
    opts: OpenMapOptions<KC, VC> = {},
  ): BpfMap<CodecType<KC>, CodecType<VC>> {
    const ctx = opts.ctx ?? defaultContext();
    return BpfMap.fromFd(fdById(ctx, 'map', id), { ...opts, ctx });
  }

  /** Opens the map pinned at `path` on a bpffs (BPF_OBJ_GET, 4.4) and remembers the path for `unpin()`. */
  static loadPinned<KC extends AnyCodec = Codec<Uint8Array>, VC extends AnyValueCodec = Codec<Uint8Array>>(
    path: string,
    opts: LoadPinnedOptions<KC, VC> = {},
  ): BpfMap<CodecType<KC>, CodecType<VC>> {
    const ctx = opts.ctx ?? defaultContext();
    const flags = (opts.readOnly ? ObjGetFlags.RDONLY : 0) | (opts.writeOnly ? ObjGetFlags.WRONLY : 0);
    let fd: FD;
    try {
      fd = objGet(ctx, path, flags, `map ${path}`);
    } catch (e) {
      throw isEbpfError(e) ? e.withContext('map') : e;
    }
    const map = BpfMap.fromFd(fd, { ...opts, ctx });
    map.#h.pinnedPath = path;
    return map;
  }

  /** The kernel context this map was opened in (readers and loaders follow it). */
  get ctx(): KernelContext {
    return this.#h.ctx;
  }
  /** The owned descriptor (shared with typed views and closed with the map). */
  get fd(): FD {
    return this.#h.fd;
  }
  /** The map type (`MapType`). */
  get type(): MapType {
    return this.#h.type;
  }
  /** The name the map was created with (as given, or as the kernel reports it for opened maps). */
  get name(): string {
    return this.#h.name;
  }
  /** Key size in bytes (0 for queue, stack, bloom filter, ring buffer). */
  get keySize(): number {
    return this.#h.keySize;
  }
  /** Value size of one element (per CPU for per-CPU maps). */
  get valueSize(): number {
    return this.#h.valueSize;
  }
  /** Maximum number of entries (bytes for ring buffers). */
  get maxEntries(): number {
    return this.#h.maxEntries;
  }
  /** `BPF_F_*` creation flags. */
  get flags(): number {
    return this.#h.flags;
  }
  /** Values per element: the number of possible CPUs for per-CPU maps, else 1. */
  get cpus(): number {
    return this.#h.cpus;
  }
  /** The path given to `pin()` or `loadPinned()`, until `unpin()`. */
  get pinnedPath(): string | undefined {
    return this.#h.pinnedPath;
  }
  /** True after `close()` (of this map or of any typed view sharing its descriptor). */
  get closed(): boolean {
    return this.#h.closed;
  }

  /** A view of the same map with other codecs. It shares the descriptor: closing either closes both. */
  typed<KC extends AnyCodec, VC extends AnyValueCodec>(
    key: KC,
    value: VC,
  ): BpfMap<CodecType<KC>, CodecType<VC>> {
    const [kc, vc] = bindCodecs(this.#h, key, value);
    return new BpfMap(this.#h, kc as Codec<CodecType<KC>>, vc as Codec<CodecType<VC>>);
  }

  /** The value at `key`; throws `KeyNotFoundError` when absent. For map-in-map/prog arrays: the object id. */
  lookup(key: K): V {
    const h = this.#h;
    this.#key.write(key, 0);
    const r = h.lookupElem();
    if (r < 0) throw elementError(h.label, 'lookup', r, h.closed);
    return this.#value.read(0);
  }

  /** The value at `key`, or undefined when absent. */
  get(key: K): V | undefined {
    const h = this.#h;
    this.#key.write(key, 0);
    const r = h.lookupElem();
    if (r === -Errno.ENOENT) return undefined;
    if (r < 0) throw elementError(h.label, 'lookup', r, h.closed);
    return this.#value.read(0);
  }

  /**
   * Writes `key` → `value`. `flags`: `UpdateFlags.ANY` (default), `NOEXIST`, `EXIST`, `LOCK`. Map-in-map and
   * prog arrays take an fd as value. Per-CPU values: an array with exactly one value per possible CPU.
   */
  update(key: K, value: V, flags: number = UpdateFlags.ANY): void {
    const h = this.#h;
    this.#key.write(key, 0);
    this.#value.write(value, 0);
    const r = h.updateElem(flags);
    if (r < 0) throw elementError(h.label, 'update', r, h.closed);
  }

  /** Deletes `key`; throws `KeyNotFoundError` when absent. */
  delete(key: K): void {
    const h = this.#h;
    this.#key.write(key, 0);
    const r = h.deleteElem();
    if (r < 0) throw elementError(h.label, 'delete', r, h.closed);
  }

  /**
   * Removes and returns the value at `key` (hash maps, kernel 5.14), or with no key pops the next value of
   * a QUEUE/STACK (4.20). Throws `KeyNotFoundError` when absent or empty.
   */
  lookupAndDelete(key?: K): V {
    const h = this.#h;
    if (h.keySize > 0) {
      if (key === undefined)
        throw new EbpfError(`${h.label}: lookup and delete: a key is required`, 'EINVAL');
      this.#key.write(key, 0);
    }
    const r = h.lookupAndDeleteElem();
    if (r < 0) throw elementError(h.label, 'lookup and delete', r, h.closed);
    return this.#value.read(0);
  }

  /** Pushes onto a QUEUE/STACK (4.20) or adds to a BLOOM_FILTER (5.16). `UpdateFlags.EXIST` evicts when full. */
  push(value: V, flags: number = UpdateFlags.ANY): void {
    const h = this.#h;
    if (h.keySize !== 0)
      throw new EbpfError(`${h.label}: push: only keyless maps (queue, stack, bloom filter)`, 'EINVAL');
    this.#value.write(value, 0);
    const r = h.updateElem(flags);
    if (r < 0) throw elementError(h.label, 'push', r, h.closed);
  }

  /** The next value a QUEUE/STACK would pop, without removing it (4.20); `KeyNotFoundError` when empty. */
  peek(): V {
    const h = this.#h;
    if (h.keySize !== 0) throw new EbpfError(`${h.label}: peek: only queue and stack maps`, 'EINVAL');
    const r = h.lookupElem();
    if (r < 0) throw elementError(h.label, 'peek', r, h.closed);
    return this.#value.read(0);
  }

  /** BLOOM_FILTER membership (5.16): false means definitely absent, true means probably present. */
  contains(value: V): boolean {
    const h = this.#h;
    this.#value.write(value, 0);
    const r = h.lookupElem();
    if (r === -Errno.ENOENT) return false;
    if (r < 0) throw elementError(h.label, 'contains', r, h.closed);
    return true;
  }

  /** Every key (GET_NEXT_KEY; see `map-iterator.ts` for behaviour under concurrent deletion). */
  *keys(): Generator<K, void, undefined> {
    const walk = new KeyWalk(this.#h);
    try {
      const keys = walkKeys(walk, this.#kc);
      while (walk.next() !== undefined) yield keys[walk.current].read(0);
    } finally {
      walk.release();
    }
  }

  /**
   * Every `[key, value]`, the value read when its entry comes up (one GET_NEXT_KEY and one lookup per
   * entry); entries that vanish between listing and lookup are skipped.
   */
  *entries(): Generator<[K, V], void, undefined> {
    const h = this.#h;
    const walk = new KeyWalk(h);
    try {
      const keys = walkKeys(walk, this.#kc);
      const value = this.#value;
      while (walk.next() !== undefined) {
        const r = walk.lookupCurrent();
        if (r === -Errno.ENOENT) continue;
        if (r < 0) throw elementError(h.label, 'lookup', r, h.closed);
        yield [keys[walk.current].read(0), value.read(0)];
      }
    } finally {
      walk.release();
    }
  }

  /** Every value (see `entries()`). */
  *values(): Generator<V, void, undefined> {
    for (const [, v] of this.entries()) yield v;
  }

  /** Same as `entries()`. */
  [Symbol.iterator](): Generator<[K, V], void, undefined> {
    return this.entries();
  }

  /**
   * The entries one batch (one syscall) at a time, packed as the kernel returns them and decoded on demand:
   * the fastest way to read a big map. BPF_MAP_LOOKUP_BATCH or, with `delete`, LOOKUP_AND_DELETE_BATCH
   * (5.6); filled element by element where the kernel lacks them. Each batch is valid until the next.
   */
  batches(opts: BatchesOptions = {}): Generator<MapBatch<K, V>, void, undefined> {
    return lookupBatches(this.#h, this.#kc, this.#vc, opts.delete ?? false, opts);
  }

  /** All entries via BPF_MAP_LOOKUP_BATCH (5.6), or element by element where unsupported. */
  batchLookup(opts: BatchLookupOptions = {}): Array<[K, V]> {
    return batchLookupEntries(this.#h, this.#kc, this.#vc, false, opts);
  }

  /** All entries, deleting them (BPF_MAP_LOOKUP_AND_DELETE_BATCH, 5.6; hash maps), with fallback. */
  batchLookupAndDelete(opts: BatchLookupOptions = {}): Array<[K, V]> {
    return batchLookupEntries(this.#h, this.#kc, this.#vc, true, opts);
  }

  /** Writes `keys[i]` → `values[i]` (BPF_MAP_UPDATE_BATCH, 5.6), with fallback. Returns the count. */
  batchUpdate(keys: readonly K[], values: readonly V[], flags: number = UpdateFlags.ANY): number {
    return batchUpdateEntries(this.#h, this.#kc, this.#vc, keys, values, flags);
  }

  /** Deletes `keys` (BPF_MAP_DELETE_BATCH, 5.6; hash maps), with fallback. `KeyNotFoundError` if one is absent. */
  batchDelete(keys: readonly K[]): number {
    return batchDeleteKeys(this.#h, this.#kc, keys);
  }

  /** Makes the map read-only for user space (BPF_MAP_FREEZE, 5.2); programs can still write it. */
  freeze(): void {
    mapFreeze(this.#h.ctx, this.#h.fd, `${this.#h.label}: freeze`);
    this.#h.frozen = true;
  }

  /**
   * Pins the map at `path` on a bpffs (BPF_OBJ_PIN, 4.4). If it was pinned elsewhere by this object, the
   * old path is removed afterwards (a move).
   */
  pin(path: string): void {
    const h = this.#h;
    try {
      objPin(h.ctx, h.fd, path);
    } catch (e) {
      throw isEbpfError(e) ? e.withContext(h.label) : e;
    }
    const old = h.pinnedPath;
    h.pinnedPath = path;
    if (old !== undefined && old !== path) unlinkQuiet(old, h.label);
  }

  /** Removes the pin created by `pin()`/`loadPinned()` (a missing file is not an error). */
  unpin(): void {
    const h = this.#h;
    if (h.pinnedPath === undefined) return;
    unlinkQuiet(h.pinnedPath, h.label);
    h.pinnedPath = undefined;
  }

  /** Kernel information (BPF_OBJ_GET_INFO_BY_FD, 4.13). Synchronous. */
  info(): MapInfo {
    return readMapInfo(this.#h.ctx, this.#h.fd, `${this.#h.label}: info`);
  }

  /**
   * Maps the values of a BPF_F_MMAPABLE ARRAY into memory (5.5; read-only when frozen). The map unmaps it
   * when closed; read `map-mmap.ts` for the safety rules.
   */
  mmap(): MapMemory {
    return mmapMap(this.#h);
  }

  /** An independent map object on a duplicated descriptor (same codecs; not pinned). */
  clone(): BpfMap<K, V> {
    const h = this.#h;
    const copy = new MapHandle(h.ctx, h.fd.dup(), h);
    copy.frozen = h.frozen;
    return new BpfMap(copy, this.#kc, this.#vc);
  }

  /** Closes the descriptor and unmaps mmap views. Idempotent; the pin (if any) stays. */
  close(): void {
    this.#h.close();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `map "name" (fd N)`. */
  toString(): string {
    return `${this.#h.label} (fd ${this.#h.closed ? 'closed' : this.#h.fd.raw})`;
  }
}
