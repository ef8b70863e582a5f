/**
 * Turning a failed `BPF_PROG_LOAD` into the right error: a `VerifierError` when the kernel wrote a log, a
 * `NotSupportedError` when a probe shows the kernel cannot load this kind of program, otherwise a
 * `SyscallError` with a hint. Messages chain as `program "name": load: EACCES: <last verifier lines>`.
 *
 * EPERM without a log for fentry/fexit/fmod_ret/LSM/freplace programs is ambiguous: missing privileges, or
 * a kernel policy (lockdown, an LSM) refusing BPF trampolines. `tracingLoadProbe` tells them apart by
 * loading a TRACING program that needs the same privileges (CAP_BPF + CAP_PERFMON) but no trampoline: if
 * the kernel lets it reach the verifier, the caller is privileged enough and the EPERM is a policy denial,
 * reported as `NotSupportedError` (the feature is unavailable on this kernel as configured).
 */
import { EbpfError, NotSupportedError, SyscallError, VerifierError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { Attr, offHeapCopy } from '../syscall/attr.js';
import { ProgLoadAttr } from '../syscall/attr-layouts.js';
import { allocAttr } from '../syscall/backend.js';
import { decodeLog } from '../syscall/bpf.js';
import type { KernelContext } from '../syscall/context.js';
import { AttachType, BpfCmd, ProgramType } from '../syscall/uapi-enums.js';

/** A trampoline-based kind of program: its feature name and first kernel. */
export interface TrampolineFeature {
  feature: string;
  minKernel: string;
}

/** The feature name of a TRACING/LSM/EXT program kind, or undefined for other programs. */
export function trampolineFeature(
  type: number,
  attachType: number | undefined,
): TrampolineFeature | undefined {
  if (type === ProgramType.LSM) return { feature: 'lsm', minKernel: '5.7' };
  if (type === ProgramType.EXT) return { feature: 'freplace', minKernel: '5.6' };
  if (type !== ProgramType.TRACING) return undefined;
  switch (attachType) {
    case AttachType.TRACE_FENTRY:
      return { feature: 'fentry', minKernel: '5.5' };
    case AttachType.TRACE_FEXIT:
      return { feature: 'fexit', minKernel: '5.5' };
    case AttachType.MODIFY_RETURN:
      return { feature: 'fmod_ret', minKernel: '5.7' };
    case AttachType.TRACE_RAW_TP:
      return { feature: 'tp_btf', minKernel: '5.5' };
    case AttachType.TRACE_ITER:
      return { feature: 'iter', minKernel: '5.8' };
    default:
      return { feature: 'tracing programs', minKernel: '5.5' };
  }
}

/** What loading a TRACING program without a target shows about this kernel and caller. */
export type TracingProbeResult = 'privileged' | 'unprivileged' | 'no-tracing' | `errno:${number}`;

/**
 * Loads `r0 = 0; exit` as a TRACING/raw_tp program with no BTF target (cached on the context). Current
 * kernels refuse it in the verifier ("must provide btf_id", with a log): that proves the caller passed
 * the CAP_BPF/CAP_PERFMON checks and the kernel knows TRACING programs.
 */
export function tracingLoadProbe(ctx: KernelContext): TracingProbeResult {
  return ctx.cached('prog:tracing-load-probe', (): TracingProbeResult => {
    const code = offHeapCopy(new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]));
    const log = allocAttr(4096);
    const a = new Attr(ProgLoadAttr.SIZE, ctx.backend)
      .u32(ProgLoadAttr.prog_type, ProgramType.TRACING)
      .u32(ProgLoadAttr.expected_attach_type, AttachType.TRACE_RAW_TP)
      .u32(ProgLoadAttr.insn_cnt, 2)
      .ptr(ProgLoadAttr.insns, code)
      .cstringPtr(ProgLoadAttr.license, 'GPL')
      .u32(ProgLoadAttr.log_level, 1)
      .u32(ProgLoadAttr.log_size, log.byteLength)
      .ptr(ProgLoadAttr.log_buf, log);
    const r = ctx.backend.bpf(BpfCmd.PROG_LOAD, a.bytes, a.size);
    if (r >= 0) {
      ctx.backend.close(r);
      return 'privileged';
    }
    const text = decodeLog(log);
    if (text !== '') return 'privileged';
    if (-r === Errno.EPERM) return 'unprivileged';
    if (-r === Errno.EINVAL || -r === Errno.E2BIG) return 'no-tracing';
    return `errno:${-r}`;
  });
}

const PRIVILEGE_HINT =
  'needs CAP_BPF with CAP_PERFMON for tracing or CAP_NET_ADMIN for networking programs (or CAP_SYS_ADMIN/root); ' +
  'kernels before 5.11 also need RLIMIT_MEMLOCK raised (removeMemlock from ebpf-ts/rlimit); kernel lockdown or an LSM may forbid it';

/** A failed load as the caller sees it. */
export interface FailedLoad {
  errno: number;
  log: string;
  truncated: boolean;
  type: number;
  attachType: number | undefined;
}

/** The error for a failed load, without the `program "name"` context (the caller adds it). */
export function loadError(ctx: KernelContext, f: FailedLoad): EbpfError {
  if (f.log !== '') return new VerifierError('load', f.errno, f.log, f.truncated);
  if (f.errno === Errno.EPERM) {
    const tramp = trampolineFeature(f.type, f.attachType);
    if (tramp) {
      const probe = tracingLoadProbe(ctx);
      const cause = new SyscallError('load', f.errno);
      if (probe === 'privileged') {
        return new NotSupportedError(
          tramp.feature,
          tramp.minKernel,
          'the kernel refused the load with EPERM and no verifier log although this process may load tracing ' +
            'programs (kernel lockdown or an LSM policy forbids this kind of program here)',
          { cause },
        );
      }
      if (probe === 'no-tracing')
        return new NotSupportedError('tracing programs', '5.5', undefined, { cause });
    }
    return new SyscallError('load', f.errno, PRIVILEGE_HINT);
  }
  if (f.errno === Errno.EINVAL || f.errno === Errno.E2BIG) {
    return new SyscallError(
      'load',
      f.errno,
      'rejected before verification (unknown program type, expected attach type, flag or attribute for this kernel?)',
    );
  }
  return new SyscallError('load', f.errno);
}

/**
 * `e.withContext(context)` that also keeps `cause` (which `withContext` drops, as `cause` is not an
 * enumerable property). Non-ebpf-ts errors are returned unchanged.
 */
export function addContext(e: unknown, context: string): unknown {
  if (!(e instanceof EbpfError)) return e;
  const copy = e.withContext(context);
  if (e.cause !== undefined && copy.cause === undefined) {
    Object.defineProperty(copy, 'cause', { value: e.cause, writable: true, configurable: true });
  }
  return copy;
}
