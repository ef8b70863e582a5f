/**
 * `attachNetfilter`: runs a NETFILTER program at a netfilter hook (kernel 6.4+), `BPF_LINK_CREATE` with
 * `BPF_NETFILTER` and the protocol family, hook and priority.
 */
import { LinkCreateAttr } from '../syscall/attr-layouts.js';
import { linkCreate } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { Link } from './link.js';
import { type LinkProgram, programLabel, programRawFd, requireProgramType } from './program-ref.js';

/** Protocol families (`NFPROTO_*`). */
export const NetfilterProtocol = { IPV4: 2, IPV6: 10 } as const;

/** Hooks (`enum nf_inet_hooks`). */
export const NetfilterHook = {
  PRE_ROUTING: 0,
  LOCAL_IN: 1,
  FORWARD: 2,
  LOCAL_OUT: 3,
  POST_ROUTING: 4,
} as const;

/** `BPF_F_NETFILTER_IP_DEFRAG`: see defragmented packets (6.6+). */
export const NETFILTER_IP_DEFRAG = 1;

/** Options of `attachNetfilter`. */
export interface AttachNetfilterOptions {
  program: LinkProgram;
  /** `NetfilterProtocol.*`. */
  protocolFamily: number;
  /** `NetfilterHook.*`. */
  hook: number;
  /** Order among hooks (not `INT_MIN`/`INT_MAX`, which are reserved). */
  priority: number;
  /** `NETFILTER_IP_DEFRAG`. */
  flags?: number;
  ctx?: KernelContext;
}

/** Attaches a netfilter program. */
export function attachNetfilter(opts: AttachNetfilterOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  const label = `netfilter pf ${opts.protocolFamily} hook ${opts.hook} priority ${opts.priority}`;
  requireProgramType(opts.program, label, { NETFILTER: ProgramType.NETFILTER });
  const fd = linkCreate(
    ctx,
    {
      progFd: programRawFd(opts.program),
      targetFd: 0,
      attachType: AttachType.NETFILTER,
      extra: (a) => {
        a.u32(LinkCreateAttr.netfilter_pf, opts.protocolFamily);
        a.u32(LinkCreateAttr.netfilter_hooknum, opts.hook);
        a.i32(LinkCreateAttr.netfilter_priority, opts.priority);
        a.u32(LinkCreateAttr.netfilter_flags, opts.flags ?? 0);
      },
    },
    `${label}: ${programLabel(opts.program)}: link create`,
  );
  return new Link({ ctx, kind: 'bpf-link', fd, program: opts.program, label });
}
