/**
 * Raw tracepoints and BTF-based tracing: `rawTracepoint` (raw_tp, `BPF_RAW_TRACEPOINT_OPEN` with a name),
 * `attachTracing` (fentry, fexit, fmod_ret, tp_btf, freplace: `BPF_LINK_CREATE` with the program's attach
 * type, or `BPF_RAW_TRACEPOINT_OPEN` without a name on kernels before link support) and `attachLSM`.
 */

import { EbpfError, NotSupportedError, SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { LinkCreateAttr } from '../syscall/attr-layouts.js';
import { linkCreate, rawTracepointOpen } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { Link } from './link.js';
import { type LinkProgram, programLabel, programRawFd, requireProgramType } from './program-ref.js';

const { EINVAL } = Errno;

/** Options of `rawTracepoint`. */
export interface RawTracepointOptions {
  /** The raw tracepoint (`sched_switch`, `sys_enter`). */
  name: string;
  program: LinkProgram;
  /** BPF cookie (kernel 6.10+). */
  cookie?: bigint | number;
  ctx?: KernelContext;
}

/** Attaches a raw_tp (or writable raw_tp) program to raw tracepoint `name`. */
export function rawTracepoint(opts: RawTracepointOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  const label = `raw tracepoint ${opts.name}`;
  requireProgramType(opts.program, label, {
    RAW_TRACEPOINT: ProgramType.RAW_TRACEPOINT,
    RAW_TRACEPOINT_WRITABLE: ProgramType.RAW_TRACEPOINT_WRITABLE,
  });
  let fd: FD;
  try {
    fd = rawTracepointOpen(ctx, programRawFd(opts.program), opts.name, BigInt(opts.cookie ?? 0));
  } catch (e) {
    throw e instanceof EbpfError ? e.withContext(`${label}: ${programLabel(opts.program)}`) : e;
  }
  return new Link({ ctx, kind: 'bpf-link', fd, program: opts.program, label });
}

/** Options of `attachTracing`. */
export interface AttachTracingOptions {
  /** A TRACING (fentry, fexit, fmod_ret, tp_btf, iter excluded), EXT (freplace) or LSM program. */
  program: LinkProgram;
  /** Attach type; defaults to the program's `attachType`. */
  attachType?: number;
  /** BPF cookie (fentry/fexit 6.5+, tp_btf 6.10+). */
  cookie?: bigint | number;
  /** Attach to this BPF program instead of the load-time target (freplace, fentry on BPF programs). */
  targetProgram?: LinkProgram;
  /** BTF id of the function inside `targetProgram`. */
  targetBtfId?: number;
  ctx?: KernelContext;
}

const ATTACH_NAMES: Record<number, string> = {
  [AttachType.TRACE_FENTRY]: 'fentry',
  [AttachType.TRACE_FEXIT]: 'fexit',
  [AttachType.MODIFY_RETURN]: 'fmod_ret',
  [AttachType.TRACE_RAW_TP]: 'tp_btf',
  [AttachType.LSM_MAC]: 'lsm',
};

function tracingLink(
  ctx: KernelContext,
  opts: AttachTracingOptions,
  attachType: number,
  label: string,
): Link {
  const cookie = BigInt(opts.cookie ?? 0);
  const progFd = programRawFd(opts.program);
  const target = opts.targetProgram === undefined ? 0 : programRawFd(opts.targetProgram);
  let fd: FD;
  try {
    fd = linkCreate(
      ctx,
      {
        progFd,
        targetFd: target,
        attachType,
        extra: (a) => {
          a.u32(LinkCreateAttr.tracing_target_btf_id, opts.targetBtfId ?? 0);
          a.u64(LinkCreateAttr.tracing_cookie, cookie);
        },
      },
      `${label}: ${programLabel(opts.program)}: link create`,
    );
  } catch (e) {
    // Kernels before bpf_link support for tracing programs reject LINK_CREATE with EINVAL; the raw
    // tracepoint open with a NULL name attaches the program to its load-time target instead.
    if (!(e instanceof SyscallError) || e.errno !== EINVAL || target !== 0 || opts.targetBtfId) throw e;
    if (cookie !== 0n) throw new NotSupportedError(`bpf cookie on ${label}`, '6.5', undefined, { cause: e });
    try {
      fd = rawTracepointOpen(ctx, progFd, null);
    } catch {
      throw e;
    }
  }
  return new Link({ ctx, kind: 'bpf-link', fd, program: opts.program, label });
}

/** Attaches a fentry / fexit / fmod_ret / tp_btf / freplace program to the target it was loaded for. */
export function attachTracing(opts: AttachTracingOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  requireProgramType(opts.program, 'attach tracing', {
    TRACING: ProgramType.TRACING,
    EXT: ProgramType.EXT,
    LSM: ProgramType.LSM,
  });
  const attachType = opts.attachType ?? opts.program.attachType ?? 0;
  if (opts.program.type === ProgramType.TRACING && !(attachType in ATTACH_NAMES))
    throw new EbpfError(
      `attach tracing: ${programLabel(opts.program)}: attach type ${attachType} is not fentry, fexit, fmod_ret or tp_btf (iterators use attachIter)`,
      'EINVAL',
    );
  const kind = opts.program.type === ProgramType.EXT ? 'freplace' : (ATTACH_NAMES[attachType] ?? 'tracing');
  return tracingLink(ctx, opts, attachType, kind);
}

/** Options of `attachLSM`. */
export interface AttachLsmOptions {
  program: LinkProgram;
  cookie?: bigint | number;
  ctx?: KernelContext;
}

/** Attaches an LSM program to the security hook it was loaded for. */
export function attachLSM(opts: AttachLsmOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  requireProgramType(opts.program, 'attach lsm', { LSM: ProgramType.LSM });
  return tracingLink(ctx, { ...opts, attachType: AttachType.LSM_MAC }, AttachType.LSM_MAC, 'lsm');
}
