/**
 * `kprobe` / `kretprobe`: runs a KPROBE program when a kernel function is entered / returns. Uses the perf
 * kprobe PMU (4.17+) and falls back to tracefs `kprobe_events`; throws `NotSupportedError('kprobes')` when
 * the kernel has neither. `sys_<name>` symbols get the architecture's syscall wrapper prefix.
 */
import { EbpfError } from '../errors.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { ProgramType } from '../syscall/uapi-enums.js';
import { syscallSymbol } from './kallsyms.js';
import type { Link } from './link.js';
import { attachToPerfEvent } from './perf-event.js';
import { openProbe } from './probe-event.js';
import { type LinkProgram, requireProgramType } from './program-ref.js';

/** Options of `kprobe` / `kretprobe`. */
export interface KprobeOptions {
  /** Offset from the start of the function (kprobe only). */
  offset?: bigint | number;
  /** BPF cookie readable with `bpf_get_attach_cookie()` (kernel 5.15+). */
  cookie?: bigint | number;
  /** kretprobe only: instances to preallocate for concurrent calls (forces the tracefs path). */
  maxActive?: number;
  /** Do not add the syscall wrapper prefix to `sys_*` symbols. */
  noSyscallPrefix?: boolean;
  /** Create the probe through tracefs `kprobe_events` even when the perf kprobe PMU exists. */
  legacy?: boolean;
  ctx?: KernelContext;
}

const SYMBOL = /^[A-Za-z_.][A-Za-z0-9_.$]*$/;

function attachKprobe(symbol: string, program: LinkProgram, retprobe: boolean, opts: KprobeOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  const kind = retprobe ? 'kretprobe' : 'kprobe';
  if (!SYMBOL.test(symbol))
    throw new EbpfError(`${kind}: invalid symbol ${JSON.stringify(symbol)}`, 'EINVAL');
  const offset = BigInt(opts.offset ?? 0);
  if (offset < 0n) throw new EbpfError(`${kind} ${symbol}: negative offset`, 'EINVAL');
  if (retprobe && offset !== 0n)
    throw new EbpfError(`${kind} ${symbol}: offsets apply to kprobes only`, 'EINVAL');
  const label = `${kind} ${symbol}${offset ? `+${offset}` : ''}`;
  requireProgramType(program, label, { KPROBE: ProgramType.KPROBE });
  const target = opts.noSyscallPrefix ? symbol : syscallSymbol(ctx, symbol);
  const probe = openProbe(ctx, {
    kind: 'kprobe',
    retprobe,
    symbol: target,
    offset,
    maxActive: opts.maxActive,
    legacy: opts.legacy,
    label,
  });
  return attachToPerfEvent(ctx, program, probe.fd, { cookie: opts.cookie, release: probe.release, label });
}

/** Runs `program` (type KPROBE) when kernel function `symbol` (plus `offset`) is entered. */
export function kprobe(symbol: string, program: LinkProgram, opts: KprobeOptions = {}): Link {
  return attachKprobe(symbol, program, false, opts);
}

/** Runs `program` (type KPROBE) when kernel function `symbol` returns. */
export function kretprobe(symbol: string, program: LinkProgram, opts: KprobeOptions = {}): Link {
  return attachKprobe(symbol, program, true, opts);
}
