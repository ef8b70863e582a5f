/**
 * `MapInfo`: what the kernel reports about a map (BPF_OBJ_GET_INFO_BY_FD with `struct bpf_map_info`).
 * Fields a kernel does not know yet read as zero (older kernels fill a shorter struct).
 */
import { hostByteOrder } from '../internal/bytes.js';
import { allocAttr } from '../syscall/backend.js';
import { objInfo } from '../syscall/bpf.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { MapInfoLayout as L } from '../syscall/info-layouts.js';
import type { MapType } from '../syscall/uapi-enums.js';

/** Kernel information about a map. Requires kernel 4.13 (names 4.15, BTF ids 4.18, `mapExtra` 5.16). */
export interface MapInfo {
  type: MapType;
  /** Kernel-wide map id (stable while the map exists). */
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** The name given at creation (up to 15 characters). */
  name: string;
  /** Device the map is offloaded to, or 0. */
  ifindex: number;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  btfVmlinuxValueTypeId: number;
  btfVmlinuxId: number;
  /** Type-specific extra: the number of hash functions of a bloom filter. */
  mapExtra: bigint;
  netnsDev: bigint;
  netnsIno: bigint;
}

const decoder = new TextDecoder();

/** Decodes a `struct bpf_map_info` (host byte order). Missing trailing fields read as zero. */
export function decodeMapInfo(bytes: Uint8Array): MapInfo {
  const full = new Uint8Array(L.SIZE);
  full.set(bytes.subarray(0, L.SIZE));
  const v = new DataView(full.buffer);
  const le = hostByteOrder === 'little';
  const u32 = (o: number): number => v.getUint32(o, le);
  const u64 = (o: number): bigint => v.getBigUint64(o, le);
  const nameBytes = full.subarray(L.name, L.name + 16);
  const end = nameBytes.indexOf(0);
  return {
    type: u32(L.type) as MapType,
    id: u32(L.id),
    keySize: u32(L.key_size),
    valueSize: u32(L.value_size),
    maxEntries: u32(L.max_entries),
    flags: u32(L.map_flags),
    name: decoder.decode(end < 0 ? nameBytes : nameBytes.subarray(0, end)),
    ifindex: u32(L.ifindex),
    btfId: u32(L.btf_id),
    btfKeyTypeId: u32(L.btf_key_type_id),
    btfValueTypeId: u32(L.btf_value_type_id),
    btfVmlinuxValueTypeId: u32(L.btf_vmlinux_value_type_id),
    btfVmlinuxId: u32(L.btf_vmlinux_id),
    mapExtra: u64(L.map_extra),
    netnsDev: u64(L.netns_dev),
    netnsIno: u64(L.netns_ino),
  };
}

/** BPF_OBJ_GET_INFO_BY_FD for a map. Synchronous. `op` prefixes the error message. */
export function readMapInfo(ctx: KernelContext, fd: FD, op = 'map: info'): MapInfo {
  const buf = allocAttr(L.SIZE);
  const len = objInfo(ctx, fd, buf, op);
  return decodeMapInfo(buf.subarray(0, Math.min(len, L.SIZE)));
}
