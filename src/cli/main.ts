#!/usr/bin/env node
/**
 * The `ebpf-ts` command: run examples, list and dump kernel objects, dump BTF, probe features.
 */
import { readFileSync } from 'node:fs';
import { isEbpfError } from '../errors.js';
import { type ParsedArgs, parseArgs } from './args.js';
import { btfDump } from './btf.js';
import { featuresCommand } from './features.js';
import { genCommand } from './gen.js';
import { listExamples } from './list.js';
import { mapDump, mapList, progList } from './objects.js';
import { stdoutOutput } from './output.js';
import { runExample } from './run-example.js';

const HELP = `usage: ebpf-ts <command> [options]

commands:
  examples/<name> [args]   run an example from this checkout (see: ebpf-ts list)
  list                     list the examples with their hook and kernel requirement
  prog list                list loaded BPF programs
  map list                 list BPF maps
  map dump <id|path>       dump a map's entries (by id or pinned path)
  btf dump [file]          dump BTF (default /sys/kernel/btf/vmlinux) [--format raw|c]
  features                 probe which map and program types the kernel supports
  gen <object.o> [--out f.ts] [--name n] [--type t ...] [--embed|--path]
                           generate a typed TypeScript module for a BPF object

options:
  --json                   machine-readable output where it makes sense
  -h, --help               this help
`;

const VALUED = new Set(['format', 'duration']);

function needRoot(): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('this command needs root (bpf(2) requires CAP_BPF/CAP_SYS_ADMIN): run it with sudo');
  }
}

async function dispatch(args: ParsedArgs): Promise<number> {
  const [cmd, sub, arg] = args.positionals;
  const out = stdoutOutput(args.flags.has('json'));
  if (cmd === undefined || args.flags.has('help')) {
    process.stdout.write(HELP);
    return cmd === undefined && !args.flags.has('help') ? 2 : 0;
  }
  if (cmd.startsWith('examples/')) return runExample(cmd.slice('examples/'.length), process.argv.slice(3));
  if (cmd === 'gen') return genCommand(process.argv.slice(3));
  switch (cmd) {
    case 'list':
      listExamples(out);
      return 0;
    case 'prog':
      if (sub !== 'list') break;
      needRoot();
      progList(out);
      return 0;
    case 'map':
      needRoot();
      if (sub === 'list') {
        mapList(out);
        return 0;
      }
      if (sub === 'dump' && arg !== undefined) {
        mapDump(out, arg);
        return 0;
      }
      break;
    case 'btf':
      if (sub !== 'dump') break;
      btfDump(arg ?? '/sys/kernel/btf/vmlinux', args.flags.get('format') === 'c' ? 'c' : 'raw');
      return 0;
    case 'features':
      needRoot();
      featuresCommand(out);
      return 0;
    case 'version':
      process.stdout.write(
        `${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}\n`,
      );
      return 0;
  }
  process.stderr.write(`ebpf-ts: unknown command: ${args.positionals.join(' ')}\n\n${HELP}`);
  return 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // Everything after examples/<name> or gen belongs to that command (gen has its own --help).
  const own = argv[0] !== undefined && (argv[0].startsWith('examples/') || argv[0] === 'gen');
  const args: ParsedArgs = own
    ? { positionals: [argv[0] as string], flags: new Map() }
    : parseArgs(argv, VALUED);
  try {
    process.exitCode = await dispatch(args);
  } catch (e) {
    const msg = isEbpfError(e) || e instanceof Error ? e.message : String(e);
    process.stderr.write(`ebpf-ts: ${msg}\n`);
    process.exitCode = 1;
  }
}

void main();
