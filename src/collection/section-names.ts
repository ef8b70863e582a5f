/**
 * Maps an ELF program section name to a program type, expected attach type and attach target, following the
 * libbpf 1.x `SEC()` grammar: `name+` matches `name` exactly or `name/<target>`; `name/` requires a target;
 * plain names match exactly; a leading `?` turns autoload off; `.s` variants are sleepable. Unknown names give an
 * unspecified program (type UNSPEC), not an error. Pure: no kernel access.
 */
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';

/** How a program found by its section name attaches, parsed from the section's target part. */
export type AttachTarget =
  | { kind: 'kprobe'; function: string; offset: number; retprobe: boolean }
  | { kind: 'kprobe-multi'; pattern: string; retprobe: boolean; session: boolean }
  | { kind: 'ksyscall'; syscall: string; retprobe: boolean }
  | { kind: 'uprobe'; path: string; func: string | undefined; offset: number; retprobe: boolean }
  | { kind: 'uprobe-multi'; path: string; pattern: string; retprobe: boolean; session: boolean }
  | { kind: 'usdt'; path: string; provider: string; name: string }
  | { kind: 'tracepoint'; group: string; name: string }
  | { kind: 'raw-tracepoint'; name: string }
  | { kind: 'btf'; name: string }
  | { kind: 'iter'; name: string }
  | { kind: 'struct-ops'; name: string };

/** What a section name says about its program. */
export interface SectionInfo {
  /** The section name as written in the object. */
  section: string;
  programType: number;
  expectedAttachType: number | undefined;
  /** False for `?`-prefixed sections (load only when asked). */
  autoload: boolean;
  sleepable: boolean;
  /** `xdp.frags` programs. */
  xdpFrags: boolean;
  /** The part after the section definition's `/`, if any. */
  target: string | undefined;
  /** The parsed target for auto-attach, when the section carries a complete one. */
  attach: AttachTarget | undefined;
  /** The matched definition (`tp+`, `xdp`, ...), or undefined for unknown sections. */
  definition: string | undefined;
}

type Flag = 'sleepable' | 'frags' | 'attach-btf';

interface SectionDef {
  prefix: string;
  type: number;
  attach?: number;
  flags?: Flag[];
  parse?: (target: string, def: string) => AttachTarget | undefined;
}

const P = ProgramType;
const A = AttachType;

function parseKprobe(target: string, def: string): AttachTarget | undefined {
  const m = /^([^+\s]+)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(target);
  if (!m) return undefined;
  return {
    kind: 'kprobe',
    function: m[1] as string,
    offset: m[2] ? Number(m[2]) : 0,
    retprobe: def.startsWith('kret'),
  };
}

function parseKprobeMulti(target: string, def: string): AttachTarget | undefined {
  if (!target) return undefined;
  return {
    kind: 'kprobe-multi',
    pattern: target,
    retprobe: def.startsWith('kret'),
    session: def.includes('session'),
  };
}

function parseKsyscall(target: string, def: string): AttachTarget | undefined {
  if (!/^\w+$/.test(target)) return undefined;
  return { kind: 'ksyscall', syscall: target, retprobe: def.startsWith('kret') };
}

function parseUprobe(target: string, def: string): AttachTarget | undefined {
  // path:func, path:func+off, path:0xoff ; path may not contain ':'
  const m = /^([^:]+):([^+]*?)(?:\+(0x[0-9a-fA-F]+|\d+))?$/.exec(target);
  if (!m) return undefined;
  const path = m[1] as string;
  const sym = m[2] as string;
  const retprobe = def.startsWith('uret');
  if (/^(0x[0-9a-fA-F]+|\d+)$/.test(sym) && m[3] === undefined)
    return { kind: 'uprobe', path, func: undefined, offset: Number(sym), retprobe };
  if (sym === '') return undefined;
  return { kind: 'uprobe', path, func: sym, offset: m[3] ? Number(m[3]) : 0, retprobe };
}

function parseUprobeMulti(target: string, def: string): AttachTarget | undefined {
  const i = target.indexOf(':');
  if (i <= 0 || i === target.length - 1) return undefined;
  return {
    kind: 'uprobe-multi',
    path: target.slice(0, i),
    pattern: target.slice(i + 1),
    retprobe: def.startsWith('uret'),
    session: def.includes('session'),
  };
}

function parseUsdt(target: string): AttachTarget | undefined {
  const parts = target.split(':');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  return { kind: 'usdt', path: parts[0] as string, provider: parts[1] as string, name: parts[2] as string };
}

function parseTracepoint(target: string): AttachTarget | undefined {
  const i = target.indexOf('/');
  if (i <= 0 || i === target.length - 1) return undefined;
  return { kind: 'tracepoint', group: target.slice(0, i), name: target.slice(i + 1) };
}

const parseRawTp = (target: string): AttachTarget | undefined =>
  target ? { kind: 'raw-tracepoint', name: target } : undefined;
const parseBtf = (target: string): AttachTarget | undefined =>
  target ? { kind: 'btf', name: target } : undefined;
const parseIter = (target: string): AttachTarget | undefined =>
  target ? { kind: 'iter', name: target } : undefined;
const parseStructOps = (target: string): AttachTarget | undefined =>
  target ? { kind: 'struct-ops', name: target } : undefined;

/** Ordered like libbpf's table: the first matching definition wins, so longer prefixes come first. */
const DEFS: SectionDef[] = [
  { prefix: 'socket', type: P.SOCKET_FILTER },
  { prefix: 'sk_reuseport/migrate', type: P.SK_REUSEPORT, attach: A.SK_REUSEPORT_SELECT_OR_MIGRATE },
  { prefix: 'sk_reuseport', type: P.SK_REUSEPORT, attach: A.SK_REUSEPORT_SELECT },
  { prefix: 'kprobe+', type: P.KPROBE, parse: parseKprobe },
  { prefix: 'uprobe+', type: P.KPROBE, parse: parseUprobe },
  { prefix: 'uprobe.s+', type: P.KPROBE, flags: ['sleepable'], parse: parseUprobe },
  { prefix: 'kretprobe+', type: P.KPROBE, parse: parseKprobe },
  { prefix: 'uretprobe+', type: P.KPROBE, parse: parseUprobe },
  { prefix: 'uretprobe.s+', type: P.KPROBE, flags: ['sleepable'], parse: parseUprobe },
  { prefix: 'kprobe.multi+', type: P.KPROBE, attach: A.TRACE_KPROBE_MULTI, parse: parseKprobeMulti },
  { prefix: 'kretprobe.multi+', type: P.KPROBE, attach: A.TRACE_KPROBE_MULTI, parse: parseKprobeMulti },
  { prefix: 'kprobe.session+', type: P.KPROBE, attach: A.TRACE_KPROBE_SESSION, parse: parseKprobeMulti },
  { prefix: 'uprobe.multi+', type: P.KPROBE, attach: A.TRACE_UPROBE_MULTI, parse: parseUprobeMulti },
  { prefix: 'uretprobe.multi+', type: P.KPROBE, attach: A.TRACE_UPROBE_MULTI, parse: parseUprobeMulti },
  {
    prefix: 'uprobe.multi.s+',
    type: P.KPROBE,
    attach: A.TRACE_UPROBE_MULTI,
    flags: ['sleepable'],
    parse: parseUprobeMulti,
  },
  {
    prefix: 'uretprobe.multi.s+',
    type: P.KPROBE,
    attach: A.TRACE_UPROBE_MULTI,
    flags: ['sleepable'],
    parse: parseUprobeMulti,
  },
  { prefix: 'uprobe.session+', type: P.KPROBE, attach: A.TRACE_UPROBE_SESSION, parse: parseUprobeMulti },
  {
    prefix: 'uprobe.session.s+',
    type: P.KPROBE,
    attach: A.TRACE_UPROBE_SESSION,
    flags: ['sleepable'],
    parse: parseUprobeMulti,
  },
  { prefix: 'ksyscall+', type: P.KPROBE, parse: parseKsyscall },
  { prefix: 'kretsyscall+', type: P.KPROBE, parse: parseKsyscall },
  { prefix: 'usdt+', type: P.KPROBE, parse: parseUsdt },
  { prefix: 'usdt.s+', type: P.KPROBE, flags: ['sleepable'], parse: parseUsdt },
  { prefix: 'tc/ingress', type: P.SCHED_CLS, attach: A.TCX_INGRESS },
  { prefix: 'tc/egress', type: P.SCHED_CLS, attach: A.TCX_EGRESS },
  { prefix: 'tcx/ingress', type: P.SCHED_CLS, attach: A.TCX_INGRESS },
  { prefix: 'tcx/egress', type: P.SCHED_CLS, attach: A.TCX_EGRESS },
  { prefix: 'netkit/primary', type: P.SCHED_CLS, attach: A.NETKIT_PRIMARY },
  { prefix: 'netkit/peer', type: P.SCHED_CLS, attach: A.NETKIT_PEER },
  { prefix: 'tc', type: P.SCHED_CLS },
  { prefix: 'classifier', type: P.SCHED_CLS },
  { prefix: 'action', type: P.SCHED_ACT },
  { prefix: 'tracepoint+', type: P.TRACEPOINT, parse: parseTracepoint },
  { prefix: 'tp+', type: P.TRACEPOINT, parse: parseTracepoint },
  { prefix: 'raw_tracepoint+', type: P.RAW_TRACEPOINT, parse: parseRawTp },
  { prefix: 'raw_tp+', type: P.RAW_TRACEPOINT, parse: parseRawTp },
  { prefix: 'raw_tracepoint.w+', type: P.RAW_TRACEPOINT_WRITABLE, parse: parseRawTp },
  { prefix: 'raw_tp.w+', type: P.RAW_TRACEPOINT_WRITABLE, parse: parseRawTp },
  { prefix: 'tp_btf+', type: P.TRACING, attach: A.TRACE_RAW_TP, flags: ['attach-btf'], parse: parseBtf },
  { prefix: 'fentry+', type: P.TRACING, attach: A.TRACE_FENTRY, flags: ['attach-btf'], parse: parseBtf },
  { prefix: 'fmod_ret+', type: P.TRACING, attach: A.MODIFY_RETURN, flags: ['attach-btf'], parse: parseBtf },
  { prefix: 'fexit+', type: P.TRACING, attach: A.TRACE_FEXIT, flags: ['attach-btf'], parse: parseBtf },
  {
    prefix: 'fentry.s+',
    type: P.TRACING,
    attach: A.TRACE_FENTRY,
    flags: ['attach-btf', 'sleepable'],
    parse: parseBtf,
  },
  {
    prefix: 'fmod_ret.s+',
    type: P.TRACING,
    attach: A.MODIFY_RETURN,
    flags: ['attach-btf', 'sleepable'],
    parse: parseBtf,
  },
  {
    prefix: 'fexit.s+',
    type: P.TRACING,
    attach: A.TRACE_FEXIT,
    flags: ['attach-btf', 'sleepable'],
    parse: parseBtf,
  },
  { prefix: 'freplace+', type: P.EXT, flags: ['attach-btf'], parse: parseBtf },
  { prefix: 'lsm+', type: P.LSM, attach: A.LSM_MAC, flags: ['attach-btf'], parse: parseBtf },
  { prefix: 'lsm.s+', type: P.LSM, attach: A.LSM_MAC, flags: ['attach-btf', 'sleepable'], parse: parseBtf },
  { prefix: 'lsm_cgroup+', type: P.LSM, attach: A.LSM_CGROUP, flags: ['attach-btf'] },
  { prefix: 'iter+', type: P.TRACING, attach: A.TRACE_ITER, flags: ['attach-btf'], parse: parseIter },
  {
    prefix: 'iter.s+',
    type: P.TRACING,
    attach: A.TRACE_ITER,
    flags: ['attach-btf', 'sleepable'],
    parse: parseIter,
  },
  { prefix: 'syscall', type: P.SYSCALL, flags: ['sleepable'] },
  { prefix: 'xdp.frags/devmap', type: P.XDP, attach: A.XDP_DEVMAP, flags: ['frags'] },
  { prefix: 'xdp/devmap', type: P.XDP, attach: A.XDP_DEVMAP },
  { prefix: 'xdp.frags/cpumap', type: P.XDP, attach: A.XDP_CPUMAP, flags: ['frags'] },
  { prefix: 'xdp/cpumap', type: P.XDP, attach: A.XDP_CPUMAP },
  { prefix: 'xdp.frags', type: P.XDP, attach: A.XDP, flags: ['frags'] },
  { prefix: 'xdp', type: P.XDP, attach: A.XDP },
  { prefix: 'perf_event', type: P.PERF_EVENT },
  { prefix: 'lwt_in', type: P.LWT_IN },
  { prefix: 'lwt_out', type: P.LWT_OUT },
  { prefix: 'lwt_xmit', type: P.LWT_XMIT },
  { prefix: 'lwt_seg6local', type: P.LWT_SEG6LOCAL },
  { prefix: 'sockops', type: P.SOCK_OPS, attach: A.CGROUP_SOCK_OPS },
  { prefix: 'sk_skb/stream_parser', type: P.SK_SKB, attach: A.SK_SKB_STREAM_PARSER },
  { prefix: 'sk_skb/stream_verdict', type: P.SK_SKB, attach: A.SK_SKB_STREAM_VERDICT },
  { prefix: 'sk_skb/verdict', type: P.SK_SKB, attach: A.SK_SKB_VERDICT },
  { prefix: 'sk_skb', type: P.SK_SKB },
  { prefix: 'sk_msg', type: P.SK_MSG, attach: A.SK_MSG_VERDICT },
  { prefix: 'lirc_mode2', type: P.LIRC_MODE2, attach: A.LIRC_MODE2 },
  { prefix: 'flow_dissector', type: P.FLOW_DISSECTOR, attach: A.FLOW_DISSECTOR },
  { prefix: 'cgroup_skb/ingress', type: P.CGROUP_SKB, attach: A.CGROUP_INET_INGRESS },
  { prefix: 'cgroup_skb/egress', type: P.CGROUP_SKB, attach: A.CGROUP_INET_EGRESS },
  { prefix: 'cgroup/skb', type: P.CGROUP_SKB },
  { prefix: 'cgroup/sock_create', type: P.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_CREATE },
  { prefix: 'cgroup/sock_release', type: P.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_RELEASE },
  { prefix: 'cgroup/sock', type: P.CGROUP_SOCK, attach: A.CGROUP_INET_SOCK_CREATE },
  { prefix: 'cgroup/post_bind4', type: P.CGROUP_SOCK, attach: A.CGROUP_INET4_POST_BIND },
  { prefix: 'cgroup/post_bind6', type: P.CGROUP_SOCK, attach: A.CGROUP_INET6_POST_BIND },
  { prefix: 'cgroup/bind4', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_BIND },
  { prefix: 'cgroup/bind6', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_BIND },
  { prefix: 'cgroup/connect4', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_CONNECT },
  { prefix: 'cgroup/connect6', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_CONNECT },
  { prefix: 'cgroup/connect_unix', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_CONNECT },
  { prefix: 'cgroup/sendmsg4', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP4_SENDMSG },
  { prefix: 'cgroup/sendmsg6', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP6_SENDMSG },
  { prefix: 'cgroup/sendmsg_unix', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_SENDMSG },
  { prefix: 'cgroup/recvmsg4', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP4_RECVMSG },
  { prefix: 'cgroup/recvmsg6', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UDP6_RECVMSG },
  { prefix: 'cgroup/recvmsg_unix', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_RECVMSG },
  { prefix: 'cgroup/getpeername4', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_GETPEERNAME },
  { prefix: 'cgroup/getpeername6', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_GETPEERNAME },
  { prefix: 'cgroup/getpeername_unix', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_GETPEERNAME },
  { prefix: 'cgroup/getsockname4', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET4_GETSOCKNAME },
  { prefix: 'cgroup/getsockname6', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_INET6_GETSOCKNAME },
  { prefix: 'cgroup/getsockname_unix', type: P.CGROUP_SOCK_ADDR, attach: A.CGROUP_UNIX_GETSOCKNAME },
  { prefix: 'cgroup/sysctl', type: P.CGROUP_SYSCTL, attach: A.CGROUP_SYSCTL },
  { prefix: 'cgroup/getsockopt', type: P.CGROUP_SOCKOPT, attach: A.CGROUP_GETSOCKOPT },
  { prefix: 'cgroup/setsockopt', type: P.CGROUP_SOCKOPT, attach: A.CGROUP_SETSOCKOPT },
  { prefix: 'cgroup/dev', type: P.CGROUP_DEVICE, attach: A.CGROUP_DEVICE },
  { prefix: 'struct_ops+', type: P.STRUCT_OPS, parse: parseStructOps },
  { prefix: 'struct_ops.s+', type: P.STRUCT_OPS, flags: ['sleepable'], parse: parseStructOps },
  { prefix: 'sk_lookup', type: P.SK_LOOKUP, attach: A.SK_LOOKUP },
  { prefix: 'netfilter', type: P.NETFILTER, attach: A.NETFILTER },
];

/** The libbpf matching rule: `x+` = exactly `x` or `x/...`; `x/` = `x/...`; else exact. Returns the target. */
function match(def: string, name: string): string | undefined | null {
  if (def.endsWith('/')) return name.startsWith(def) ? name.slice(def.length) : null;
  if (def.endsWith('+')) {
    const base = def.slice(0, -1);
    if (!name.startsWith(base)) return null;
    if (name.length === base.length) return undefined;
    return name[base.length] === '/' ? name.slice(base.length + 1) : null;
  }
  return name === def ? undefined : null;
}

/** Parses a program section name. Never throws: unknown sections yield `programType` UNSPEC. */
export function parseSectionName(section: string): SectionInfo {
  const autoload = !section.startsWith('?');
  const name = autoload ? section : section.slice(1);
  for (const def of DEFS) {
    const target = match(def.prefix, name);
    if (target === null) continue;
    const flags = def.flags ?? [];
    const defName = def.prefix.replace(/\+$/, '');
    return {
      section,
      programType: def.type,
      expectedAttachType: def.attach,
      autoload,
      sleepable: flags.includes('sleepable'),
      xdpFrags: flags.includes('frags'),
      target,
      attach: target !== undefined && def.parse ? def.parse(target, defName) : undefined,
      definition: def.prefix,
    };
  }
  return {
    section,
    programType: ProgramType.UNSPEC,
    expectedAttachType: undefined,
    autoload,
    sleepable: false,
    xdpFrags: false,
    target: undefined,
    attach: undefined,
    definition: undefined,
  };
}

/** True when programs of this section need a BTF id of their attach target at load time. */
export function needsAttachBtf(info: SectionInfo): boolean {
  const def = DEFS.find((d) => d.prefix === info.definition);
  return def?.flags?.includes('attach-btf') ?? false;
}
