/**
 * Perf events as BPF hooks: `perfEventOpen` opens one from a `perf_event_attr`, `attachPerfEvent` runs a
 * program on it — through a bpf_link (`BPF_LINK_CREATE` with `BPF_PERF_EVENT`, kernel 5.15+, which also
 * carries a BPF cookie) or, on older kernels, `PERF_EVENT_IOC_SET_BPF` + `PERF_EVENT_IOC_ENABLE`.
 * Tracepoints, kprobes and uprobes are perf events underneath and share this path.
 */
import { EbpfError, NotSupportedError, SyscallError } from '../errors.js';
import { Errno, errnoName } from '../internal/errno.js';
import { LinkCreateAttr } from '../syscall/attr-layouts.js';
import { linkCreate } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { FD } from '../syscall/fd.js';
import { AttachType } from '../syscall/uapi-enums.js';
import { Link } from './link.js';
import {
  buildPerfEventAttr,
  type PerfEventAttrInit,
  PerfEventIoctl,
  PerfFlag,
  PerfType,
} from './perf-event-attr.js';
import { type LinkProgram, programLabel, programRawFd } from './program-ref.js';

const { EINVAL, ENOENT, EOPNOTSUPP, EACCES, EPERM } = Errno;

/** Options of `perfEventOpen`: the attr fields plus the target. */
export interface PerfEventOpenOptions extends PerfEventAttrInit {
  /** Process to monitor: -1 (default) for all processes on `cpu`, 0 for this one, or a pid. */
  pid?: number;
  /** CPU to monitor: 0 by default; -1 for any CPU (then `pid` must not be -1). */
  cpu?: number;
  /** Group leader fd, -1 (default) for none. */
  groupFd?: number;
  /** `perf_event_open` flags (`PerfFlag` bits); `FD_CLOEXEC` is always added. */
  openFlags?: number;
  /** Label of the returned FD, for messages and leak reports. */
  label?: string;
  ctx?: KernelContext;
}

function openHint(type: number, errno: number): string | undefined {
  if (errno === EACCES || errno === EPERM)
    return 'needs CAP_PERFMON or CAP_SYS_ADMIN (or a lower /proc/sys/kernel/perf_event_paranoid)';
  if (errno === ENOENT && type === PerfType.HARDWARE) return 'no hardware PMU (virtual machine?)';
  return undefined;
}

/** Opens a perf event (`perf_event_open(2)`) and returns its owned descriptor. */
export function perfEventOpen(opts: PerfEventOpenOptions): FD {
  const ctx = opts.ctx ?? defaultContext();
  const attr = buildPerfEventAttr(opts, ctx.backend);
  const pid = opts.pid ?? -1;
  const cpu = opts.cpu ?? 0;
  const label = opts.label ?? `perf event type ${opts.type} config ${opts.config ?? 0}`;
  if (pid === -1 && cpu === -1)
    throw new EbpfError(`${label}: perf_event_open: pid and cpu cannot both be -1`, 'EINVAL');
  const r = ctx.backend.perfEventOpen(
    attr.bytes,
    pid,
    cpu,
    opts.groupFd ?? -1,
    (opts.openFlags ?? 0) | PerfFlag.FD_CLOEXEC,
  );
  if (r < 0) {
    const errno = -r;
    if ((errno === ENOENT || errno === EOPNOTSUPP) && opts.type === PerfType.HARDWARE)
      throw new NotSupportedError('hardware perf events', undefined, `${label}: ${errnoName(errno)}`);
    throw new SyscallError(`${label}: perf_event_open`, errno, openHint(opts.type, errno));
  }
  return new FD(r, ctx, label);
}

/** Options of `attachPerfEvent`. */
export interface AttachPerfEventOptions {
  /** BPF cookie readable with `bpf_get_attach_cookie()` (needs the bpf_link path, kernel 5.15). */
  cookie?: bigint | number;
  ctx?: KernelContext;
}

/** Internal options of `attachToPerfEvent`. */
export interface PerfEventLinkOptions {
  cookie?: bigint | number | undefined;
  /** Run after the perf fd is closed (tracefs probe removal). */
  release?: Array<() => void>;
  label: string;
}

function ioctlOrThrow(ctx: KernelContext, fd: FD, request: number, arg: number, op: string): void {
  const r = ctx.backend.ioctl(fd.raw, request, arg);
  if (r < 0) throw new SyscallError(op, -r);
}

/**
 * Attaches `program` to the perf event `perfFd`, taking ownership of `perfFd` (and of `release`): on
 * failure both are released before the error is thrown.
 */
export function attachToPerfEvent(
  ctx: KernelContext,
  program: LinkProgram,
  perfFd: FD,
  opts: PerfEventLinkOptions,
): Link {
  const releaseAll = (): void => {
    perfFd.close();
    for (const r of opts.release ?? []) {
      try {
        r();
      } catch {
        // best effort while reporting the original failure
      }
    }
  };
  const cookie = BigInt(opts.cookie ?? 0);
  let linkFd: FD | undefined;
  try {
    const progFd = programRawFd(program);
    if (ctx.cache.get('link:perf-link') !== false) {
      try {
        linkFd = linkCreate(
          ctx,
          {
            progFd,
            targetFd: perfFd.raw,
            attachType: AttachType.PERF_EVENT,
            extra: (a) => a.u64(LinkCreateAttr.perf_event_bpf_cookie, cookie),
          },
          `${opts.label}: ${programLabel(program)}: link create`,
        );
        ctx.cache.set('link:perf-link', true);
      } catch (e) {
        // Before 5.15 the kernel does not know BPF_PERF_EVENT links (EINVAL): fall back to the ioctl.
        if (!(e instanceof SyscallError) || e.errno !== EINVAL || ctx.cache.get('link:perf-link') === true)
          throw e;
        ctx.cache.set('link:perf-link', false);
      }
    }
    if (linkFd === undefined) {
      if (cookie !== 0n) throw new NotSupportedError('bpf cookie on perf events', '5.15', opts.label);
      ioctlOrThrow(ctx, perfFd, PerfEventIoctl.SET_BPF, progFd, `${opts.label}: PERF_EVENT_IOC_SET_BPF`);
    }
    ioctlOrThrow(ctx, perfFd, PerfEventIoctl.ENABLE, 0, `${opts.label}: PERF_EVENT_IOC_ENABLE`);
  } catch (e) {
    linkFd?.close();
    releaseAll();
    throw e;
  }
  if (linkFd !== undefined)
    return new Link({
      ctx,
      kind: 'bpf-link',
      fd: linkFd,
      program,
      release: [() => perfFd.close(), ...(opts.release ?? [])],
      label: opts.label,
    });
  return new Link({
    ctx,
    kind: 'perf-event',
    fd: perfFd,
    program,
    detach: () => {
      if (perfFd.isOpen) ctx.backend.ioctl(perfFd.raw, PerfEventIoctl.DISABLE, 0);
    },
    release: opts.release,
    label: opts.label,
  });
}

/**
 * Runs `program` (a perf_event, kprobe or tracepoint program) on the perf event `perfFd`. The link keeps its
 * own duplicate of `perfFd`; the caller may close theirs.
 */
export function attachPerfEvent(program: LinkProgram, perfFd: FD, opts: AttachPerfEventOptions = {}): Link {
  const ctx = opts.ctx ?? defaultContext();
  return attachToPerfEvent(ctx, program, perfFd.dup(perfFd.label), {
    cookie: opts.cookie,
    label: perfFd.label,
  });
}
