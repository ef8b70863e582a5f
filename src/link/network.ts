/**
 * Network attach points that take an interface: `attachXDP` (bpf_link XDP, kernel 5.9+) and `attachTCX`
 * (tcx ingress/egress, kernel 6.6+), plus interface name → index resolution through sysfs.
 */
import { readFileSync } from 'node:fs';
import { EbpfError, NotSupportedError, SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { LinkCreateAttr } from '../syscall/attr-layouts.js';
import { linkCreate } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { Link } from './link.js';
import { type LinkProgram, programLabel, programRawFd, requireProgramType } from './program-ref.js';

const { EINVAL, EOPNOTSUPP, EEXIST, EBUSY } = Errno;

/** The index of network interface `name`, from `/sys/class/net/<name>/ifindex`. */
export function interfaceIndex(name: string): number {
  if (!/^[^/\s]{1,15}$/.test(name) || name === '.' || name === '..')
    throw new EbpfError(`invalid interface name ${JSON.stringify(name)}`, 'EINVAL');
  let text: string;
  try {
    text = readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8');
  } catch (e) {
    throw new EbpfError(`interface ${name}: not found`, 'ENODEV', { cause: e });
  }
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n <= 0) throw new EbpfError(`interface ${name}: bad ifindex ${text}`, 'EINVAL');
  return n;
}

/** An interface given by name or index. */
export type InterfaceRef = string | number;

function resolveInterface(iface: InterfaceRef): { index: number; name: string } {
  if (typeof iface === 'number') {
    if (!Number.isInteger(iface) || iface <= 0)
      throw new EbpfError(`invalid interface index ${iface}`, 'EINVAL');
    return { index: iface, name: `ifindex ${iface}` };
  }
  return { index: interfaceIndex(iface), name: iface };
}

/** XDP attach modes (`XDP_FLAGS_*`). */
export const XdpFlags = {
  UPDATE_IF_NOEXIST: 1 << 0,
  /** Generic XDP in the network stack, works on any interface. */
  SKB_MODE: 1 << 1,
  /** Native XDP in the driver. */
  DRV_MODE: 1 << 2,
  /** Offloaded to the NIC. */
  HW_MODE: 1 << 3,
  REPLACE: 1 << 4,
} as const;

/** Named XDP modes accepted by `attachXDP`. */
export type XdpMode = 'generic' | 'driver' | 'offload';

const XDP_MODE_FLAGS: Record<XdpMode, number> = {
  generic: XdpFlags.SKB_MODE,
  driver: XdpFlags.DRV_MODE,
  offload: XdpFlags.HW_MODE,
};

/** Options of `attachXDP`. */
export interface AttachXdpOptions {
  program: LinkProgram;
  /** Interface name (`eth0`) or index. */
  interface: InterfaceRef;
  /** `'generic' | 'driver' | 'offload'` or raw `XdpFlags` bits; default lets the kernel choose. */
  flags?: XdpMode | number;
  ctx?: KernelContext;
}

function xdpFlags(flags: XdpMode | number | undefined): number {
  if (flags === undefined) return 0;
  if (typeof flags === 'number') return flags;
  const f = XDP_MODE_FLAGS[flags];
  if (f === undefined) throw new EbpfError(`attach xdp: unknown mode ${JSON.stringify(flags)}`, 'EINVAL');
  return f;
}

/** Attaches an XDP program to an interface through a bpf_link. */
export function attachXDP(opts: AttachXdpOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  const iface = resolveInterface(opts.interface);
  const label = `xdp ${iface.name}`;
  requireProgramType(opts.program, label, { XDP: ProgramType.XDP });
  let fd: FD;
  try {
    fd = linkCreate(
      ctx,
      {
        progFd: programRawFd(opts.program),
        targetFd: iface.index,
        attachType: AttachType.XDP,
        flags: xdpFlags(opts.flags),
      },
      `${label}: ${programLabel(opts.program)}: link create`,
    );
  } catch (e) {
    if (e instanceof SyscallError && (e.errno === EEXIST || e.errno === EBUSY))
      throw new EbpfError(`${e.message}: another XDP program is attached in this mode`, e.code, { cause: e });
    if (e instanceof SyscallError && e.errno === EOPNOTSUPP)
      throw new NotSupportedError(`xdp mode on ${iface.name}`, undefined, e.message, { cause: e });
    throw e;
  }
  return new Link({ ctx, kind: 'bpf-link', fd, program: opts.program, label });
}

/** `BPF_F_*` flags positioning a program among others on a multi-program hook (tcx, netkit). */
export const MprogFlags = {
  REPLACE: 1 << 2,
  BEFORE: 1 << 3,
  AFTER: 1 << 4,
  ID: 1 << 5,
  LINK: 1 << 13,
} as const;

/** Where to insert a program relative to others on a tcx hook. */
export type TcxAnchor =
  | { before: LinkProgram | Link }
  | { after: LinkProgram | Link }
  | { beforeId: number; link?: boolean }
  | { afterId: number; link?: boolean }
  | 'head'
  | 'tail';

/** Options of `attachTCX`. */
export interface AttachTcxOptions {
  program: LinkProgram;
  interface: InterfaceRef;
  /** `'ingress'`, `'egress'` or an `AttachType` (TCX_INGRESS / TCX_EGRESS). */
  attach: 'ingress' | 'egress' | number;
  /** Position among other programs (default: append). */
  anchor?: TcxAnchor;
  /** Fail with ESTALE unless the hook's revision is still this one. */
  expectedRevision?: bigint | number;
  ctx?: KernelContext;
}

function anchorFlags(anchor: TcxAnchor | undefined): { flags: number; relative: number } {
  if (anchor === undefined || anchor === 'tail') return { flags: 0, relative: 0 };
  if (anchor === 'head') return { flags: MprogFlags.BEFORE, relative: 0 };
  if ('beforeId' in anchor || 'afterId' in anchor) {
    const before = 'beforeId' in anchor;
    const id = before ? anchor.beforeId : anchor.afterId;
    return {
      flags:
        (before ? MprogFlags.BEFORE : MprogFlags.AFTER) | MprogFlags.ID | (anchor.link ? MprogFlags.LINK : 0),
      relative: id,
    };
  }
  const before = 'before' in anchor;
  const target = before ? anchor.before : anchor.after;
  const dir = before ? MprogFlags.BEFORE : MprogFlags.AFTER;
  if (target instanceof Link) return { flags: dir | MprogFlags.LINK, relative: target.fd.raw };
  return { flags: dir, relative: programRawFd(target) };
}

/** Attaches a SCHED_CLS program to an interface's tcx ingress or egress hook (kernel 6.6+). */
export function attachTCX(opts: AttachTcxOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  const iface = resolveInterface(opts.interface);
  const attachType =
    opts.attach === 'ingress'
      ? AttachType.TCX_INGRESS
      : opts.attach === 'egress'
        ? AttachType.TCX_EGRESS
        : opts.attach;
  if (attachType !== AttachType.TCX_INGRESS && attachType !== AttachType.TCX_EGRESS)
    throw new EbpfError(`attach tcx: attach type ${attachType} is not TCX_INGRESS or TCX_EGRESS`, 'EINVAL');
  const label = `tcx ${attachType === AttachType.TCX_INGRESS ? 'ingress' : 'egress'} ${iface.name}`;
  requireProgramType(opts.program, label, { SCHED_CLS: ProgramType.SCHED_CLS });
  const { flags, relative } = anchorFlags(opts.anchor);
  let fd: FD;
  try {
    fd = linkCreate(
      ctx,
      {
        progFd: programRawFd(opts.program),
        targetFd: iface.index,
        attachType,
        flags,
        extra: (a) => {
          a.u32(LinkCreateAttr.tcx_relative_fd, relative);
          a.u64(LinkCreateAttr.tcx_expected_revision, opts.expectedRevision ?? 0);
        },
      },
      `${label}: ${programLabel(opts.program)}: link create`,
    );
  } catch (e) {
    if (e instanceof SyscallError && e.errno === EINVAL)
      throw new EbpfError(`${e.message} (tcx needs kernel 6.6+)`, e.code, { cause: e });
    throw e;
  }
  return new Link({ ctx, kind: 'bpf-link', fd, program: opts.program, label });
}
