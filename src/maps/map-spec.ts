/**
 * `MapSpec`: the pure-data description of a map (what `BpfMap.create` needs), as parsed from an ELF
 * object or written by hand. No kernel access here: specs can be built, copied and compared anywhere.
 */
import { EbpfError } from '../errors.js';
import { MapFlags, MapType } from '../syscall/uapi-enums.js';
import type { MapInfo } from './map-info.js';

/** How a map is pinned by a collection (libbpf's `LIBBPF_PIN_*`). */
export const Pinning = { NONE: 0, BY_NAME: 1 } as const;
/** A `Pinning` value. */
export type Pinning = (typeof Pinning)[keyof typeof Pinning];

/**
 * One initial entry `[key, value]`, encoded with the map's codecs when the map is created (raw
 * `Uint8Array`s for an untyped map).
 */
export type MapEntry = readonly [key: unknown, value: unknown];

/** The fields of a `MapSpec`; only `type` is required (sizes default to 0, name to ''). */
export interface MapSpecInit {
  name?: string | undefined;
  type: MapType;
  keySize?: number | undefined;
  valueSize?: number | undefined;
  maxEntries?: number | undefined;
  flags?: number | undefined;
  numaNode?: number | undefined;
  mapExtra?: bigint | undefined;
  innerMap?: MapSpec | MapSpecInit | undefined;
  pinning?: Pinning | undefined;
  btfFd?: number | undefined;
  btfKeyTypeId?: number | undefined;
  btfValueTypeId?: number | undefined;
  btfVmlinuxValueTypeId?: number | undefined;
  contents?: MapEntry[] | undefined;
  freeze?: boolean | undefined;
}

const FD_ARRAY_TYPES: ReadonlySet<number> = new Set([
  MapType.PROG_ARRAY,
  MapType.PERF_EVENT_ARRAY,
  MapType.CGROUP_ARRAY,
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
]);

/** A map description. Pure data: mutate freely, `copy()` before sharing. */
export class MapSpec {
  /** Map name; sanitised and truncated to 15 characters at creation. */
  name: string;
  type: MapType;
  keySize: number;
  valueSize: number;
  /** 0 for PERF_EVENT_ARRAY means "one per possible CPU". */
  maxEntries: number;
  /** `BPF_F_*` creation flags (`MapFlags`). */
  flags: number;
  /** NUMA node to allocate on (sets `BPF_F_NUMA_NODE` at creation). */
  numaNode: number | undefined;
  /** Type-specific extra (bloom filter: number of hash functions, 1-15; kernel 5.16). */
  mapExtra: bigint | undefined;
  /** Template of the inner maps of ARRAY_OF_MAPS / HASH_OF_MAPS. */
  innerMap: MapSpec | undefined;
  pinning: Pinning | undefined;
  /** Raw BTF object fd and type ids describing key and value (kernel 4.18). */
  btfFd: number | undefined;
  btfKeyTypeId: number | undefined;
  btfValueTypeId: number | undefined;
  btfVmlinuxValueTypeId: number | undefined;
  /** Entries written right after creation. */
  contents: MapEntry[] | undefined;
  /** Freeze the map (no more writes from user space) after writing `contents` (kernel 5.2). */
  freeze: boolean | undefined;

  constructor(init: MapSpecInit) {
    this.name = init.name ?? '';
    this.type = init.type;
    this.keySize = init.keySize ?? 0;
    this.valueSize = init.valueSize ?? 0;
    this.maxEntries = init.maxEntries ?? 0;
    this.flags = init.flags ?? 0;
    this.numaNode = init.numaNode;
    this.mapExtra = init.mapExtra;
    this.innerMap =
      init.innerMap === undefined
        ? undefined
        : init.innerMap instanceof MapSpec
          ? init.innerMap.copy()
          : new MapSpec(init.innerMap);
    this.pinning = init.pinning;
    this.btfFd = init.btfFd;
    this.btfKeyTypeId = init.btfKeyTypeId;
    this.btfValueTypeId = init.btfValueTypeId;
    this.btfVmlinuxValueTypeId = init.btfVmlinuxValueTypeId;
    this.contents = init.contents?.map(([k, v]) => [k, v] as const);
    this.freeze = init.freeze;
  }

  /** A deep copy (inner map and contents list copied; entry values themselves are shared). */
  copy(): MapSpec {
    return new MapSpec(this);
  }

  /**
   * Why an existing map (e.g. a pinned one) cannot stand in for this spec, or undefined if it can. Compares
   * type, key size, value size, max entries and flags. A PERF_EVENT_ARRAY spec with max entries 0 accepts
   * any size, fd arrays with sizes 0 mean 4, and `BPF_F_RDONLY_PROG` added by the kernel to devmaps is ignored.
   */
  incompatibility(
    info: Pick<MapInfo, 'type' | 'keySize' | 'valueSize' | 'maxEntries' | 'flags'>,
  ): string | undefined {
    if (info.type !== this.type) return `type ${info.type} != ${this.type}`;
    const fdArray = FD_ARRAY_TYPES.has(this.type);
    const keySize = fdArray && this.keySize === 0 ? 4 : this.keySize;
    const valueSize = fdArray && this.valueSize === 0 ? 4 : this.valueSize;
    if (info.keySize !== keySize) return `key size ${info.keySize} != ${keySize}`;
    if (info.valueSize !== valueSize) return `value size ${info.valueSize} != ${valueSize}`;
    const anySize = this.type === MapType.PERF_EVENT_ARRAY && this.maxEntries === 0;
    if (!anySize && info.maxEntries !== this.maxEntries)
      return `max entries ${info.maxEntries} != ${this.maxEntries}`;
    let flags = info.flags;
    if (this.type === MapType.DEVMAP || this.type === MapType.DEVMAP_HASH) flags &= ~MapFlags.RDONLY_PROG;
    let want = this.flags;
    if (this.numaNode !== undefined) want |= MapFlags.NUMA_NODE;
    if (flags !== want) return `flags 0x${flags.toString(16)} != 0x${want.toString(16)}`;
    return undefined;
  }

  /** True when an existing map matches this spec (see `incompatibility`). */
  compatibleWith(info: Pick<MapInfo, 'type' | 'keySize' | 'valueSize' | 'maxEntries' | 'flags'>): boolean {
    return this.incompatibility(info) === undefined;
  }

  /** Throws an `EbpfError` (code `EINCOMPATIBLE`) naming the mismatch when `info` does not match. */
  checkCompatible(info: Pick<MapInfo, 'type' | 'keySize' | 'valueSize' | 'maxEntries' | 'flags'>): void {
    const why = this.incompatibility(info);
    if (why !== undefined)
      throw new EbpfError(`map "${this.name}": existing map is incompatible: ${why}`, 'EINCOMPATIBLE');
  }
}

/** True for map types whose keys are dense indexes 0..maxEntries-1 (iteration never restarts). */
export function isArrayMapType(type: number): boolean {
  return (
    type === MapType.ARRAY ||
    type === MapType.PERCPU_ARRAY ||
    type === MapType.PROG_ARRAY ||
    type === MapType.PERF_EVENT_ARRAY ||
    type === MapType.CGROUP_ARRAY ||
    type === MapType.ARRAY_OF_MAPS ||
    type === MapType.DEVMAP ||
    type === MapType.CPUMAP ||
    type === MapType.XSKMAP ||
    type === MapType.SOCKMAP ||
    type === MapType.REUSEPORT_SOCKARRAY
  );
}

/** True for map types whose key and value default to 4 bytes (fd arrays, map-in-map). */
export function isFdArrayMapType(type: number): boolean {
  return FD_ARRAY_TYPES.has(type);
}

/** The name of a map type (`HASH`), or its number. */
export function mapTypeName(type: number): string {
  for (const [name, value] of Object.entries(MapType)) if (value === type) return name;
  return String(type);
}
