/**
 * list-hooks: where can a program attach? Lists the tracepoints (tracefs `available_events`) and the
 * kernel functions kprobes could attach to (`available_filter_functions`, where readable) whose names match
 * a shell glob, and with `--format group:name` shows a tracepoint's id and record layout — the fields a
 * tracepoint program's context struct must match.
 *
 *   sudo npx ebpf-ts examples/list-hooks 'syscalls:sys_enter_open*'
 *   sudo npx ebpf-ts examples/list-hooks --kind function 'vfs_*'
 *   sudo npx ebpf-ts examples/list-hooks --format kmem:mm_page_alloc [--json]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isNotSupportedError } from 'ebpf-ts';
import { availableFilterFunctions, findTracefs, matchGlob, probeSupport, tracepointId } from 'ebpf-ts/link';
import { runExample } from '../lib/run.js';

/** One field of a tracepoint record, from its `format` file. */
interface FormatField {
  declaration: string;
  offset: number;
  size: number;
  signed: boolean;
  /** True for the `common_*` header every record starts with. */
  common: boolean;
}

/** Parses `field:<decl>;\toffset:N;\tsize:N;\tsigned:N;` lines of a tracepoint format file. */
function parseFormat(text: string): { fields: FormatField[]; printFmt: string | undefined } {
  const fields: FormatField[] = [];
  let printFmt: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/.exec(line);
    if (m) {
      const declaration = (m[1] ?? '').trim();
      fields.push({
        declaration,
        offset: Number(m[2]),
        size: Number(m[3]),
        signed: m[4] === '1',
        common: /\bcommon_\w+$/.test(declaration),
      });
    } else if (line.startsWith('print fmt: ')) printFmt = line.slice('print fmt: '.length);
  }
  return { fields, printFmt };
}

/** `group:name` or `group/name` → [group, name]. */
function splitEvent(event: string): [string, string] {
  const m = /^([^:/\s]+)[:/]([^:/\s]+)$/.exec(event);
  if (!m)
    throw new Error(`--format wants group:name (e.g. kmem:mm_page_alloc), got ${JSON.stringify(event)}`);
  return [m[1] as string, m[2] as string];
}

const KINDS = ['all', 'tracepoint', 'function'] as const;

runExample(
  'Lists tracepoints and kprobe-able functions matching a glob, or shows a tracepoint format.',
  {
    kind: { type: 'string', default: 'all', description: 'all | tracepoint | function (default all)' },
    format: { type: 'string', description: 'show the record format of tracepoint group:name' },
  },
  ({ json, flags, args }) => {
    const tracefs = findTracefs();
    if (tracefs === undefined)
      throw new Error('tracefs is not mounted (mount -t tracefs tracefs /sys/kernel/tracing)');

    if (flags.format !== undefined) {
      const [group, name] = splitEvent(flags.format);
      const id = tracepointId(group, name, tracefs);
      const { fields, printFmt } = parseFormat(
        readFileSync(join(tracefs, 'events', group, name, 'format'), 'utf8'),
      );
      if (json) {
        process.stdout.write(`${JSON.stringify({ tracepoint: `${group}:${name}`, id, fields, printFmt })}\n`);
        return;
      }
      process.stdout.write(`tracepoint ${group}:${name} id=${id}\n`);
      for (const f of fields) {
        process.stdout.write(
          `field ${f.declaration} offset=${f.offset} size=${f.size} signed=${f.signed ? 1 : 0}${f.common ? ' (common)' : ''}\n`,
        );
      }
      if (printFmt !== undefined) process.stdout.write(`print fmt: ${printFmt}\n`);
      return;
    }

    const kind = flags.kind as (typeof KINDS)[number];
    if (!KINDS.includes(kind)) throw new Error(`--kind must be one of ${KINDS.join(', ')}`);
    const pattern = (args[0] ?? '*').replace('/', ':');
    const rows: Array<{ kind: 'tracepoint' | 'function'; name: string }> = [];

    if (kind !== 'function') {
      const events = readFileSync(join(tracefs, 'available_events'), 'utf8').split('\n').filter(Boolean);
      for (const name of matchGlob(events, pattern)) rows.push({ kind: 'tracepoint', name });
    }
    let functionsNote = '';
    if (kind !== 'tracepoint') {
      try {
        for (const name of matchGlob(availableFilterFunctions(tracefs), pattern))
          rows.push({ kind: 'function', name });
        const kprobes = probeSupport('kprobe');
        if (!kprobes.pmu && !kprobes.tracefs)
          functionsNote = ' (this kernel has no kprobes: functions cannot be probed)';
      } catch (e) {
        if (!isNotSupportedError(e)) throw e;
        const code = (e.cause as NodeJS.ErrnoException | undefined)?.code;
        functionsNote = ` (kernel functions not listed: ${join(tracefs, 'available_filter_functions')} ${code ?? 'unreadable'})`;
      }
    }

    for (const r of rows) process.stdout.write(json ? `${JSON.stringify(r)}\n` : `${r.kind} ${r.name}\n`);
    const count = (k: string): number => rows.filter((r) => r.kind === k).length;
    process.stderr.write(
      `${count('tracepoint')} tracepoints, ${count('function')} functions matching ${JSON.stringify(pattern)}${functionsNote}\n`,
    );
  },
);
