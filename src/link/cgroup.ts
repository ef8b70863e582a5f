/**
 * `attachCgroup`: attaches a cgroup program (cgroup_skb, cgroup_sock, cgroup_sock_addr, sock_ops, device,
 * sysctl, sockopt, lsm_cgroup) to a cgroup v2 directory through a bpf_link (kernel 5.7+), falling back to
 * `BPF_PROG_ATTACH` with `BPF_F_ALLOW_MULTI` on older kernels (closing the link then runs PROG_DETACH).
 */
import { constants, openSync } from 'node:fs';
import { EbpfError, SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { linkCreate, progAttach, progDetach } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { FD } from '../syscall/fd.js';
import { Link } from './link.js';
import { type LinkProgram, programLabel, programRawFd } from './program-ref.js';

const { EINVAL } = Errno;

/** Legacy attach flags (`BPF_F_ALLOW_OVERRIDE`, `BPF_F_ALLOW_MULTI`, `BPF_F_REPLACE`). */
export const CgroupAttachFlags = {
  ALLOW_OVERRIDE: 1 << 0,
  ALLOW_MULTI: 1 << 1,
  REPLACE: 1 << 2,
} as const;

/** Options of `attachCgroup`. */
export interface AttachCgroupOptions {
  /** A cgroup v2 directory (`/sys/fs/cgroup/my.slice`), or an open descriptor of one. */
  path: string | FD;
  /** `AttachType.CGROUP_*` (e.g. `CGROUP_INET_EGRESS`, `CGROUP_SOCK_OPS`). */
  attach: number;
  program: LinkProgram;
  /** Flags for the legacy PROG_ATTACH fallback (default `ALLOW_MULTI`). */
  legacyFlags?: number;
  /** Use PROG_ATTACH even when bpf_links are available. */
  forceLegacy?: boolean;
  ctx?: KernelContext;
}

/** Opens a cgroup directory read-only. */
export function openCgroup(path: string, ctx: KernelContext): FD {
  try {
    return new FD(openSync(path, constants.O_RDONLY | constants.O_DIRECTORY), ctx, `cgroup ${path}`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new EbpfError(`cgroup ${path}: open: ${code}`, code, { cause: e });
  }
}

/** Attaches a cgroup program to a cgroup. */
export function attachCgroup(opts: AttachCgroupOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  const name = typeof opts.path === 'string' ? opts.path : opts.path.label;
  const label = `cgroup ${name} attach type ${opts.attach}`;
  const cgroup = typeof opts.path === 'string' ? openCgroup(opts.path, ctx) : opts.path.dup(`cgroup ${name}`);
  try {
    const progFd = programRawFd(opts.program);
    let linkError: unknown;
    if (!opts.forceLegacy) {
      try {
        const fd = linkCreate(
          ctx,
          { progFd, targetFd: cgroup.raw, attachType: opts.attach },
          `${label}: ${programLabel(opts.program)}: link create`,
        );
        cgroup.close();
        return new Link({ ctx, kind: 'bpf-link', fd, program: opts.program, label });
      } catch (e) {
        // Kernels before 5.7 have no cgroup bpf_links and answer EINVAL: use PROG_ATTACH instead.
        if (!(e instanceof SyscallError) || e.errno !== EINVAL) throw e;
        linkError = e;
      }
    }
    const flags = opts.legacyFlags ?? CgroupAttachFlags.ALLOW_MULTI;
    try {
      progAttach(ctx, { targetFd: cgroup.raw, progFd, attachType: opts.attach, flags });
    } catch (e) {
      throw (
        linkError ?? (e instanceof EbpfError ? e.withContext(`${label}: ${programLabel(opts.program)}`) : e)
      );
    }
    const held = opts.program.fd.dup('cgroup program');
    return new Link({
      ctx,
      kind: 'prog-attach',
      program: opts.program,
      detach: () => progDetach(ctx, { targetFd: cgroup.raw, progFd: held.raw, attachType: opts.attach }),
      release: [() => held.close(), () => cgroup.close()],
      label,
    });
  } catch (e) {
    cgroup.close();
    throw e;
  }
}
