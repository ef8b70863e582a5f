/**
 * Maps: `MapSpec` (pure description), `BpfMap` (an open map with synchronous element, iteration, batch,
 * pin, freeze and mmap operations) and the key/value codecs that make maps typed.
 */
import { bytes, cstring, i32, i64, raw, u8, u16, u32, u64 } from './codec.js';
import { perCpu } from './percpu.js';
import { struct } from './struct-codec.js';

export * from './bpf-map.js';
export * from './codec.js';
export {
  type BatchesOptions,
  type BatchLookupOptions,
  DEFAULT_BATCH_SIZE,
  MapBatch,
} from './map-batch-lookup.js';
export { effectiveSpec, MAX_MAP_NAME_LEN, sanitizeMapName } from './map-create.js';
export { decodeMapInfo, type MapInfo } from './map-info.js';
export { MapMemory } from './map-mmap.js';
export type {
  AnyCodec,
  AnyValueCodec,
  CodecType,
  CreateMapOptions,
  LoadPinnedOptions,
  OpenMapOptions,
} from './map-options.js';
export * from './map-spec.js';
export { isPerCpuMapType, type PerCpu, perCpu, perCpuStride } from './percpu.js';
export * from './struct-codec.js';
export { pageSize, parseCpuList, possibleCpus } from './system-info.js';

/** All built-in codecs in one namespace: `codecs.u32`, `codecs.struct({...}, 8)`, `codecs.perCpu(codecs.u64)`. */
export const codecs = { raw, bytes, cstring, u8, u16, u32, i32, u64, i64, struct, perCpu } as const;
