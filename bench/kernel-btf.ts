/**
 * Kernel BTF benchmark: `loadKernelSpec()` plus lookups of 25 common kernel structs by name, against
 * libbpf's `btf__parse` + `btf__find_by_name_kind` of the same names (bench/baseline/btf-bench.c, run
 * as a child process of this one).
 *
 * One op = parse the kernel's BTF from scratch and find all 25 structs. Warm figures: each side repeats
 * the op `reps` times in one process and keeps the median; rounds alternate which side goes first and
 * the ratio is the median of the per-round ratios. Cold figures: the first op of a fresh process (a new
 * node process for ebpf-ts, measured inside it, so node start-up and module loading are not counted).
 * `--clock cpu` measures both sides with the CPU time of the measuring thread (see bench/lib/clock.ts):
 * steadier on a busy machine; `wall` (the default) is what a user waits for.
 *
 *   npx tsx bench/kernel-btf.ts [--rounds N] [--reps N] [--clock wall|cpu] [--quick] [--json]
 *
 * Needs gcc and libbpf-dev; reads /sys/kernel/btf/vmlinux (no root needed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { loadavg, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findKernelType, loadKernelSpec, SYSFS_VMLINUX_BTF } from '../src/btf/kernel.js';
import { Struct } from '../src/btf/types.js';
import { KernelContext } from '../src/syscall/context.js';
import { CLOCK_NAMES, type ClockFn, type ClockName, clockFor } from './lib/clock.js';

/** The structs looked up (all present in any x86-64/arm64 kernel of the last years). */
export const KERNEL_BTF_BENCH_TYPES = [
  'task_struct',
  'sk_buff',
  'sock',
  'file',
  'inode',
  'mm_struct',
  'cred',
  'pt_regs',
  'net_device',
  'socket',
  'dentry',
  'super_block',
  'vm_area_struct',
  'page',
  'cgroup',
  'bpf_map',
  'bpf_prog',
  'nsproxy',
  'pid',
  'signal_struct',
  'files_struct',
  'path',
  'qstr',
  'iphdr',
  'tcphdr',
] as const;

/** Target for ebpf-ts / libbpf. */
export const KERNEL_BTF_TARGET = 1.0;

/** Parameters of one run. */
export interface KernelBtfBenchParams {
  /** Alternating rounds. */
  readonly rounds: number;
  /** Ops per side per round (the median is kept). */
  readonly reps: number;
  /** The clock both sides measure with. */
  readonly clock: ClockName;
}

/** Default parameters. */
export const KERNEL_BTF_FULL: KernelBtfBenchParams = { rounds: 5, reps: 15, clock: 'wall' };
/** Fast parameters (smoke runs). */
export const KERNEL_BTF_QUICK: KernelBtfBenchParams = { rounds: 1, reps: 3, clock: 'wall' };

/** Result of the whole benchmark. */
export interface KernelBtfBenchResult {
  readonly case: 'kernel-btf';
  readonly unit: string;
  readonly clock: ClockName;
  /** Median warm ns per op, each side, and per round. */
  readonly ebpfTs: { readonly nsPerOp: number; readonly roundsNs: readonly number[] };
  readonly libbpf: { readonly nsPerOp: number; readonly roundsNs: readonly number[] };
  /** Median of per-round ratios ebpf-ts / libbpf (warm). */
  readonly ratio: number;
  /** First op of a fresh process, each side (median over rounds). */
  readonly cold: { readonly ebpfTsNs: number; readonly libbpfNs: number; readonly ratio: number };
  /** Where ebpf-ts's warm time goes (median ns): read+index, name index + first lookup, other lookups. */
  readonly breakdown: {
    readonly loadNs: number;
    readonly firstLookupNs: number;
    readonly otherLookupsNs: number;
  };
  readonly target: number;
  readonly withinTarget: boolean;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, 'baseline', 'btf-bench.c');
const BINARY = join(HERE, 'baseline', 'build', 'btf-bench');

function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Compiles the C baseline when missing or older than its source; returns the binary. */
export function buildKernelBtfBaseline(cc = process.env.CC ?? 'gcc'): string {
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  const tmp = `${BINARY}.${process.pid}.tmp`;
  try {
    execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-o', tmp, SOURCE, '-lbpf'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`bench: compiling ${SOURCE} failed (is libbpf-dev installed?)\n${stderr}`, { cause: e });
  }
  renameSync(tmp, BINARY);
  return BINARY;
}

interface CSide {
  nsPerOp: number;
  firstNs: number;
  ids: number[];
}

function runC(binary: string, p: KernelBtfBenchParams): CSide {
  const r = spawnSync(
    binary,
    [`--clock=${p.clock}`, SYSFS_VMLINUX_BTF, String(p.reps), ...KERNEL_BTF_BENCH_TYPES],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bench: ${binary} exited ${r.status ?? r.signal}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as CSide;
  if (typeof out.nsPerOp !== 'number' || !Array.isArray(out.ids))
    throw new Error(`bench: bad output ${r.stdout}`);
  return out;
}

/** One op on the ebpf-ts side; returns [total, load, first lookup, other lookups] in ns and the ids. */
function tsOnce(now: ClockFn): { ns: number[]; ids: number[] } {
  const ctx = new KernelContext();
  const t0 = now();
  loadKernelSpec({ ctx });
  const t1 = now();
  const ids: number[] = [];
  let t2 = t1;
  let first = true;
  for (const name of KERNEL_BTF_BENCH_TYPES) {
    ids.push(findKernelType(name, Struct, { ctx }).id);
    if (first) {
      t2 = now();
      first = false;
    }
  }
  const t3 = now();
  return { ns: [t3 - t0, t1 - t0, t2 - t1, t3 - t2], ids };
}

function runTs(p: KernelBtfBenchParams, now: ClockFn): { nsPerOp: number; parts: number[][]; ids: number[] } {
  const totals: number[] = [];
  const parts: number[][] = [];
  let ids: number[] = [];
  for (let r = 0; r < p.reps; r++) {
    const one = tsOnce(now);
    totals.push(one.ns[0] as number);
    parts.push(one.ns.slice(1));
    ids = one.ids;
  }
  return { nsPerOp: median(totals), parts, ids };
}

/** The first op of a fresh node process (measured inside it). */
function tsCold(clock: ClockName): number {
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--cold-child', '--clock', clock],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bench: cold child exited ${r.status ?? r.signal}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/** Runs the benchmark (both sides, alternating rounds). `log` gets progress lines. */
export function runKernelBtfBench(
  p: KernelBtfBenchParams = KERNEL_BTF_FULL,
  log: (s: string) => void = () => {},
): KernelBtfBenchResult {
  const binary = buildKernelBtfBaseline();
  const now = clockFor(p.clock);
  const cRounds: number[] = [];
  const tsRounds: number[] = [];
  const cCold: number[] = [];
  const tsColdRounds: number[] = [];
  const parts: number[][] = [];
  for (let r = 0; r < p.rounds; r++) {
    log(`kernel-btf: round ${r + 1}/${p.rounds}`);
    let c: CSide | undefined;
    let ts: ReturnType<typeof runTs> | undefined;
    const sides = [() => (c = runC(binary, p)), () => (ts = runTs(p, now))];
    if (r % 2 === 1) sides.reverse();
    for (const side of sides) side();
    if (c === undefined || ts === undefined) throw new Error('bench: a side did not run');
    const cs: CSide = c;
    const tss: ReturnType<typeof runTs> = ts;
    if (JSON.stringify(cs.ids) !== JSON.stringify(tss.ids))
      throw new Error(`bench: ids differ: libbpf ${cs.ids} ebpf-ts ${tss.ids}`);
    cRounds.push(cs.nsPerOp);
    tsRounds.push(tss.nsPerOp);
    cCold.push(cs.firstNs);
    tsColdRounds.push(tsCold(p.clock));
    parts.push(...tss.parts);
  }
  const ratio = median(tsRounds.map((t, i) => t / (cRounds[i] as number)));
  const cold = { ebpfTsNs: median(tsColdRounds), libbpfNs: median(cCold), ratio: 0 };
  cold.ratio = cold.ebpfTsNs / cold.libbpfNs;
  return {
    case: 'kernel-btf',
    unit: `parse kernel BTF + find ${KERNEL_BTF_BENCH_TYPES.length} structs`,
    clock: p.clock,
    ebpfTs: { nsPerOp: median(tsRounds), roundsNs: tsRounds },
    libbpf: { nsPerOp: median(cRounds), roundsNs: cRounds },
    ratio,
    cold,
    breakdown: {
      loadNs: median(parts.map((x) => x[0] as number)),
      firstLookupNs: median(parts.map((x) => x[1] as number)),
      otherLookupsNs: median(parts.map((x) => x[2] as number)),
    },
    target: KERNEL_BTF_TARGET,
    withinTarget: ratio <= KERNEL_BTF_TARGET,
  };
}

const ms = (ns: number): string => `${(ns / 1e6).toFixed(2)} ms`;

/** A short text report. */
export function formatKernelBtfResult(r: KernelBtfBenchResult): string {
  return [
    `kernel-btf: ${r.unit} (${r.clock} clock)`,
    `  warm  ebpf-ts ${ms(r.ebpfTs.nsPerOp)} (${r.ebpfTs.nsPerOp.toFixed(0)} ns)  libbpf ${ms(r.libbpf.nsPerOp)} (${r.libbpf.nsPerOp.toFixed(0)} ns)  ratio ${r.ratio.toFixed(2)}x  target <=${r.target}x  ${r.withinTarget ? 'ok' : 'NOT MET'}`,
    `  cold  ebpf-ts ${ms(r.cold.ebpfTsNs)}  libbpf ${ms(r.cold.libbpfNs)}  ratio ${r.cold.ratio.toFixed(2)}x (first op of a fresh process)`,
    `  ebpf-ts warm breakdown: read+index ${ms(r.breakdown.loadNs)}, name index+first lookup ${ms(r.breakdown.firstLookupNs)}, other ${KERNEL_BTF_BENCH_TYPES.length - 1} lookups ${ms(r.breakdown.otherLookupsNs)}`,
    `  rounds ns ebpf-ts [${r.ebpfTs.roundsNs.map((x) => x.toFixed(0)).join(', ')}] libbpf [${r.libbpf.roundsNs.map((x) => x.toFixed(0)).join(', ')}]`,
  ].join('\n');
}

function main(argv: readonly string[]): number {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const clock = CLOCK_NAMES.find((c) => c === (arg('--clock') ?? 'wall'));
  if (clock === undefined) {
    process.stderr.write(`bench: --clock needs one of ${CLOCK_NAMES.join(', ')}\n`);
    return 2;
  }
  if (argv.includes('--cold-child')) {
    process.stdout.write(`${tsOnce(clockFor(clock)).ns[0]}\n`);
    return 0;
  }
  const base = argv.includes('--quick') ? KERNEL_BTF_QUICK : KERNEL_BTF_FULL;
  const p: KernelBtfBenchParams = {
    rounds: Number(arg('--rounds') ?? base.rounds),
    reps: Number(arg('--reps') ?? base.reps),
    clock,
  };
  if (!(Number.isInteger(p.rounds) && p.rounds > 0 && Number.isInteger(p.reps) && p.reps > 0)) {
    process.stderr.write('bench: --rounds and --reps must be positive integers\n');
    return 2;
  }
  const start = loadavg()[0] as number;
  const r = runKernelBtfBench(p, (s) => process.stderr.write(`bench: ${s}\n`));
  if (argv.includes('--json')) {
    const meta = { node: process.version, kernel: release(), loadAvg: [start, loadavg()[0]], params: p };
    process.stdout.write(`${JSON.stringify({ meta, result: r }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatKernelBtfResult(r)}\n`);
    process.stdout.write(`  load average ${start.toFixed(2)} -> ${(loadavg()[0] as number).toFixed(2)}\n`);
  }
  return 0;
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
