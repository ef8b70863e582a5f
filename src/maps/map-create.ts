/**
 * BPF_MAP_CREATE from a `MapSpec`: fills in type-specific defaults (PERF_EVENT_ARRAY sizes, fd-array value
 * sizes), sanitises the name, creates the inner-map template for map-in-map types, and reports failures as
 * `map "name": create: ERRNO: hint`.
 */
import { EbpfError, SyscallError } from '../errors.js';
import { Attr } from '../syscall/attr.js';
import { MapCreateAttr as A } from '../syscall/attr-layouts.js';
import type { KernelContext } from '../syscall/context.js';
import { FD } from '../syscall/fd.js';
import { BpfCmd, MapFlags, MapType } from '../syscall/uapi-enums.js';
import { createHint, mapLabel } from './map-errors.js';
import { isFdArrayMapType, type MapSpec, mapTypeName } from './map-spec.js';
import { possibleCpus } from './system-info.js';

/** The kernel's map name limit (BPF_OBJ_NAME_LEN - 1). */
export const MAX_MAP_NAME_LEN = 15;

/**
 * The name as the kernel will accept it: characters other than `[A-Za-z0-9_.]` dropped, then truncated to
 * 15 characters. (Kernels before 5.2 also reject `.`; names at all need 4.15.)
 */
export function sanitizeMapName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '').slice(0, MAX_MAP_NAME_LEN);
}

/**
 * The spec as it will be sent to the kernel: PERF_EVENT_ARRAY gets max_entries = possible CPUs when 0, and
 * fd arrays / map-in-map / perf arrays get key and value size 4 when 0. Returns a copy.
 */
export function effectiveSpec(spec: MapSpec, ctx: KernelContext): MapSpec {
  const s = spec.copy();
  if (isFdArrayMapType(s.type)) {
    if (s.keySize === 0) s.keySize = 4;
    if (s.valueSize === 0) s.valueSize = 4;
  }
  if (s.type === MapType.PERF_EVENT_ARRAY && s.maxEntries === 0) s.maxEntries = possibleCpus(ctx);
  return s;
}

/**
 * Creates the map described by `spec` (already made effective) and returns its fd. For ARRAY_OF_MAPS /
 * HASH_OF_MAPS the inner map template is `innerMapFd` if given, else a temporary map created from
 * `spec.innerMap` and closed right after. Synchronous.
 */
export function createMapFd(spec: MapSpec, ctx: KernelContext, innerMapFd?: FD | number): FD {
  const label = mapLabel(spec.name);
  const mapInMap = spec.type === MapType.ARRAY_OF_MAPS || spec.type === MapType.HASH_OF_MAPS;
  let template: FD | undefined;
  try {
    let innerRaw = 0;
    if (mapInMap) {
      if (innerMapFd !== undefined) innerRaw = typeof innerMapFd === 'number' ? innerMapFd : innerMapFd.raw;
      else if (spec.innerMap !== undefined) {
        const inner = effectiveSpec(spec.innerMap, ctx);
        if (inner.name === '') inner.name = `${spec.name.slice(0, 9)}_inner`;
        try {
          template = createMapFd(inner, ctx);
        } catch (e) {
          throw e instanceof EbpfError ? e.withContext(`${label}: inner map`) : e;
        }
        innerRaw = template.raw;
      } else
        throw new EbpfError(
          `${label}: create: ${mapTypeName(spec.type)} needs an inner map spec (innerMap) or innerMapFd`,
          'EINVAL',
        );
    }
    let flags = spec.flags;
    if (spec.numaNode !== undefined) flags |= MapFlags.NUMA_NODE;
    const a = new Attr(A.SIZE, ctx.backend)
      .u32(A.map_type, spec.type)
      .u32(A.key_size, spec.keySize)
      .u32(A.value_size, spec.valueSize)
      .u32(A.max_entries, spec.maxEntries)
      .u32(A.map_flags, flags)
      .u32(A.inner_map_fd, innerRaw)
      .u32(A.numa_node, spec.numaNode ?? 0)
      .fixedString(A.map_name, MAX_MAP_NAME_LEN + 1, sanitizeMapName(spec.name))
      .u32(A.btf_fd, spec.btfFd ?? 0)
      .u32(A.btf_key_type_id, spec.btfKeyTypeId ?? 0)
      .u32(A.btf_value_type_id, spec.btfValueTypeId ?? 0)
      .u32(A.btf_vmlinux_value_type_id, spec.btfVmlinuxValueTypeId ?? 0)
      .u64(A.map_extra, spec.mapExtra ?? 0n);
    const r = ctx.backend.bpf(BpfCmd.MAP_CREATE, a.bytes, a.size);
    if (r < 0) throw new SyscallError(`${label}: create`, -r, createHint(spec.type, flags, -r));
    return new FD(r, ctx, label);
  } finally {
    template?.close();
  }
}
