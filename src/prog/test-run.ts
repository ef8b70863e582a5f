/**
 * `BPF_PROG_TEST_RUN`: runs a loaded program on given packet data and/or context in the kernel. The output
 * buffers default to the input size (+256 bytes of headroom for packet data, which XDP and TC programs may
 * grow); when the kernel says an output did not fit (ENOSPC, reporting the size it needed) the run is
 * repeated once with buffers of that size — so the program runs twice in that case.
 */
import { EbpfError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { Attr, offHeapCopy } from '../syscall/attr.js';
import { ProgTestRunAttr as T } from '../syscall/attr-layouts.js';
import { allocAttr, type SyscallBackend } from '../syscall/backend.js';
import { BpfCmd, ProgramType } from '../syscall/uapi-enums.js';
import type { BpfSteps } from './bpf-steps.js';

/** Input of a test run. */
export interface TestRunOptions {
  /** Packet data (`data_in`). */
  data?: Uint8Array;
  /** Context (`ctx_in`): `struct __sk_buff`, `xdp_md`, or the argument struct of a syscall program. */
  context?: Uint8Array;
  /** How many times to run (the duration is averaged); 0 or unset runs once. */
  repeat?: number;
  /** Size of the output data buffer (default: data length + 256). 0 means no data output. */
  dataOutSize?: number;
  /**
   * Size of the output context buffer (default: the context length for skb, XDP and sk_lookup programs,
   * else 0). Syscall programs write the context back in place; it is returned without `ctx_out`.
   */
  contextOutSize?: number;
  /** `BPF_F_TEST_*` flags (e.g. BPF_F_TEST_RUN_ON_CPU = 1, BPF_F_TEST_XDP_LIVE_FRAMES = 2). */
  flags?: number;
  /** CPU to run on, with BPF_F_TEST_RUN_ON_CPU. */
  cpu?: number;
  /** Batch size for XDP live frames. */
  batchSize?: number;
}

/** Result of a test run. */
export interface TestRunResult {
  /** The program's return value (`XDP_PASS`, `TC_ACT_OK`, a syscall program's r0...). */
  retval: number;
  /** Average run time in nanoseconds. */
  duration: number;
  /** Packet data after the run (only when data output was requested). */
  data?: Uint8Array;
  /** Context after the run (only when context output was requested). */
  context?: Uint8Array;
}

/** Program types whose test run copies the context out through `ctx_out` (others refuse a ctx_out). */
const CONTEXT_OUT_TYPES: ReadonlySet<number> = new Set([
  ProgramType.SOCKET_FILTER,
  ProgramType.SCHED_CLS,
  ProgramType.SCHED_ACT,
  ProgramType.XDP,
  ProgramType.CGROUP_SKB,
  ProgramType.LWT_IN,
  ProgramType.LWT_OUT,
  ProgramType.LWT_XMIT,
  ProgramType.LWT_SEG6LOCAL,
  ProgramType.SK_LOOKUP,
]);

/** Headroom added to the default data output buffer. */
export const TEST_RUN_DATA_HEADROOM = 256;
/** Largest output buffer we agree to allocate when the kernel asks for more. */
const MAX_OUTPUT = 1 << 30;
/** Runs made at most (the first plus one retry with the sizes the kernel reported). */
const MAX_RUNS = 3;

function checkCount(what: string, v: number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new EbpfError(`${what} must be a u32, not ${v}`, 'EINVAL');
  return v;
}

/** Outcome of the steps: the result, or the errno of the last run. */
export type TestRunOutcome = { ok: true; result: TestRunResult } | { ok: false; errno: number };

/** The test-run retry loop for program `progFd`. */
export function* testRunSteps(
  backend: SyscallBackend,
  progFd: number,
  programType: number,
  opts: TestRunOptions,
): BpfSteps<TestRunOutcome> {
  const repeat = checkCount('repeat', opts.repeat) ?? 0;
  const flags = checkCount('flags', opts.flags) ?? 0;
  const cpu = checkCount('cpu', opts.cpu) ?? 0;
  const batch = checkCount('batchSize', opts.batchSize) ?? 0;
  let dataOut =
    checkCount('dataOutSize', opts.dataOutSize) ??
    (opts.data ? opts.data.byteLength + TEST_RUN_DATA_HEADROOM : 0);
  const ctxOutDefault = CONTEXT_OUT_TYPES.has(programType) ? (opts.context?.byteLength ?? 0) : 0;
  let ctxOut = checkCount('contextOutSize', opts.contextOutSize) ?? ctxOutDefault;
  const dataIn = opts.data && opts.data.byteLength > 0 ? offHeapCopy(opts.data) : undefined;
  const ctxIn = opts.context && opts.context.byteLength > 0 ? offHeapCopy(opts.context) : undefined;

  for (let run = 1; ; run++) {
    const dataBuf = dataOut > 0 ? allocAttr(dataOut) : undefined;
    const ctxBuf = ctxOut > 0 ? allocAttr(ctxOut) : undefined;
    const a = new Attr(T.SIZE, backend)
      .u32(T.prog_fd, progFd)
      .u32(T.data_size_in, dataIn?.byteLength ?? 0)
      .ptr(T.data_in, dataIn)
      .u32(T.data_size_out, dataOut)
      .ptr(T.data_out, dataBuf)
      .u32(T.ctx_size_in, ctxIn?.byteLength ?? 0)
      .ptr(T.ctx_in, ctxIn)
      .u32(T.ctx_size_out, ctxOut)
      .ptr(T.ctx_out, ctxBuf)
      .u32(T.repeat, repeat)
      .u32(T.flags, flags)
      .u32(T.cpu, cpu)
      .u32(T.batch_size, batch);
    const r = yield { cmd: BpfCmd.PROG_TEST_RUN, attr: a };
    const gotData = a.getU32(T.data_size_out);
    const gotCtx = a.getU32(T.ctx_size_out);
    if (r === -Errno.ENOSPC && run < MAX_RUNS) {
      const grow = (have: number, need: number) => (need > have && need <= MAX_OUTPUT ? need : have);
      const nextData = dataBuf ? grow(dataOut, gotData) : dataOut;
      const nextCtx = ctxBuf ? grow(ctxOut, gotCtx) : ctxOut;
      if (nextData !== dataOut || nextCtx !== ctxOut) {
        dataOut = nextData;
        ctxOut = nextCtx;
        continue;
      }
    }
    if (r < 0) return { ok: false, errno: -r };
    const result: TestRunResult = { retval: a.getU32(T.retval), duration: a.getU32(T.duration) };
    if (dataBuf) result.data = dataBuf.slice(0, Math.min(gotData, dataOut));
    if (ctxBuf) result.context = ctxBuf.slice(0, Math.min(gotCtx, ctxOut));
    else if (programType === ProgramType.SYSCALL && ctxIn) result.context = ctxIn.slice();
    return { ok: true, result };
  }
}
