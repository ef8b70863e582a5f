/**
 * tracefs helpers: finding the mount, reading tracepoint ids (`events/<group>/<name>/id`) and creating /
 * removing dynamic kprobe and uprobe events through `kprobe_events` / `uprobe_events` (the fallback when
 * the kernel has no perf kprobe/uprobe PMU).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EbpfError, NotSupportedError } from '../errors.js';

/** Where tracefs is usually mounted, most preferred first. */
export const TRACEFS_CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'] as const;

/** The tracefs mount, or undefined when none is mounted (or readable). */
export function findTracefs(candidates: readonly string[] = TRACEFS_CANDIDATES): string | undefined {
  return candidates.find((dir) => existsSync(join(dir, 'events')));
}

/** The tracefs mount, or an error saying how to mount it. */
export function requireTracefs(what: string): string {
  const dir = findTracefs();
  if (dir === undefined)
    throw new EbpfError(
      `${what}: tracefs is not mounted (mount -t tracefs tracefs /sys/kernel/tracing)`,
      'ENOENT',
    );
  return dir;
}

const EVENT_PART = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** Checks that a tracepoint group or name is a plain path component (no `/`, no `..`). */
export function validateEventPart(kind: string, value: string): void {
  if (!EVENT_PART.test(value) || value.includes('..'))
    throw new EbpfError(`invalid tracepoint ${kind} ${JSON.stringify(value)}`, 'EINVAL');
}

/** The id of tracepoint `group/name`, from `events/<group>/<name>/id`. */
export function tracepointId(group: string, name: string, tracefs?: string): number {
  validateEventPart('group', group);
  validateEventPart('name', name);
  const root = tracefs ?? requireTracefs(`tracepoint ${group}/${name}`);
  const path = join(root, 'events', group, name, 'id');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT')
      throw new EbpfError(`tracepoint ${group}/${name}: not found (no ${path})`, 'ENOENT', { cause: e });
    throw new EbpfError(`tracepoint ${group}/${name}: read ${path}: ${code}`, code, { cause: e });
  }
  const id = Number(text.trim());
  if (!Number.isInteger(id) || id < 0)
    throw new EbpfError(`tracepoint ${group}/${name}: bad id ${JSON.stringify(text.trim())}`, 'EINVAL');
  return id;
}

/** Group of the probe events ebpf-ts creates in tracefs. */
export const PROBE_EVENT_GROUP = 'ebpfts';
/** Longest event name tracefs accepts (`MAX_EVENT_NAME_LEN` - 1). */
const MAX_EVENT_NAME = 63;

/** A name for a new probe event: `ebpfts_<pid>_<symbol>_<random>`, sanitised and short enough. */
export function probeEventName(symbol: string, random: string = randomBytes(4).toString('hex')): string {
  const clean = symbol.replace(/[^A-Za-z0-9_]/g, '_');
  const head = `ebpfts_${process.pid}_`;
  const tail = `_${random}`;
  return `${head}${clean.slice(0, Math.max(0, MAX_EVENT_NAME - head.length - tail.length))}${tail}`;
}

/** A dynamic probe created in tracefs; `remove()` deletes it (idempotent). */
export interface ProbeEvent {
  readonly group: string;
  readonly event: string;
  /** The tracepoint id of the event, for `perf_event_open` with `PERF_TYPE_TRACEPOINT`. */
  readonly id: number;
  remove(): void;
}

/** What to probe through tracefs. */
export interface ProbeEventSpec {
  kind: 'kprobe' | 'uprobe';
  retprobe: boolean;
  /** kprobe: `symbol+offset` or an address; uprobe: `path:0xoffset[(0xrefctr)]`. */
  location: string;
  /** Used in the event name. */
  symbol: string;
  /** kretprobe only: instances to preallocate (`r<N>:`). */
  maxActive?: number | undefined;
}

function eventsFile(root: string, kind: 'kprobe' | 'uprobe'): string {
  return join(root, kind === 'kprobe' ? 'kprobe_events' : 'uprobe_events');
}

/** True when tracefs offers `kprobe_events` (or `uprobe_events`). */
export function haveProbeEvents(kind: 'kprobe' | 'uprobe', tracefs = findTracefs()): boolean {
  return tracefs !== undefined && existsSync(eventsFile(tracefs, kind));
}

/** The line written to `kprobe_events`/`uprobe_events` to create an event. */
export function probeEventLine(spec: ProbeEventSpec, group: string, event: string): string {
  let type = spec.retprobe ? 'r' : 'p';
  if (spec.maxActive !== undefined) {
    if (!spec.retprobe || spec.kind !== 'kprobe')
      throw new EbpfError('maxActive applies to kretprobes only', 'EINVAL');
    type += String(spec.maxActive);
  }
  return `${type}:${group}/${event} ${spec.location}`;
}

function writeEvents(file: string, line: string): void {
  writeFileSync(file, `${line}\n`, { flag: 'a' });
}

/**
 * Creates a probe event through tracefs and returns it with its id. Retries with another name on `EEXIST`.
 * Throws `NotSupportedError` when tracefs has no events file for the kind.
 */
export function createProbeEvent(spec: ProbeEventSpec, tracefs = findTracefs()): ProbeEvent {
  if (tracefs === undefined || !haveProbeEvents(spec.kind, tracefs))
    throw new NotSupportedError(`${spec.kind}s`, undefined, `no tracefs ${spec.kind}_events`);
  const file = eventsFile(tracefs, spec.kind);
  for (let attempt = 0; ; attempt++) {
    const event = probeEventName(spec.symbol);
    const line = probeEventLine(spec, PROBE_EVENT_GROUP, event);
    try {
      writeEvents(file, line);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'EEXIST' && attempt < 3) continue;
      const hint =
        code === 'ENOENT' || code === 'EINVAL'
          ? `: ${spec.kind === 'kprobe' ? 'symbol not found or not probeable' : 'bad path or offset'}`
          : '';
      throw new EbpfError(`${spec.kind} ${spec.location}: write ${file}: ${code}${hint}`, code, { cause: e });
    }
    let removed = false;
    const remove = (): void => {
      if (removed) return;
      removed = true;
      try {
        writeEvents(file, `-:${PROBE_EVENT_GROUP}/${event}`);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        if (code !== 'ENOENT')
          throw new EbpfError(`remove ${spec.kind} event ${event}: ${code}`, code, { cause: e });
      }
    };
    try {
      return { group: PROBE_EVENT_GROUP, event, id: tracepointId(PROBE_EVENT_GROUP, event, tracefs), remove };
    } catch (e) {
      remove();
      throw e;
    }
  }
}
