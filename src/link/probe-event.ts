/**
 * Opening kprobe / uprobe perf events: through the perf PMU (`kprobe`/`uprobe` in sysfs, kernel 4.17+) when
 * present, else by creating a tracefs probe event and opening it as a tracepoint. The caller attaches a
 * program with `attachToPerfEvent` and gets the cleanup steps to run when the link closes.
 */

import { EbpfError, NotSupportedError, SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { perfEventOpen } from './perf-event.js';
import type { PerfEventAttrInit } from './perf-event-attr.js';
import { PerfType } from './perf-event-attr.js';
import { type PmuFormatField, pmuFieldValue, pmuFormat, pmuType } from './pmu.js';
import { createProbeEvent, findTracefs, haveProbeEvents } from './tracefs.js';

const { ENOENT, EINVAL } = Errno;

/** A kprobe or uprobe to open. */
export interface ProbeTarget {
  kind: 'kprobe' | 'uprobe';
  retprobe: boolean;
  /** kprobe: the kernel symbol (absent with `address`). uprobe: unused (see `path`). */
  symbol?: string | undefined;
  /** kprobe: absolute kernel address to probe instead of a symbol. */
  address?: bigint | undefined;
  /** uprobe: the file to probe. */
  path?: string | undefined;
  /** kprobe: offset from the symbol; uprobe: file offset of the probe. */
  offset: bigint;
  /** uprobe: only in this process (default: all). */
  pid?: number | undefined;
  /** uprobe: file offset of the USDT semaphore to increment while attached. */
  refCtrOffset?: bigint | undefined;
  /** kretprobe (tracefs only): instances to preallocate. */
  maxActive?: number | undefined;
  /** Create the probe through tracefs even when the PMU exists (libbpf's legacy attach mode). */
  legacy?: boolean | undefined;
  /** For messages: `kprobe do_sys_open`, `uprobe /usr/lib/libc.so.6:getpid`. */
  label: string;
}

/** An opened probe perf event and what to run after closing it. */
export interface OpenedProbe {
  fd: FD;
  release: Array<() => void>;
  /** `pmu` or `tracefs`. */
  via: 'pmu' | 'tracefs';
}

/** Which mechanisms the kernel offers for `kind` probes. */
export function probeSupport(kind: 'kprobe' | 'uprobe'): { pmu: boolean; tracefs: boolean } {
  return { pmu: pmuType(kind) !== undefined, tracefs: haveProbeEvents(kind) };
}

function wordInit(field: PmuFormatField, value: bigint): Partial<PerfEventAttrInit> {
  return { [field.word]: value } as Partial<PerfEventAttrInit>;
}

function openViaPmu(ctx: KernelContext, type: number, t: ProbeTarget): FD {
  let config = 0n;
  const extra: Partial<PerfEventAttrInit> = {};
  if (t.retprobe) {
    const f = pmuFormat(t.kind, 'retprobe') ?? { word: 'config', shift: 0, width: 1 };
    if (f.word !== 'config') Object.assign(extra, wordInit(f, pmuFieldValue(f, 1, 'retprobe')));
    else config |= pmuFieldValue(f, 1, 'retprobe');
  }
  if (t.refCtrOffset !== undefined && t.refCtrOffset !== 0n) {
    const f = pmuFormat(t.kind, 'ref_ctr_offset');
    if (f === undefined || f.word !== 'config')
      throw new NotSupportedError('uprobe reference counter (ref_ctr_offset)', '4.20', t.label);
    config |= pmuFieldValue(f, t.refCtrOffset, 'ref_ctr_offset');
  }
  const init: PerfEventAttrInit & { pid: number; cpu: number } = {
    type,
    config,
    ...extra,
    config2: t.address ?? t.offset,
    pid: t.pid ?? -1,
    cpu: t.pid === undefined || t.pid === -1 ? 0 : -1,
  };
  if (t.kind === 'uprobe') init.config1String = t.path ?? '';
  else if (t.address === undefined) init.config1String = t.symbol ?? '';
  try {
    return perfEventOpen({ ...init, ctx, label: t.label });
  } catch (e) {
    if (e instanceof SyscallError && (e.errno === ENOENT || e.errno === EINVAL)) {
      const what = t.kind === 'kprobe' ? 'symbol not found or not probeable' : 'file or offset not probeable';
      throw new EbpfError(`${t.label}: ${what} (${e.code})`, e.code, { cause: e });
    }
    throw e;
  }
}

function tracefsLocation(t: ProbeTarget): string {
  if (t.kind === 'kprobe') {
    if (t.address !== undefined) return `0x${t.address.toString(16)}`;
    return t.offset === 0n ? (t.symbol ?? '') : `${t.symbol ?? ''}+${t.offset}`;
  }
  const path = t.path ?? '';
  if (/\s/.test(path)) throw new EbpfError(`${t.label}: tracefs cannot probe a path with spaces`, 'EINVAL');
  const ref = t.refCtrOffset ? `(0x${t.refCtrOffset.toString(16)})` : '';
  return `${path}:0x${t.offset.toString(16)}${ref}`;
}

/**
 * Opens the perf event for a probe: PMU first, tracefs probe events otherwise. Throws
 * `NotSupportedError(<kind>s)` when the kernel offers neither.
 */
export function openProbe(ctx: KernelContext, t: ProbeTarget): OpenedProbe {
  if (t.maxActive !== undefined && !(t.kind === 'kprobe' && t.retprobe))
    throw new EbpfError(`${t.label}: maxActive applies to kretprobes only`, 'EINVAL');
  const type = t.maxActive === undefined && !t.legacy ? pmuType(t.kind) : undefined;
  if (type !== undefined) return { fd: openViaPmu(ctx, type, t), release: [], via: 'pmu' };
  const tracefs = findTracefs();
  if (tracefs === undefined || !haveProbeEvents(t.kind, tracefs)) {
    if (t.maxActive !== undefined && pmuType(t.kind) !== undefined)
      throw new NotSupportedError(
        'kretprobe maxActive',
        undefined,
        `${t.label}: needs tracefs kprobe_events`,
      );
    throw new NotSupportedError(
      `${t.kind}s`,
      undefined,
      `${t.label}: the kernel has neither the perf ${t.kind} PMU nor tracefs ${t.kind}_events`,
    );
  }
  const event = createProbeEvent(
    {
      kind: t.kind,
      retprobe: t.retprobe,
      location: tracefsLocation(t),
      symbol: t.symbol ?? t.path?.split('/').pop() ?? t.kind,
      maxActive: t.maxActive,
    },
    tracefs,
  );
  try {
    const fd = perfEventOpen({
      type: PerfType.TRACEPOINT,
      config: event.id,
      pid: t.pid ?? -1,
      cpu: t.pid === undefined || t.pid === -1 ? 0 : -1,
      ctx,
      label: t.label,
    });
    return { fd, release: [() => event.remove()], via: 'tracefs' };
  } catch (e) {
    event.remove();
    throw e;
  }
}
