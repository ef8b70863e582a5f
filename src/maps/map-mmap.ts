/**
 * Zero-copy access to the values of a `BPF_F_MMAPABLE` ARRAY map (kernel 5.5): the value area is mapped
 * into this process and exposed as a Uint8Array and a DataView. Element i's value starts at
 * `i * round_up(valueSize, 8)`. Writes through the view are seen by BPF programs and `lookup()`, and
 * vice versa, with no syscall.
 *
 * SAFETY: the memory is unmapped by `close()` (and when the map closes). JavaScript cannot detach these
 * buffers, so touching a `bytes`/`view` reference kept from before `close()` crashes the process; the
 * getters throw `ClosedError` afterwards, so always go through them. A read-only mapping (frozen map)
 * crashes the process on write: check `readOnly`.
 */
import { ClosedError, EbpfError, SyscallError } from '../errors.js';
import { MapFlags, MapType } from '../syscall/uapi-enums.js';
import { Errno } from './map-errors.js';
import type { MapHandle, MapResource } from './map-handle.js';
import { pageSize, roundUp } from './system-info.js';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;

/** A mapping of an mmapable array's values. */
export class MapMemory implements MapResource {
  readonly #h: MapHandle;
  readonly #addr: bigint;
  /** Mapped length in bytes (page multiple). */
  readonly length: number;
  /** Bytes of one element's slot (`round_up(valueSize, 8)`). */
  readonly stride: number;
  /** True when mapped without PROT_WRITE (frozen or read-only map): writing crashes the process. */
  readonly readOnly: boolean;
  #bytes: Uint8Array | undefined;
  #view: DataView | undefined;

  constructor(h: MapHandle, addr: bigint, length: number, stride: number, readOnly: boolean) {
    this.#h = h;
    this.#addr = addr;
    this.length = length;
    this.stride = stride;
    this.readOnly = readOnly;
    const ab = h.backend.memoryView(addr, length);
    this.#bytes = new Uint8Array(ab);
    this.#view = new DataView(ab);
  }

  /** The mapped value area. Throws `ClosedError` after `close()`. */
  get bytes(): Uint8Array {
    if (this.#bytes === undefined) throw new ClosedError(`${this.#h.label}: mmap`);
    return this.#bytes;
  }

  /** A DataView over the mapped value area. Throws `ClosedError` after `close()`. */
  get view(): DataView {
    if (this.#view === undefined) throw new ClosedError(`${this.#h.label}: mmap`);
    return this.#view;
  }

  /** The bytes of element `index`'s value (a view into the mapping). */
  element(index: number): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.#h.maxEntries)
      throw new EbpfError(`${this.#h.label}: mmap: index ${index} out of range`, 'EINVAL');
    const o = index * this.stride;
    return this.bytes.subarray(o, o + this.#h.valueSize);
  }

  get closed(): boolean {
    return this.#bytes === undefined;
  }

  /** Unmaps the memory. Idempotent. */
  close(): void {
    if (this.#bytes === undefined) return;
    this.#bytes = undefined;
    this.#view = undefined;
    this.#h.resources.delete(this);
    this.#h.backend.munmap(this.#addr, this.length);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * Maps the values of an mmapable ARRAY. Frozen maps are mapped read-only; if a writable mapping is refused
 * with EPERM (map frozen elsewhere, or read-only) it falls back to read-only. The map keeps the mapping
 * and unmaps it when it closes.
 */
export function mmapMap(h: MapHandle): MapMemory {
  if (h.closed) throw new ClosedError(h.label);
  if (h.type !== MapType.ARRAY || (h.flags & MapFlags.MMAPABLE) === 0)
    throw new EbpfError(
      `${h.label}: mmap: only ARRAY maps created with BPF_F_MMAPABLE can be mapped`,
      'EINVAL',
    );
  const stride = roundUp(h.valueSize, 8);
  const length = roundUp(stride * h.maxEntries, pageSize(h.ctx));
  let readOnly = h.frozen || (h.flags & MapFlags.RDONLY) !== 0;
  let addr = h.backend.mmap(length, readOnly ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, h.fd.raw, 0);
  if (addr === -BigInt(Errno.EPERM) && !readOnly) {
    readOnly = true;
    addr = h.backend.mmap(length, PROT_READ, MAP_SHARED, h.fd.raw, 0);
  }
  if (addr < 0n) throw new SyscallError(`${h.label}: mmap`, Number(-addr));
  const mem = new MapMemory(h, addr, length, stride, readOnly);
  h.resources.add(mem);
  return mem;
}
