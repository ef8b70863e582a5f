/**
 * Network-namespace attach points: `attachSkLookup` (sk_lookup programs, kernel 5.9+) and `attachNetns`
 * for any netns program (flow dissector too), through `BPF_LINK_CREATE` on a namespace descriptor.
 */
import { constants, openSync } from 'node:fs';
import { EbpfError } from '../errors.js';
import { linkCreate } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { FD } from '../syscall/fd.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { Link } from './link.js';
import { type LinkProgram, programLabel, programRawFd, requireProgramType } from './program-ref.js';

/** The calling thread's network namespace. */
export const CURRENT_NETNS = '/proc/self/ns/net';

/** Options of `attachNetns`. */
export interface AttachNetnsOptions {
  program: LinkProgram;
  /** `AttachType.SK_LOOKUP` or `AttachType.FLOW_DISSECTOR`. */
  attach: number;
  /** A netns file (`/var/run/netns/x`, `/proc/<pid>/ns/net`) or descriptor; default: the current one. */
  netns?: string | FD;
  ctx?: KernelContext;
}

/** Attaches a netns program (sk_lookup, flow dissector) to a network namespace. */
export function attachNetns(opts: AttachNetnsOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  const ns = opts.netns ?? CURRENT_NETNS;
  const name = typeof ns === 'string' ? ns : ns.label;
  const label = `netns ${name} attach type ${opts.attach}`;
  let fd: FD;
  if (typeof ns === 'string') {
    try {
      fd = new FD(openSync(ns, constants.O_RDONLY), ctx, `netns ${ns}`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      throw new EbpfError(`netns ${ns}: open: ${code}`, code, { cause: e });
    }
  } else fd = ns.dup(`netns ${name}`);
  try {
    const link = linkCreate(
      ctx,
      { progFd: programRawFd(opts.program), targetFd: fd.raw, attachType: opts.attach },
      `${label}: ${programLabel(opts.program)}: link create`,
    );
    return new Link({ ctx, kind: 'bpf-link', fd: link, program: opts.program, label });
  } finally {
    fd.close();
  }
}

/** Options of `attachSkLookup`. */
export interface AttachSkLookupOptions {
  program: LinkProgram;
  /** Network namespace (path or descriptor); default: the current one. */
  netns?: string | FD;
  ctx?: KernelContext;
}

/** Attaches an sk_lookup program to a network namespace. */
export function attachSkLookup(opts: AttachSkLookupOptions): Link {
  requireProgramType(opts.program, 'attach sk_lookup', { SK_LOOKUP: ProgramType.SK_LOOKUP });
  return attachNetns({ ...opts, attach: AttachType.SK_LOOKUP });
}
