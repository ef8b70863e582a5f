/**
 * features: what the running kernel supports, probed with 'ebpf-ts/features' — every program type, every
 * map type, a set of commonly used helpers per program type (or every helper for one type with `--helpers`),
 * and two verifier features. Prints one table row per probe: `<kind> <name> <yes|no (>= version)|error>`.
 *
 *   sudo npx ebpf-ts examples/features [--helpers XDP] [--json]
 */
import { isNotSupportedError, MapType, ProgramType } from 'ebpf-ts';
import { HelperId, type HelperName } from 'ebpf-ts/asm';
import {
  haveBoundedLoops,
  haveLargeInstructions,
  haveMapType,
  haveProgramHelper,
  haveProgramType,
} from 'ebpf-ts/features';
import { runExample } from '../lib/run.js';

/** One probed feature. */
interface Row {
  kind: 'program' | 'map' | 'helper' | 'misc';
  name: string;
  status: 'yes' | 'no' | 'error';
  /** For `no`: the first kernel with the feature, when known. For `error`: the message. */
  detail?: string;
}

/** Helpers worth knowing about, probed for each of these program types by default. */
const DEFAULT_HELPERS: Record<string, HelperName[]> = {
  TRACEPOINT: [
    'map_lookup_elem',
    'probe_read_kernel',
    'get_current_pid_tgid',
    'ringbuf_output',
    'loop',
    'get_attach_cookie',
  ],
  XDP: ['map_lookup_elem', 'redirect_map', 'xdp_adjust_head', 'ringbuf_output', 'get_current_pid_tgid'],
  CGROUP_SKB: ['skb_load_bytes', 'get_socket_cookie', 'sk_storage_get', 'get_current_pid_tgid'],
};

function probe(kind: Row['kind'], name: string, fn: () => void): Row {
  try {
    fn();
    return { kind, name, status: 'yes' };
  } catch (e) {
    if (isNotSupportedError(e))
      return { kind, name, status: 'no', ...(e.minKernel ? { detail: e.minKernel } : {}) };
    return { kind, name, status: 'error', detail: (e as Error).message };
  }
}

function programTypeByName(name: string): ProgramType {
  const t = (ProgramType as Record<string, ProgramType>)[name.toUpperCase()];
  if (t === undefined)
    throw new Error(`unknown program type ${name} (one of ${Object.keys(ProgramType).join(', ')})`);
  return t;
}

function format(r: Row): string {
  const status =
    r.status === 'no'
      ? `no${r.detail ? ` (>= ${r.detail})` : ''}`
      : r.status === 'error'
        ? `error: ${r.detail}`
        : 'yes';
  return `${r.kind.padEnd(7)} ${r.name.padEnd(40)} ${status}`;
}

runExample(
  'Probes which program types, map types and helpers the running kernel supports.',
  { helpers: { type: 'string', description: 'probe every helper for this program type (e.g. XDP, KPROBE)' } },
  ({ json, flags }) => {
    const rows: Row[] = [];
    const emit = (r: Row): void => {
      rows.push(r);
      if (!json) process.stdout.write(`${format(r)}\n`);
    };
    const helperSets: Array<[string, HelperName[]]> =
      flags.helpers === undefined
        ? Object.entries(DEFAULT_HELPERS)
        : [
            [
              flags.helpers.toUpperCase(),
              Object.keys(HelperId).filter((h): h is HelperName => h !== 'unspec'),
            ],
          ];
    if (flags.helpers !== undefined) programTypeByName(flags.helpers);
    else {
      for (const [name, type] of Object.entries(ProgramType)) {
        if (type !== ProgramType.UNSPEC) emit(probe('program', name, () => haveProgramType(type)));
      }
      for (const [name, type] of Object.entries(MapType)) {
        if (type !== MapType.UNSPEC) emit(probe('map', name, () => haveMapType(type)));
      }
    }
    for (const [typeName, helpers] of helperSets) {
      const type = programTypeByName(typeName);
      for (const h of helpers) {
        emit(probe('helper', `${typeName}/bpf_${h}`, () => haveProgramHelper(type, HelperId[h])));
      }
    }
    if (flags.helpers === undefined) {
      emit(probe('misc', 'bounded loops', () => haveBoundedLoops()));
      emit(probe('misc', 'large programs (> 4096 insns)', () => haveLargeInstructions()));
    }
    if (json) process.stdout.write(`${JSON.stringify(rows)}\n`);
    else {
      const count = (s: Row['status']): number => rows.filter((r) => r.status === s).length;
      process.stderr.write(
        `${rows.length} probes: ${count('yes')} yes, ${count('no')} no, ${count('error')} errors\n`,
      );
    }
  },
);
