/**
 * Parsing of `trace_pipe` lines (the output of `bpf_printk` / `bpf_trace_printk`). Pure.
 */

/** One line of trace_pipe output. */
export interface TraceLine {
  /** The task's comm (`<...>` when the kernel no longer knows it). */
  task: string;
  pid: number;
  /** The thread group id, when the `record-tgid` option adds a column for it. */
  tgid: number | undefined;
  cpu: number;
  /** Irq/preempt flags column (`d..31`), when present. */
  flags: string | undefined;
  /** Seconds since boot, as printed (microsecond precision). */
  timestamp: number;
  /** The event name (`bpf_trace_printk`), when present. */
  event: string | undefined;
  /** The printed message. */
  message: string;
  /** The whole line. */
  raw: string;
}

// "           <...>-1234    [001] d..31  1234.567890: bpf_trace_printk: hello"
// "  bash-1234  (   1234) [000] .....  55.1: bpf_trace_printk: x"   (record-tgid)
const LINE =
  /^\s*(.+?)-(\d+)\s+(?:\(\s*(\d+|-+)\)\s+)?\[(\d+)\]\s+(?:([^\s\d][^\s]*|[.\w]{4,6})\s+)?(\d+\.\d+):\s+(?:([\w:]+):\s)?(.*)$/;

/** Parses one trace_pipe line; undefined when it has not the expected shape (e.g. `CPU:1 [LOST 3 EVENTS]`). */
export function parseTraceLine(raw: string): TraceLine | undefined {
  const m = LINE.exec(raw);
  if (!m) return undefined;
  const tgid = m[3] !== undefined && /^\d+$/.test(m[3]) ? Number(m[3]) : undefined;
  return {
    task: m[1] as string,
    pid: Number(m[2]),
    tgid,
    cpu: Number(m[4]),
    flags: m[5],
    timestamp: Number(m[6]),
    event: m[7],
    message: m[8] as string,
    raw,
  };
}
