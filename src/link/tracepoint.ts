/**
 * `tracepoint(group, name, program)`: attaches a tracepoint (or kprobe) program to a kernel tracepoint such
 * as `syscalls/sys_enter_openat`, via its tracefs id and a `PERF_TYPE_TRACEPOINT` perf event.
 */
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { ProgramType } from '../syscall/uapi-enums.js';
import type { Link } from './link.js';
import { attachToPerfEvent, perfEventOpen } from './perf-event.js';
import { PerfType } from './perf-event-attr.js';
import { type LinkProgram, requireProgramType } from './program-ref.js';
import { tracepointId } from './tracefs.js';

/** Options of `tracepoint`. */
export interface TracepointOptions {
  /** BPF cookie readable with `bpf_get_attach_cookie()` (kernel 5.15+). */
  cookie?: bigint | number;
  ctx?: KernelContext;
}

/** Attaches `program` (type TRACEPOINT, or KPROBE / PERF_EVENT) to tracepoint `group/name`. */
export function tracepoint(
  group: string,
  name: string,
  program: LinkProgram,
  opts: TracepointOptions = {},
): Link {
  const ctx = opts.ctx ?? defaultContext();
  const label = `tracepoint ${group}/${name}`;
  requireProgramType(program, label, {
    TRACEPOINT: ProgramType.TRACEPOINT,
    KPROBE: ProgramType.KPROBE,
    PERF_EVENT: ProgramType.PERF_EVENT,
  });
  const id = tracepointId(group, name);
  const fd = perfEventOpen({ type: PerfType.TRACEPOINT, config: id, pid: -1, cpu: 0, ctx, label });
  return attachToPerfEvent(ctx, program, fd, { cookie: opts.cookie, label });
}
