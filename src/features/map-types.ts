/**
 * `haveMapType`: creates the smallest valid map of a type and reports whether the kernel knows the type.
 * Each type gets attributes it accepts (ringbuf: a page-aligned power-of-two size; LPM trie: NO_PREALLOC;
 * map-in-map: an inner map; local storage: BTF key/value types; struct_ops: a vmlinux value type id, where
 * ENOTSUPP "no such struct_ops type" proves the map type itself exists).
 */
import { EbpfError, NotSupportedError, SyscallError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { Errno } from '../internal/errno.js';
import { Attr } from '../syscall/attr.js';
import { MapCreateAttr as M } from '../syscall/attr-layouts.js';
import { btfLoadRaw } from '../syscall/bpf.js';
import type { KernelContext } from '../syscall/context.js';
import { FD } from '../syscall/fd.js';
import { BpfCmd, MapFlags, MapType } from '../syscall/uapi-enums.js';
import { mapTypeFeature, mapTypeMinKernel } from './names.js';
import { cachedProbe, type ProbeOptions } from './probe-cache.js';

/** Attributes of a probe map. */
interface ProbeMapAttrs {
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** Needs an inner map fd (map-in-map). */
  inner?: boolean;
  /** Needs BTF key/value type ids (local storage). */
  btf?: boolean;
  /** A vmlinux value type id (struct_ops). */
  vmlinuxValueTypeId?: number;
}

/** Ring buffer size for probes: a power of two that is page-aligned for 4, 16 and 64 KiB pages. */
const RINGBUF_PROBE_SIZE = 64 * 1024;

function probeAttrs(type: number): ProbeMapAttrs {
  const base = { keySize: 4, valueSize: 4, maxEntries: 1 };
  switch (type) {
    case MapType.STACK_TRACE:
      return { ...base, valueSize: 8 };
    case MapType.LPM_TRIE:
      return { keySize: 8, valueSize: 8, maxEntries: 1, flags: MapFlags.NO_PREALLOC };
    case MapType.ARRAY_OF_MAPS:
    case MapType.HASH_OF_MAPS:
      return { ...base, inner: true };
    case MapType.CGROUP_STORAGE:
    case MapType.PERCPU_CGROUP_STORAGE:
      // struct bpf_cgroup_storage_key (u64 cgroup id + u32 attach type, padded); max_entries must be 0.
      return { keySize: 16, valueSize: 8, maxEntries: 0 };
    case MapType.QUEUE:
    case MapType.STACK:
    case MapType.BLOOM_FILTER:
      return { ...base, keySize: 0 };
    case MapType.SK_STORAGE:
    case MapType.INODE_STORAGE:
    case MapType.TASK_STORAGE:
    case MapType.CGRP_STORAGE:
      return { ...base, maxEntries: 0, flags: MapFlags.NO_PREALLOC, btf: true };
    case MapType.STRUCT_OPS:
      // Type id 1 of vmlinux is never a struct_ops value type: the kernel answers ENOTSUPP.
      return { ...base, vmlinuxValueTypeId: 1 };
    case MapType.RINGBUF:
    case MapType.USER_RINGBUF:
      return { keySize: 0, valueSize: 0, maxEntries: RINGBUF_PROBE_SIZE };
    case MapType.ARENA:
      return { keySize: 0, valueSize: 0, maxEntries: 1, flags: MapFlags.MMAPABLE };
    default:
      return base;
  }
}

/** Raw `bpf_map_create`; returns the fd or `-errno`. */
function createRaw(ctx: KernelContext, type: number, p: ProbeMapAttrs, extra?: (a: Attr) => void): number {
  const a = new Attr(M.SIZE, ctx.backend)
    .u32(M.map_type, type)
    .u32(M.key_size, p.keySize)
    .u32(M.value_size, p.valueSize)
    .u32(M.max_entries, p.maxEntries)
    .u32(M.map_flags, p.flags ?? 0)
    .u32(M.btf_vmlinux_value_type_id, p.vmlinuxValueTypeId ?? 0);
  extra?.(a);
  return ctx.backend.bpf(BpfCmd.MAP_CREATE, a.bytes, a.size);
}

/** A minimal BTF blob with one type: `int` (id 1, 4 bytes, signed), in host byte order. */
export function minimalIntBtf(): Uint8Array {
  const strings = new TextEncoder().encode('\0int\0');
  const typeLen = 16;
  const buf = new Uint8Array(24 + typeLen + strings.byteLength);
  const dv = new DataView(buf.buffer);
  const le = hostByteOrder === 'little';
  dv.setUint16(0, 0xeb9f, le);
  dv.setUint8(2, 1); // version
  dv.setUint32(4, 24, le); // hdr_len
  dv.setUint32(8, 0, le); // type_off
  dv.setUint32(12, typeLen, le);
  dv.setUint32(16, typeLen, le); // str_off
  dv.setUint32(20, strings.byteLength, le);
  dv.setUint32(24, 1, le); // name_off -> "int"
  dv.setUint32(28, 1 << 24, le); // kind INT, vlen 0
  dv.setUint32(32, 4, le); // size
  dv.setUint32(36, (1 << 24) | 32, le); // BTF_INT_SIGNED, offset 0, 32 bits
  buf.set(strings, 40);
  return buf;
}

function notSupported(type: number, detail?: string, cause?: unknown): NotSupportedError {
  return new NotSupportedError(mapTypeFeature(type), mapTypeMinKernel(type), detail, { cause });
}

function probeMapType(ctx: KernelContext, type: number): void {
  const p = probeAttrs(type);
  const held: FD[] = [];
  try {
    let extra: ((a: Attr) => void) | undefined;
    if (p.inner) {
      const inner = createRaw(ctx, MapType.ARRAY, probeAttrs(MapType.ARRAY));
      if (inner < 0) throw new SyscallError('probe: create inner map', -inner);
      const innerFd = new FD(inner, ctx, 'probe inner map');
      held.push(innerFd);
      extra = (a) => a.u32(M.inner_map_fd, innerFd.raw);
    }
    if (p.btf) {
      const { fd } = btfLoadRaw(ctx, { btf: minimalIntBtf() });
      if (fd < 0) {
        if (fd === -Errno.EPERM) throw new SyscallError('probe: load BTF', -fd);
        throw notSupported(
          type,
          'the kernel cannot load the BTF this map type needs',
          new SyscallError('load BTF', -fd),
        );
      }
      const btfFd = new FD(fd, ctx, 'probe BTF');
      held.push(btfFd);
      extra = (a) => a.u32(M.btf_fd, btfFd.raw).u32(M.btf_key_type_id, 1).u32(M.btf_value_type_id, 1);
    }
    const r = createRaw(ctx, type, p, extra);
    if (r >= 0) {
      ctx.backend.close(r);
      return;
    }
    const errno = -r;
    if (type === MapType.STRUCT_OPS && (errno === Errno.ENOTSUPP || errno === Errno.EOPNOTSUPP)) return;
    if (errno === Errno.EINVAL || errno === Errno.E2BIG)
      throw notSupported(type, undefined, new SyscallError('map create', errno));
    throw new SyscallError(`probe ${mapTypeFeature(type)}: map create`, errno);
  } finally {
    for (const fd of held) fd.close();
  }
}

/**
 * Returns when the kernel supports maps of `type`; throws `NotSupportedError` (naming the map type and its
 * first kernel) when it does not, and any other error (e.g. EPERM without privileges) as is.
 */
export function haveMapType(type: MapType, opts?: ProbeOptions): void {
  if (!Number.isInteger(type) || type <= MapType.UNSPEC || type > 0xffffffff)
    throw new EbpfError(`haveMapType: invalid map type ${type}`, 'EINVAL');
  cachedProbe(opts, `map:${type}`, (ctx) => probeMapType(ctx, type));
}
