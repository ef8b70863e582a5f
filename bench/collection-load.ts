/**
 * Collection load benchmark: open + load + close of a 10-program CO-RE object
 * (bpf/test/bench_core10.bpf.o) with ebpf-ts (`loadCollectionSpec` + `newCollection` + `close`) against
 * libbpf (`bpf_object__open_file` + `bpf_object__load` + `bpf_object__close`, bench/baseline/load-bench.c,
 * compiled into a temporary directory and run as a child process of this one).
 *
 * One op = parse the object, parse the kernel's BTF, apply the CO-RE relocations, create the maps, load
 * the ten programs, close everything. libbpf re-parses the kernel BTF in every load, so the headline
 * ebpf-ts figure ("cold") gives every op a fresh `KernelContext` (empty kernel BTF cache). The "warm"
 * figure reuses one context, as a long-running service would. Each side repeats the op `reps` times per
 * round and keeps the median; rounds alternate which side goes first; ratios are medians of per-round
 * ratios. `--clock cpu` measures both sides with the CPU time of the measuring thread (user + system, so
 * the verifier's work inside bpf(2) counts; see bench/lib/clock.ts): steadier on a busy machine; `wall`
 * (the default) is what a user waits for.
 *
 *   npx tsx bench/collection-load.ts [--rounds N] [--reps N] [--clock wall|cpu] [--quick] [--json]
 *
 * Needs root (program loads), gcc, libbpf-dev, libelf-dev and zlib.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCollectionSpec, newCollection } from '../src/collection/index.js';
import { KernelContext } from '../src/syscall/context.js';
import { CLOCK_NAMES, type ClockFn, type ClockName, clockFor } from './lib/clock.js';

/** Target for ebpf-ts (cold) / libbpf. */
export const COLLECTION_LOAD_TARGET = 1.2;

/** Programs the fixture holds (both sides must load all of them). */
export const COLLECTION_LOAD_PROGRAMS = 10;

/** Parameters of one run. */
export interface CollectionLoadParams {
  /** Alternating rounds. */
  readonly rounds: number;
  /** Ops per side per round (the median is kept). */
  readonly reps: number;
  /** The clock both sides measure with (default wall). */
  readonly clock?: ClockName;
}

/** Default parameters. */
export const COLLECTION_LOAD_FULL: CollectionLoadParams = { rounds: 5, reps: 7, clock: 'wall' };
/** Fast parameters (smoke runs). */
export const COLLECTION_LOAD_QUICK: CollectionLoadParams = { rounds: 1, reps: 2, clock: 'wall' };

/** Median ns per op of one side, and its per-round medians. */
export interface SideResult {
  readonly nsPerOp: number;
  readonly roundsNs: readonly number[];
}

/** Result of the whole benchmark. */
export interface CollectionLoadResult {
  readonly case: 'collection-load';
  readonly unit: string;
  readonly clock: ClockName;
  readonly object: string;
  /** ebpf-ts with a fresh context (cold kernel BTF cache) per op. */
  readonly ebpfTsCold: SideResult;
  /** ebpf-ts with one context reused across ops (kernel BTF parsed once). */
  readonly ebpfTsWarm: SideResult;
  readonly libbpf: SideResult;
  /** Median of per-round ratios ebpf-ts cold / libbpf (the headline figure). */
  readonly ratio: number;
  /** Median of per-round ratios ebpf-ts warm / libbpf. */
  readonly warmRatio: number;
  /** Where a cold ebpf-ts op goes (median ns): ELF parse, newCollection, close. */
  readonly breakdown: { readonly parseNs: number; readonly loadNs: number; readonly closeNs: number };
  readonly target: number;
  readonly withinTarget: boolean;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'baseline', 'load-bench.c');
/** The benchmarked object. */
export const COLLECTION_LOAD_OBJECT = resolve(HERE, '..', 'bpf', 'test', 'bench_core10.bpf.o');

function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Compiles the C baseline into `dir` and returns the binary's path. */
export function buildLoadBaseline(dir: string, cc = process.env.CC ?? 'gcc'): string {
  const binary = join(dir, 'load-bench');
  try {
    execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-o', binary, SOURCE, '-lbpf', '-lelf', '-lz'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(
      `bench: compiling ${SOURCE} failed (are libbpf-dev and libelf-dev installed?)\n${stderr}`,
      {
        cause: e,
      },
    );
  }
  return binary;
}

interface CSide {
  nsPerOp: number;
  programs: number;
}

function runC(binary: string, object: string, reps: number, clock: ClockName): CSide {
  const r = spawnSync(binary, [object, String(reps), clock], { encoding: 'utf8', timeout: 600_000 });
  if (r.error) throw new Error(`bench: running ${binary}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new Error(`bench: ${binary} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  const out = JSON.parse(r.stdout) as CSide;
  if (typeof out.nsPerOp !== 'number' || typeof out.programs !== 'number')
    throw new Error(`bench: bad baseline output ${r.stdout}`);
  return out;
}

/** One ebpf-ts op; returns [total, parse, load, close] in ns and the number of programs loaded. */
function tsOnce(object: string, ctx: KernelContext, now: ClockFn): { ns: number[]; programs: number } {
  const t0 = now();
  const spec = loadCollectionSpec(object);
  const t1 = now();
  const coll = newCollection(spec, { ctx });
  const t2 = now();
  const programs = Object.keys(coll.programs).length;
  coll.close();
  const t3 = now();
  return { ns: [t3 - t0, t1 - t0, t2 - t1, t3 - t2], programs };
}

/** `reps` ops; a fresh context per op when `ctx` is undefined. Checks the program count. */
function runTs(
  object: string,
  reps: number,
  ctx: KernelContext | undefined,
  now: ClockFn,
): { nsPerOp: number; parts: number[][] } {
  const totals: number[] = [];
  const parts: number[][] = [];
  for (let r = 0; r < reps; r++) {
    const one = tsOnce(object, ctx ?? new KernelContext(), now);
    if (one.programs !== COLLECTION_LOAD_PROGRAMS)
      throw new Error(`bench: ebpf-ts loaded ${one.programs} programs, want ${COLLECTION_LOAD_PROGRAMS}`);
    totals.push(one.ns[0] as number);
    parts.push(one.ns.slice(1));
  }
  return { nsPerOp: median(totals), parts };
}

/** Runs the benchmark (libbpf, ebpf-ts cold, ebpf-ts warm; order alternating). `log` gets progress. */
export function runCollectionLoadBench(
  p: CollectionLoadParams = COLLECTION_LOAD_FULL,
  log: (s: string) => void = () => {},
  object = COLLECTION_LOAD_OBJECT,
): CollectionLoadResult {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-load-bench-'));
  try {
    const binary = buildLoadBaseline(dir);
    const clock = p.clock ?? 'wall';
    const now = clockFor(clock);
    const warmCtx = new KernelContext();
    tsOnce(object, warmCtx, now); // fills the warm context's caches (kernel BTF, probes)
    const c: number[] = [];
    const cold: number[] = [];
    const warm: number[] = [];
    const parts: number[][] = [];
    for (let r = 0; r < p.rounds; r++) {
      log(`collection-load: round ${r + 1}/${p.rounds}`);
      const sides = [
        () => {
          const out = runC(binary, object, p.reps, clock);
          if (out.programs !== COLLECTION_LOAD_PROGRAMS)
            throw new Error(
              `bench: libbpf loaded ${out.programs} programs, want ${COLLECTION_LOAD_PROGRAMS}`,
            );
          c.push(out.nsPerOp);
        },
        () => {
          const out = runTs(object, p.reps, undefined, now);
          cold.push(out.nsPerOp);
          parts.push(...out.parts);
        },
        () => warm.push(runTs(object, p.reps, warmCtx, now).nsPerOp),
      ];
      if (r % 2 === 1) sides.reverse();
      for (const side of sides) side();
    }
    const ratio = median(cold.map((t, i) => t / (c[i] as number)));
    return {
      case: 'collection-load',
      unit: `open + load + close of ${COLLECTION_LOAD_PROGRAMS} CO-RE programs, 2 maps, global data`,
      clock,
      object,
      ebpfTsCold: { nsPerOp: median(cold), roundsNs: cold },
      ebpfTsWarm: { nsPerOp: median(warm), roundsNs: warm },
      libbpf: { nsPerOp: median(c), roundsNs: c },
      ratio,
      warmRatio: median(warm.map((t, i) => t / (c[i] as number))),
      breakdown: {
        parseNs: median(parts.map((x) => x[0] as number)),
        loadNs: median(parts.map((x) => x[1] as number)),
        closeNs: median(parts.map((x) => x[2] as number)),
      },
      target: COLLECTION_LOAD_TARGET,
      withinTarget: ratio <= COLLECTION_LOAD_TARGET,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (ns: number): string => `${(ns / 1e6).toFixed(2)} ms`;
const list = (xs: readonly number[]): string => xs.map((x) => (x / 1e6).toFixed(1)).join(', ');

/** A short text report. */
export function formatCollectionLoadResult(r: CollectionLoadResult): string {
  return [
    `collection-load: ${r.unit} (${r.clock} clock)`,
    `  side                 ns/op        ms/op     ratio vs libbpf`,
    `  libbpf          ${r.libbpf.nsPerOp.toFixed(0).padStart(12)}  ${ms(r.libbpf.nsPerOp).padStart(11)}`,
    `  ebpf-ts cold    ${r.ebpfTsCold.nsPerOp.toFixed(0).padStart(12)}  ${ms(r.ebpfTsCold.nsPerOp).padStart(11)}   ${r.ratio.toFixed(2)}x  target <=${r.target}x  ${r.withinTarget ? 'ok' : 'NOT MET'}`,
    `  ebpf-ts warm    ${r.ebpfTsWarm.nsPerOp.toFixed(0).padStart(12)}  ${ms(r.ebpfTsWarm.nsPerOp).padStart(11)}   ${r.warmRatio.toFixed(2)}x  (kernel BTF cached)`,
    `  ebpf-ts cold breakdown: ELF parse ${ms(r.breakdown.parseNs)}, newCollection ${ms(r.breakdown.loadNs)}, close ${ms(r.breakdown.closeNs)}`,
    `  rounds ms  libbpf [${list(r.libbpf.roundsNs)}]  cold [${list(r.ebpfTsCold.roundsNs)}]  warm [${list(r.ebpfTsWarm.roundsNs)}]`,
  ].join('\n');
}

function main(argv: readonly string[]): number {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const base = argv.includes('--quick') ? COLLECTION_LOAD_QUICK : COLLECTION_LOAD_FULL;
  const clock = CLOCK_NAMES.find((c) => c === (arg('--clock') ?? 'wall'));
  if (clock === undefined) {
    process.stderr.write(`bench: --clock needs one of ${CLOCK_NAMES.join(', ')}\n`);
    return 2;
  }
  const p: CollectionLoadParams = {
    rounds: Number(arg('--rounds') ?? base.rounds),
    reps: Number(arg('--reps') ?? base.reps),
    clock,
  };
  if (!(Number.isInteger(p.rounds) && p.rounds > 0 && Number.isInteger(p.reps) && p.reps > 0)) {
    process.stderr.write('bench: --rounds and --reps must be positive integers\n');
    return 2;
  }
  const start = loadavg()[0] as number;
  const r = runCollectionLoadBench(p, (s) => process.stderr.write(`bench: ${s}\n`));
  const end = loadavg()[0] as number;
  if (argv.includes('--json')) {
    const meta = { node: process.version, kernel: release(), loadAvg: [start, end], params: p };
    process.stdout.write(`${JSON.stringify({ meta, result: r }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatCollectionLoadResult(r)}\n`);
    process.stdout.write(`  load average ${start.toFixed(2)} -> ${end.toFixed(2)}\n`);
  }
  return 0;
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
