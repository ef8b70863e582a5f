/**
 * Options and codec binding shared by the ways of opening a `BpfMap`: which codecs a map may use (sizes
 * must match the map's key and value buffers; per-CPU maps take `perCpu(codec)` or the raw whole buffer).
 */
import { unlinkSync } from 'node:fs';
import { EbpfError } from '../errors.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { type Codec, raw } from './codec.js';
import type { MapHandle } from './map-handle.js';
import { bindPerCpu, isPerCpu, isPerCpuMapType, type PerCpu } from './percpu.js';

/** Any key codec. */
export type AnyCodec = Codec<unknown>;
/** Any value codec, including the `perCpu(...)` marker. */
export type AnyValueCodec = Codec<unknown> | PerCpu<unknown>;
/** The JavaScript type a codec produces (`perCpu(c)` produces an array). */
export type CodecType<C> = C extends PerCpu<infer E> ? E[] : C extends Codec<infer T> ? T : never;

/** Options shared by every way of opening a map. */
export interface OpenMapOptions<KC extends AnyCodec, VC extends AnyValueCodec> {
  /** Kernel context (backend and caches); defaults to `defaultContext()`. */
  ctx?: KernelContext;
  /** Key codec; default raw bytes of the key size. */
  key?: KC;
  /** Value codec; default raw bytes. Use `perCpu(codec)` for per-CPU arrays of values. */
  value?: VC;
}

/** Options of `BpfMap.create`. */
export interface CreateMapOptions<KC extends AnyCodec, VC extends AnyValueCodec>
  extends OpenMapOptions<KC, VC> {
  /** Inner map template for ARRAY_OF_MAPS / HASH_OF_MAPS (instead of `spec.innerMap`). */
  innerMapFd?: FD | number;
}

/** Options of `BpfMap.loadPinned`. */
export interface LoadPinnedOptions<KC extends AnyCodec, VC extends AnyValueCodec>
  extends OpenMapOptions<KC, VC> {
  /** Open with BPF_F_RDONLY / BPF_F_WRONLY (file access to the pinned object). */
  readOnly?: boolean;
  writeOnly?: boolean;
}

/** Checks and resolves the codecs for a map (defaults: raw bytes of the buffer sizes). */
export function bindCodecs(h: MapHandle, key?: AnyCodec, value?: AnyValueCodec): [AnyCodec, AnyCodec] {
  const kc = key ?? raw(h.keySize);
  if (kc.size !== h.keySize)
    throw new EbpfError(`${h.label}: key codec is ${kc.size} bytes, map key is ${h.keySize}`, 'EINVAL');
  if (isPerCpu(value)) {
    if (!isPerCpuMapType(h.type))
      throw new EbpfError(`${h.label}: perCpu() value codec on a non-per-CPU map`, 'EINVAL');
    if (value.perCpu.size !== h.valueSize)
      throw new EbpfError(
        `${h.label}: value codec is ${value.perCpu.size} bytes, map value is ${h.valueSize}`,
        'EINVAL',
      );
    return [kc, bindPerCpu(value.perCpu, h.cpus)];
  }
  const vc = value ?? raw(h.valueBufSize);
  if (vc.size !== h.valueBufSize) {
    const hint =
      isPerCpuMapType(h.type) && vc.size === h.valueSize ? ' (per-CPU map: wrap it in perCpu())' : '';
    throw new EbpfError(
      `${h.label}: value codec is ${vc.size} bytes, map value buffer is ${h.valueBufSize}${hint}`,
      'EINVAL',
    );
  }
  return [kc, vc];
}

/** Removes a pin; a missing file is fine, other failures throw `EbpfError` (code `EUNPIN`). */
export function unlinkQuiet(path: string, label: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new EbpfError(`${label}: unpin ${path}: ${(e as Error).message}`, 'EUNPIN', { cause: e });
  }
}
