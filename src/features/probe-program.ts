/**
 * Loading the small programs that program-type, helper and attach-type probes are made of. The kernel
 * rejects an unknown program type (or attach type) with EINVAL *before* the verifier starts, so a load
 * that fails with a verifier log still proves the kernel knows the type. Probes therefore always ask
 * for a log (a small buffer) and look at it.
 */
import { exit as exitInsn, type Instruction, mov64Imm, R0 } from '../asm/index.js';
import {
  EbpfError,
  isNotSupportedError,
  isSyscallError,
  isVerifierError,
  type NotSupportedError,
} from '../errors.js';
import { Errno } from '../internal/errno.js';
import { Program, ProgramSpec } from '../prog/index.js';
import type { KernelContext } from '../syscall/context.js';
import { AttachType, ProgramFlags, ProgramType } from '../syscall/uapi-enums.js';
import { findKernelBtfId, type ProbeTargetKind } from './kernel-btf-ids.js';

/** How a probe program is loaded. */
export interface ProbeLoad {
  type: number;
  attachType?: number | undefined;
  flags?: number | undefined;
  attachBtfId?: number | undefined;
}

/** What a probe load came to. */
export type ProbeLoadResult =
  | { kind: 'loaded' }
  | { kind: 'verifier'; errno: number; log: string }
  | { kind: 'rejected'; errno: number }
  | { kind: 'not-supported'; error: NotSupportedError };

/** `r0 = 0; exit`. */
export function returnZero(): Instruction[] {
  return [mov64Imm(R0, 0), exitInsn()];
}

/**
 * Loads `insns` as described, closing the program at once. Errors that say nothing about support
 * (EPERM without privileges, ENOMEM...) are thrown.
 */
export function probeLoad(
  ctx: KernelContext,
  p: ProbeLoad,
  insns: Instruction[],
  name = 'probe',
): ProbeLoadResult {
  const spec = new ProgramSpec({
    name,
    type: p.type as ProgramSpec['type'],
    attachType: p.attachType as ProgramSpec['attachType'],
    flags: p.flags,
    attachBtfId: p.attachBtfId,
    instructions: insns,
    license: 'GPL',
  });
  try {
    Program.load(spec, { ctx, logLevel: 1, logSize: 4096 }).close();
    return { kind: 'loaded' };
  } catch (e) {
    if (isVerifierError(e)) return { kind: 'verifier', errno: e.errno, log: e.log };
    if (isNotSupportedError(e)) return { kind: 'not-supported', error: e };
    if (isSyscallError(e) && (e.errno === Errno.EINVAL || e.errno === Errno.E2BIG)) {
      return { kind: 'rejected', errno: e.errno };
    }
    throw e;
  }
}

/** A probe attach target looked up in kernel BTF. */
interface BtfTarget {
  kind: ProbeTargetKind;
  names: readonly string[];
}

const FENTRY_TARGETS: BtfTarget = { kind: 'func', names: ['bpf_fentry_test1', 'do_nanosleep', 'vfs_read'] };
const FMOD_RET_TARGETS: BtfTarget = { kind: 'func', names: ['bpf_modify_return_test', 'security_file_open'] };
const LSM_TARGETS: BtfTarget = { kind: 'func', names: ['bpf_lsm_file_open', 'bpf_lsm_bpf'] };
const TP_BTF_TARGETS: BtfTarget = {
  kind: 'typedef',
  names: ['btf_trace_sched_switch', 'btf_trace_sys_enter'],
};
const ITER_TARGETS: BtfTarget = { kind: 'func', names: ['bpf_iter_task', 'bpf_iter_bpf_map'] };

/** The BTF target a real (verifiable) probe of this program/attach type needs, if any. */
export function btfTargetOf(type: number, attachType: number | undefined): BtfTarget | undefined {
  if (type === ProgramType.LSM) return LSM_TARGETS;
  if (type !== ProgramType.TRACING) return undefined;
  switch (attachType) {
    case AttachType.TRACE_FENTRY:
    case AttachType.TRACE_FEXIT:
      return FENTRY_TARGETS;
    case AttachType.MODIFY_RETURN:
      return FMOD_RET_TARGETS;
    case AttachType.TRACE_ITER:
      return ITER_TARGETS;
    default:
      return TP_BTF_TARGETS;
  }
}

/** The BTF id of a probe target, or undefined when kernel BTF lacks all candidates. */
export function resolveBtfTarget(ctx: KernelContext, target: BtfTarget): number | undefined {
  return findKernelBtfId(ctx, target.kind, target.names)?.id;
}

/** The probe load settings of a program type without a BTF target: its usual expected attach type. */
export function defaultProbeLoad(type: number): ProbeLoad {
  switch (type) {
    case ProgramType.CGROUP_SOCK:
      return { type, attachType: AttachType.CGROUP_INET_SOCK_CREATE };
    case ProgramType.CGROUP_SOCK_ADDR:
      return { type, attachType: AttachType.CGROUP_INET4_CONNECT };
    case ProgramType.CGROUP_SOCKOPT:
      return { type, attachType: AttachType.CGROUP_GETSOCKOPT };
    case ProgramType.SK_LOOKUP:
      return { type, attachType: AttachType.SK_LOOKUP };
    case ProgramType.SK_REUSEPORT:
      return { type, attachType: AttachType.SK_REUSEPORT_SELECT };
    case ProgramType.NETFILTER:
      return { type, attachType: AttachType.NETFILTER };
    case ProgramType.TRACING:
      return { type, attachType: AttachType.TRACE_RAW_TP };
    case ProgramType.LSM:
      return { type, attachType: AttachType.LSM_MAC };
    case ProgramType.SYSCALL:
      return { type, flags: ProgramFlags.SLEEPABLE };
    default:
      return { type };
  }
}

/** An `EbpfError` for a probe this library cannot run for a program type. */
export function unprobeable(what: string): EbpfError {
  return new EbpfError(`${what}: cannot be probed (needs a target program or struct_ops type)`, 'EINVAL');
}
