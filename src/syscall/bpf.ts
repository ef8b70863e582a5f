/**
 * Typed wrappers around `bpf(2)` commands. Each builds its attr with the layouts in `attr-layouts.ts`, calls
 * the backend, and throws `SyscallError` (op named after the command) on failure. Objects that own an fd are
 * returned as `FD`s. Hot-path element operations live in `maps/` with preallocated attrs instead.
 */
import { Attr, cstring } from './attr.js';
import {
  BtfLoadAttr,
  EnableStatsAttr,
  GetIdAttr,
  IterCreateAttr,
  LinkCreateAttr,
  LinkDetachAttr,
  LinkUpdateAttr,
  MapElemAttr,
  ObjInfoAttr,
  ObjPinAttr,
  ProgAttachAttr,
  ProgBindMapAttr,
  RawTracepointAttr,
} from './attr-layouts.js';
import { allocAttr } from './backend.js';
import type { KernelContext } from './context.js';
import { FD } from './fd.js';
import { check } from './result.js';
import { AttachFlags, BpfCmd } from './uapi-enums.js';

/** Runs `cmd` with `attr`, returning the result or throwing `SyscallError(op)`. */
export function bpfCall(ctx: KernelContext, cmd: number, attr: Attr, op: string): number {
  return check(op, ctx.backend.bpf(cmd, attr.bytes, attr.size));
}

/** Runs `cmd` and wraps the returned descriptor in an `FD` labelled `label`. */
export function bpfFd(ctx: KernelContext, cmd: number, attr: Attr, op: string, label: string): FD {
  return new FD(bpfCall(ctx, cmd, attr, op), ctx, label);
}

/** BPF_OBJ_PIN: pins the object behind `fd` at `path` (on a bpffs mount). */
export function objPin(ctx: KernelContext, fd: FD, path: string): void {
  const a = new Attr(ObjPinAttr.SIZE, ctx.backend)
    .cstringPtr(ObjPinAttr.pathname, path)
    .u32(ObjPinAttr.bpf_fd, fd.raw);
  bpfCall(ctx, BpfCmd.OBJ_PIN, a, `pin ${path}`);
}

/** Access flags for `objGet` (`file_flags`). */
export const ObjGetFlags = { RDONLY: 1 << 3, WRONLY: 1 << 4 } as const;

/** BPF_OBJ_GET: opens the object pinned at `path`. */
export function objGet(ctx: KernelContext, path: string, fileFlags = 0, label = 'pinned object'): FD {
  const a = new Attr(ObjPinAttr.SIZE, ctx.backend)
    .cstringPtr(ObjPinAttr.pathname, path)
    .u32(ObjPinAttr.file_flags, fileFlags);
  return bpfFd(ctx, BpfCmd.OBJ_GET, a, `open pinned ${path}`, label);
}

/** BPF_OBJ_GET_INFO_BY_FD: fills `info` (a zeroed struct of the caller's size) and returns the kernel's length. */
export function objInfo(ctx: KernelContext, fd: FD, info: Uint8Array, op = 'get info'): number {
  const a = new Attr(ObjInfoAttr.SIZE, ctx.backend)
    .u32(ObjInfoAttr.bpf_fd, fd.raw)
    .u32(ObjInfoAttr.info_len, info.byteLength)
    .ptr(ObjInfoAttr.info, info);
  bpfCall(ctx, BpfCmd.OBJ_GET_INFO_BY_FD, a, op);
  return a.getU32(ObjInfoAttr.info_len);
}

/** Kinds of kernel objects with ids. */
export type ObjectKind = 'prog' | 'map' | 'btf' | 'link';

const NEXT_ID_CMD: Record<ObjectKind, number> = {
  prog: BpfCmd.PROG_GET_NEXT_ID,
  map: BpfCmd.MAP_GET_NEXT_ID,
  btf: BpfCmd.BTF_GET_NEXT_ID,
  link: BpfCmd.LINK_GET_NEXT_ID,
};
const FD_BY_ID_CMD: Record<ObjectKind, number> = {
  prog: BpfCmd.PROG_GET_FD_BY_ID,
  map: BpfCmd.MAP_GET_FD_BY_ID,
  btf: BpfCmd.BTF_GET_FD_BY_ID,
  link: BpfCmd.LINK_GET_FD_BY_ID,
};

/** BPF_*_GET_NEXT_ID: the next id after `startId`, or undefined at the end (ENOENT). */
export function getNextId(ctx: KernelContext, kind: ObjectKind, startId: number): number | undefined {
  const a = new Attr(GetIdAttr.SIZE, ctx.backend).u32(GetIdAttr.start_id, startId);
  const r = ctx.backend.bpf(NEXT_ID_CMD[kind], a.bytes, a.size);
  if (r === -2) return undefined;
  check(`${kind} get next id`, r);
  return a.getU32(GetIdAttr.next_id);
}

/** All ids of one kind of object currently in the kernel. */
export function listIds(ctx: KernelContext, kind: ObjectKind): number[] {
  const ids: number[] = [];
  let id = 0;
  for (;;) {
    const next = getNextId(ctx, kind, id);
    if (next === undefined) return ids;
    ids.push(next);
    id = next;
  }
}

/** BPF_*_GET_FD_BY_ID: opens an object by id. */
export function fdById(ctx: KernelContext, kind: ObjectKind, id: number, openFlags = 0): FD {
  const a = new Attr(GetIdAttr.SIZE, ctx.backend)
    .u32(GetIdAttr.start_id, id)
    .u32(GetIdAttr.open_flags, openFlags);
  return bpfFd(ctx, FD_BY_ID_CMD[kind], a, `${kind} ${id}: open by id`, `${kind} ${id}`);
}

/** BPF_MAP_FREEZE. */
export function mapFreeze(ctx: KernelContext, mapFd: FD, op = 'freeze'): void {
  const a = new Attr(MapElemAttr.SIZE, ctx.backend).u32(MapElemAttr.map_fd, mapFd.raw);
  bpfCall(ctx, BpfCmd.MAP_FREEZE, a, op);
}

/** Parameters of BPF_BTF_LOAD. */
export interface BtfLoadParams {
  btf: Uint8Array;
  logLevel?: number;
  logSize?: number;
}

/** BPF_BTF_LOAD once; returns the fd or the negative errno and whatever the kernel logged. */
export function btfLoadRaw(ctx: KernelContext, p: BtfLoadParams): { fd: number; log: string } {
  const btf = allocAttr(p.btf.byteLength);
  btf.set(p.btf);
  const log = p.logLevel ? allocAttr(p.logSize ?? 1 << 16) : undefined;
  const a = new Attr(BtfLoadAttr.SIZE, ctx.backend)
    .ptr(BtfLoadAttr.btf, btf)
    .u32(BtfLoadAttr.btf_size, btf.byteLength);
  if (log)
    a.ptr(BtfLoadAttr.btf_log_buf, log)
      .u32(BtfLoadAttr.btf_log_size, log.byteLength)
      .u32(BtfLoadAttr.btf_log_level, p.logLevel ?? 0);
  const fd = ctx.backend.bpf(BpfCmd.BTF_LOAD, a.bytes, a.size);
  return { fd, log: log ? decodeLog(log) : '' };
}

/** Decodes a NUL-terminated kernel log buffer. */
export function decodeLog(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return new TextDecoder().decode(buf.subarray(0, end < 0 ? buf.byteLength : end));
}

/** Parameters of BPF_LINK_CREATE; `extra` writes the per-type union part. */
export interface LinkCreateParams {
  progFd: number;
  targetFd: number;
  attachType: number;
  flags?: number;
  extra?: (attr: Attr) => void;
}

/** BPF_LINK_CREATE. */
export function linkCreate(ctx: KernelContext, p: LinkCreateParams, op = 'link create'): FD {
  const a = new Attr(LinkCreateAttr.SIZE, ctx.backend)
    .u32(LinkCreateAttr.prog_fd, p.progFd)
    .u32(LinkCreateAttr.target_fd, p.targetFd)
    .u32(LinkCreateAttr.attach_type, p.attachType)
    .u32(LinkCreateAttr.flags, p.flags ?? 0);
  p.extra?.(a);
  return bpfFd(ctx, BpfCmd.LINK_CREATE, a, op, 'link');
}

/** BPF_LINK_UPDATE: swaps the program of a link (optionally only if it is still `oldProgFd`). */
export function linkUpdate(ctx: KernelContext, linkFd: FD, newProgFd: number, oldProgFd?: number): void {
  const a = new Attr(LinkUpdateAttr.SIZE, ctx.backend)
    .u32(LinkUpdateAttr.link_fd, linkFd.raw)
    .u32(LinkUpdateAttr.new_prog_fd, newProgFd);
  if (oldProgFd !== undefined)
    a.u32(LinkUpdateAttr.flags, AttachFlags.REPLACE).u32(LinkUpdateAttr.old_prog_fd, oldProgFd);
  bpfCall(ctx, BpfCmd.LINK_UPDATE, a, 'link update');
}

/** BPF_LINK_DETACH. */
export function linkDetach(ctx: KernelContext, linkFd: FD): void {
  const a = new Attr(LinkDetachAttr.SIZE, ctx.backend).u32(LinkDetachAttr.link_fd, linkFd.raw);
  bpfCall(ctx, BpfCmd.LINK_DETACH, a, 'link detach');
}

/** BPF_RAW_TRACEPOINT_OPEN: attaches a raw_tp (name) or a tracing program (name null). */
export function rawTracepointOpen(ctx: KernelContext, progFd: number, name: string | null, cookie = 0n): FD {
  const a = new Attr(RawTracepointAttr.SIZE, ctx.backend)
    .u32(RawTracepointAttr.prog_fd, progFd)
    .u64(RawTracepointAttr.cookie, cookie);
  if (name !== null) a.ptr(RawTracepointAttr.name, cstring(name));
  return bpfFd(
    ctx,
    BpfCmd.RAW_TRACEPOINT_OPEN,
    a,
    `raw tracepoint open ${name ?? '(tracing)'}`,
    'raw tracepoint link',
  );
}

/** Parameters of BPF_PROG_ATTACH / BPF_PROG_DETACH. */
export interface ProgAttachParams {
  targetFd: number;
  progFd: number;
  attachType: number;
  flags?: number;
  replaceFd?: number;
}

/** BPF_PROG_ATTACH (legacy, non-link attachment). */
export function progAttach(ctx: KernelContext, p: ProgAttachParams): void {
  const a = new Attr(ProgAttachAttr.SIZE, ctx.backend)
    .u32(ProgAttachAttr.target_fd, p.targetFd)
    .u32(ProgAttachAttr.attach_bpf_fd, p.progFd)
    .u32(ProgAttachAttr.attach_type, p.attachType)
    .u32(ProgAttachAttr.attach_flags, p.flags ?? 0)
    .u32(ProgAttachAttr.replace_bpf_fd, p.replaceFd ?? 0);
  bpfCall(ctx, BpfCmd.PROG_ATTACH, a, 'prog attach');
}

/** BPF_PROG_DETACH. */
export function progDetach(ctx: KernelContext, p: ProgAttachParams): void {
  const a = new Attr(ProgAttachAttr.SIZE, ctx.backend)
    .u32(ProgAttachAttr.target_fd, p.targetFd)
    .u32(ProgAttachAttr.attach_bpf_fd, p.progFd)
    .u32(ProgAttachAttr.attach_type, p.attachType);
  bpfCall(ctx, BpfCmd.PROG_DETACH, a, 'prog detach');
}

/** BPF_ITER_CREATE: an fd whose reads run the iterator program. */
export function iterCreate(ctx: KernelContext, linkFd: FD): FD {
  const a = new Attr(IterCreateAttr.SIZE, ctx.backend).u32(IterCreateAttr.link_fd, linkFd.raw);
  return bpfFd(ctx, BpfCmd.ITER_CREATE, a, 'iter create', 'iterator');
}

/** BPF_PROG_BIND_MAP: keeps `mapFd` alive as long as the program. */
export function progBindMap(ctx: KernelContext, progFd: FD, mapFd: FD): void {
  const a = new Attr(ProgBindMapAttr.SIZE, ctx.backend)
    .u32(ProgBindMapAttr.prog_fd, progFd.raw)
    .u32(ProgBindMapAttr.map_fd, mapFd.raw);
  bpfCall(ctx, BpfCmd.PROG_BIND_MAP, a, 'prog bind map');
}

/** BPF_ENABLE_STATS (BPF_STATS_RUN_TIME = 0): run-time stats stay on while the returned fd is open. */
export function enableStats(ctx: KernelContext, type = 0): FD {
  const a = new Attr(EnableStatsAttr.SIZE, ctx.backend).u32(EnableStatsAttr.type, type);
  return bpfFd(ctx, BpfCmd.ENABLE_STATS, a, 'enable stats', 'stats');
}
