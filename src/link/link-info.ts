/**
 * `LinkInfo`: what `BPF_OBJ_GET_INFO_BY_FD` reports about a bpf_link — its type, id, program id and the
 * per-type details (tracepoint name, cgroup id, interface, probe target...). A first call learns the type,
 * a second passes buffers for the names the type carries. Short, bounded syscalls: synchronous.
 */
import { hostByteOrder } from '../internal/bytes.js';
import { Attr } from '../syscall/attr.js';
import { allocAttr } from '../syscall/backend.js';
import { objInfo } from '../syscall/bpf.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { LinkType } from '../syscall/uapi-enums.js';
import { LinkInfoOffsets as L, PerfEventLinkType } from './link-info-layout.js';

/** Longest name we fetch (tracepoint, iterator target, probed file or function). */
const NAME_BUFFER_SIZE = 4096;

/** Per-type details of a link. `kind` is the lower-case `bpf_link_type` name. */
export type LinkDetails =
  | { kind: 'raw_tracepoint'; name: string; cookie: bigint }
  | { kind: 'tracing'; attachType: number; targetObjectId: number; targetBtfId: number; cookie: bigint }
  | { kind: 'cgroup'; cgroupId: bigint; attachType: number }
  | { kind: 'iter'; target: string; mapId: number; cgroupId: bigint; taskTid: number; taskPid: number }
  | { kind: 'netns'; netnsInode: number; attachType: number }
  | { kind: 'xdp'; ifindex: number }
  | { kind: 'struct_ops'; mapId: number }
  | { kind: 'netfilter'; pf: number; hooknum: number; priority: number; flags: number }
  | { kind: 'kprobe_multi'; count: number; flags: number; missed: bigint }
  | { kind: 'uprobe_multi'; path: string; count: number; flags: number; pid: number }
  | { kind: 'perf_event'; event: PerfEventLinkDetails }
  | { kind: 'tcx'; ifindex: number; attachType: number }
  | { kind: 'netkit'; ifindex: number; attachType: number }
  | { kind: 'sockmap'; mapId: number; attachType: number };

/** What a perf-event link is attached to. */
export type PerfEventLinkDetails =
  | { type: 'uprobe' | 'uretprobe'; file: string; offset: number; cookie: bigint; refCtrOffset: bigint }
  | {
      type: 'kprobe' | 'kretprobe';
      function: string;
      offset: number;
      address: bigint;
      missed: bigint;
      cookie: bigint;
    }
  | { type: 'tracepoint'; name: string; cookie: bigint }
  | { type: 'event'; perfType: number; config: bigint; cookie: bigint }
  | { type: 'unspec' };

/** Information about a link. */
export interface LinkInfo {
  /** `BPF_LINK_TYPE_*` (`LinkType`). */
  type: number;
  /** Lower-case name of the type (`perf_event`, `xdp`), or `unknown(<n>)`. */
  typeName: string;
  id: number;
  /** Id of the attached program. */
  programId: number;
  /** Per-type fields; undefined for types this version does not decode. */
  details: LinkDetails | undefined;
}

const LE = hostByteOrder === 'little';
const LINK_TYPE_NAMES = new Map<number, string>(
  Object.entries(LinkType).map(([name, value]) => [value, name.toLowerCase()]),
);

/** Lower-case name of a `bpf_link_type` value. */
export function linkTypeName(type: number): string {
  return LINK_TYPE_NAMES.get(type) ?? `unknown(${type})`;
}

/** Offsets of the (pointer, length) pair a link type fills with a name. */
function nameFields(type: number, perfType: number): [ptr: number, len: number] | undefined {
  switch (type) {
    case LinkType.RAW_TRACEPOINT:
      return [L.raw_tracepoint_tp_name, L.raw_tracepoint_tp_name_len];
    case LinkType.ITER:
      return [L.iter_target_name, L.iter_target_name_len];
    case LinkType.UPROBE_MULTI:
      return [L.uprobe_multi_path, L.uprobe_multi_path_size];
    case LinkType.PERF_EVENT:
      if (perfType === PerfEventLinkType.UPROBE || perfType === PerfEventLinkType.URETPROBE)
        return [L.perf_event_uprobe_file_name, L.perf_event_uprobe_name_len];
      if (perfType === PerfEventLinkType.KPROBE || perfType === PerfEventLinkType.KRETPROBE)
        return [L.perf_event_kprobe_func_name, L.perf_event_kprobe_name_len];
      if (perfType === PerfEventLinkType.TRACEPOINT)
        return [L.perf_event_tracepoint_tp_name, L.perf_event_tracepoint_name_len];
      return undefined;
    default:
      return undefined;
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.byteLength : end));
}

/** Reads the info of the link behind `fd`. */
export function readLinkInfo(ctx: KernelContext, fd: FD, op = 'link: info'): LinkInfo {
  const first = allocAttr(L.SIZE);
  objInfo(ctx, fd, first, op);
  const firstView = new DataView(first.buffer);
  const type = firstView.getUint32(L.type, LE);
  const fields = nameFields(type, firstView.getUint32(L.perf_event_type, LE));
  let info = first;
  let name = '';
  if (fields) {
    const nameBuf = allocAttr(NAME_BUFFER_SIZE);
    const a = new Attr(L.SIZE, ctx.backend).ptr(fields[0], nameBuf).u32(fields[1], NAME_BUFFER_SIZE);
    objInfo(ctx, fd, a.bytes, op);
    info = a.bytes;
    name = cString(nameBuf);
  }
  return decodeLinkInfo(info, name);
}

/** Decodes a filled `bpf_link_info`; `name` is the string the kernel wrote for the type, if any. */
export function decodeLinkInfo(info: Uint8Array, name = ''): LinkInfo {
  const dv = new DataView(info.buffer, info.byteOffset, info.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, LE);
  const i32 = (o: number): number => dv.getInt32(o, LE);
  const u64 = (o: number): bigint => dv.getBigUint64(o, LE);
  const type = u32(L.type);
  return {
    type,
    typeName: linkTypeName(type),
    id: u32(L.id),
    programId: u32(L.prog_id),
    details: decodeDetails(type, name, u32, i32, u64),
  };
}

function decodeDetails(
  type: number,
  name: string,
  u32: (o: number) => number,
  i32: (o: number) => number,
  u64: (o: number) => bigint,
): LinkDetails | undefined {
  switch (type) {
    case LinkType.RAW_TRACEPOINT:
      return { kind: 'raw_tracepoint', name, cookie: u64(L.raw_tracepoint_cookie) };
    case LinkType.TRACING:
      return {
        kind: 'tracing',
        attachType: u32(L.tracing_attach_type),
        targetObjectId: u32(L.tracing_target_obj_id),
        targetBtfId: u32(L.tracing_target_btf_id),
        cookie: u64(L.tracing_cookie),
      };
    case LinkType.CGROUP:
      return { kind: 'cgroup', cgroupId: u64(L.cgroup_cgroup_id), attachType: u32(L.cgroup_attach_type) };
    case LinkType.ITER:
      return {
        kind: 'iter',
        target: name,
        mapId: u32(L.iter_map_id),
        cgroupId: u64(L.iter_cgroup_id),
        taskTid: u32(L.iter_task_tid),
        taskPid: u32(L.iter_task_pid),
      };
    case LinkType.NETNS:
      return { kind: 'netns', netnsInode: u32(L.netns_netns_ino), attachType: u32(L.netns_attach_type) };
    case LinkType.XDP:
      return { kind: 'xdp', ifindex: u32(L.xdp_ifindex) };
    case LinkType.STRUCT_OPS:
      return { kind: 'struct_ops', mapId: u32(L.struct_ops_map_id) };
    case LinkType.NETFILTER:
      return {
        kind: 'netfilter',
        pf: u32(L.netfilter_pf),
        hooknum: u32(L.netfilter_hooknum),
        priority: i32(L.netfilter_priority),
        flags: u32(L.netfilter_flags),
      };
    case LinkType.KPROBE_MULTI:
      return {
        kind: 'kprobe_multi',
        count: u32(L.kprobe_multi_count),
        flags: u32(L.kprobe_multi_flags),
        missed: u64(L.kprobe_multi_missed),
      };
    case LinkType.UPROBE_MULTI:
      return {
        kind: 'uprobe_multi',
        path: name,
        count: u32(L.uprobe_multi_count),
        flags: u32(L.uprobe_multi_flags),
        pid: u32(L.uprobe_multi_pid),
      };
    case LinkType.PERF_EVENT:
      return { kind: 'perf_event', event: decodePerfEvent(name, u32, u64) };
    case LinkType.TCX:
      return { kind: 'tcx', ifindex: u32(L.tcx_ifindex), attachType: u32(L.tcx_attach_type) };
    case LinkType.NETKIT:
      return { kind: 'netkit', ifindex: u32(L.netkit_ifindex), attachType: u32(L.netkit_attach_type) };
    case LinkType.SOCKMAP:
      return { kind: 'sockmap', mapId: u32(L.sockmap_map_id), attachType: u32(L.sockmap_attach_type) };
    default:
      return undefined;
  }
}

function decodePerfEvent(
  name: string,
  u32: (o: number) => number,
  u64: (o: number) => bigint,
): PerfEventLinkDetails {
  const t = u32(L.perf_event_type);
  switch (t) {
    case PerfEventLinkType.UPROBE:
    case PerfEventLinkType.URETPROBE:
      return {
        type: t === PerfEventLinkType.UPROBE ? 'uprobe' : 'uretprobe',
        file: name,
        offset: u32(L.perf_event_uprobe_offset),
        cookie: u64(L.perf_event_uprobe_cookie),
        refCtrOffset: u64(L.perf_event_uprobe_ref_ctr_offset),
      };
    case PerfEventLinkType.KPROBE:
    case PerfEventLinkType.KRETPROBE:
      return {
        type: t === PerfEventLinkType.KPROBE ? 'kprobe' : 'kretprobe',
        function: name,
        offset: u32(L.perf_event_kprobe_offset),
        address: u64(L.perf_event_kprobe_addr),
        missed: u64(L.perf_event_kprobe_missed),
        cookie: u64(L.perf_event_kprobe_cookie),
      };
    case PerfEventLinkType.TRACEPOINT:
      return { type: 'tracepoint', name, cookie: u64(L.perf_event_tracepoint_cookie) };
    case PerfEventLinkType.EVENT:
      return {
        type: 'event',
        perfType: u32(L.perf_event_event_type),
        config: u64(L.perf_event_event_config),
        cookie: u64(L.perf_event_event_cookie),
      };
    default:
      return { type: 'unspec' };
  }
}
