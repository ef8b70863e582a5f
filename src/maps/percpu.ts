/**
 * Per-CPU values. For PERCPU_ARRAY, PERCPU_HASH and LRU_PERCPU_HASH maps the kernel exchanges one value per
 * POSSIBLE CPU, each slot rounded up to 8 bytes. `perCpu(codec)` marks a value codec as per-CPU; the map
 * binds it to the CPU count, giving a codec of arrays with exactly one element per possible CPU. Writes
 * must pass an array of that exact length (no implicit replication: use `Array(n).fill(v)` to replicate).
 */
import { EbpfError } from '../errors.js';
import { MapType } from '../syscall/uapi-enums.js';
import { type Codec, decodeAt, encodeAt } from './codec.js';

/** A value codec marked per-CPU: the map decodes values as `T[]`, one per possible CPU. */
export interface PerCpu<T> {
  readonly perCpu: Codec<T>;
}

/** Marks `codec` as the per-CPU element codec (`map.typed(codecs.u32, perCpu(codecs.u64))` → `bigint[]`). */
export function perCpu<T>(codec: Codec<T>): PerCpu<T> {
  return { perCpu: codec };
}

/** True for the marker returned by `perCpu()`. */
export function isPerCpu(c: unknown): c is PerCpu<unknown> {
  return typeof c === 'object' && c !== null && 'perCpu' in c && !('size' in c);
}

/** True for the map types whose values are per-CPU. */
export function isPerCpuMapType(type: number): boolean {
  return type === MapType.PERCPU_ARRAY || type === MapType.PERCPU_HASH || type === MapType.LRU_PERCPU_HASH;
}

/** Bytes of one CPU's slot in the kernel buffer. */
export function perCpuStride(valueSize: number): number {
  return Math.ceil(valueSize / 8) * 8;
}

/** A codec of `cpus` values of `inner`, each in an 8-byte-aligned slot. */
export function bindPerCpu<T>(inner: Codec<T>, cpus: number): Codec<T[]> {
  const stride = perCpuStride(inner.size);
  const size = stride * cpus;
  const encodeValuesAt = (values: T[], buf: Uint8Array, offset: number): void => {
    checkCount(values, cpus);
    for (let i = 0; i < cpus; i++) {
      const o = offset + i * stride;
      encodeAt(inner, values[i] as T, buf, o);
      if (stride > inner.size) buf.fill(0, o + inner.size, o + stride);
    }
  };
  const decodeValuesAt = (buf: Uint8Array, offset: number): T[] => {
    const out = new Array<T>(cpus);
    for (let i = 0; i < cpus; i++) out[i] = decodeAt(inner, buf, offset + i * stride);
    return out;
  };
  const codec: Codec<T[]> = {
    size,
    encode: (values, out) => encodeValuesAt(values, out, 0),
    decode: (b) => decodeValuesAt(b, 0),
    encodeAt: encodeValuesAt,
    decodeAt: decodeValuesAt,
  };
  const { encodeView, decodeView } = inner;
  if (encodeView !== undefined && decodeView !== undefined) {
    codec.encodeView = (values, view, offset) => {
      checkCount(values, cpus);
      for (let i = 0; i < cpus; i++) {
        const o = offset + i * stride;
        encodeView.call(inner, values[i] as T, view, o);
        for (let p = inner.size; p < stride; p++) view.setUint8(o + p, 0);
      }
    };
    codec.decodeView = (view, offset) => {
      const out = new Array<T>(cpus);
      for (let i = 0; i < cpus; i++) out[i] = decodeView.call(inner, view, offset + i * stride);
      return out;
    };
  }
  return codec;
}

function checkCount(values: unknown, cpus: number): asserts values is unknown[] {
  if (!Array.isArray(values) || values.length !== cpus)
    throw new EbpfError(
      `per-CPU value: expected an array of ${cpus} values (one per possible CPU), got ${
        Array.isArray(values) ? values.length : typeof values
      }`,
      'EINVAL',
    );
}
