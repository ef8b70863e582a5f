/**
 * Map benchmarks: ebpf-ts against a C program using libbpf (bench/baseline/map-bench.c), in one invocation.
 *
 * For each case, both sides run in alternating order for several rounds with identical counts; each side
 * reports the median of its repetitions per round, and the table shows the median over rounds plus the
 * ratio ebpf-ts / libbpf against the project's targets. `npm run bench -- --help` lists the options.
 *
 * Needs root (bpf(2)), gcc and libbpf-dev.
 */
import { cpus, loadavg, release } from 'node:os';
import { buildBaseline, runBaseline } from './lib/baseline.js';
import { type BenchParams, CASES, type CaseInfo, loopCount, opsPerRep } from './lib/cases.js';
import { type ClockFn, type ClockName, clockFor } from './lib/clock.js';
import { MAP_VARIANTS } from './lib/map-cases.js';
import { parseOptions, selected, USAGE } from './lib/options.js';
import { type BenchReport, type CaseResult, compare, formatJson, formatTable } from './lib/report.js';
import type { TsVariant } from './lib/runner.js';
import { median, timeReps } from './lib/stats.js';
import { SYSCALL_VARIANTS } from './lib/syscall-cases.js';

const ALL_VARIANTS: readonly TsVariant[] = [...SYSCALL_VARIANTS, ...MAP_VARIANTS];

function measureTs(variant: TsVariant, info: CaseInfo, p: BenchParams, clock: ClockFn): number {
  const runner = variant.setup(p);
  try {
    return median(timeReps((n) => runner.run(n), loopCount(info, p), opsPerRep(info, p), p.reps, clock));
  } finally {
    runner.close();
  }
}

/**
 * Runs one case: for every round and every ebpf-ts variant, the libbpf baseline and the variant run back to
 * back, alternating which goes first, so each variant has its own paired libbpf figures.
 */
function runCase(
  binary: string,
  info: CaseInfo,
  p: BenchParams,
  clock: ClockName,
  log: (s: string) => void,
): CaseResult[] {
  const tsClock = clockFor(clock);
  const variants = ALL_VARIANTS.filter((v) => v.case === info.name);
  const cRounds = variants.map((): number[] => []);
  const tsRounds = variants.map((): number[] => []);
  for (let r = 0; r < p.rounds; r++) {
    log(`${info.name}: round ${r + 1}/${p.rounds}`);
    variants.forEach((v, i) => {
      const runC = (): void => {
        cRounds[i]!.push(runBaseline(binary, info, p, clock).nsPerOp);
      };
      const runTs = (): void => {
        tsRounds[i]!.push(measureTs(v, info, p, tsClock));
      };
      if ((r + i) % 2 === 0) {
        runC();
        runTs();
      } else {
        runTs();
        runC();
      }
    });
  }
  return variants.map((v, i) =>
    compare(
      { case: info.name, variant: v.variant, kind: info.kind, unit: info.unit, target: info.target },
      { nsPerOp: median(tsRounds[i]!), roundsNs: tsRounds[i]! },
      { nsPerOp: median(cRounds[i]!), roundsNs: cRounds[i]! },
    ),
  );
}

function main(argv: readonly string[]): number {
  const opts = parseOptions(argv);
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const log = (s: string): void => {
    process.stderr.write(`bench: ${s}\n`);
  };
  const binary = buildBaseline();
  const loadAtStart = loadavg()[0] ?? 0;
  const results: CaseResult[] = [];
  for (const info of CASES) {
    if (selected(info.name, opts.filters))
      results.push(...runCase(binary, info, opts.params, opts.clock, log));
  }
  const report: BenchReport = {
    meta: {
      date: new Date().toISOString(),
      node: process.version,
      kernel: release(),
      cpus: cpus().length,
      loadAvg: [loadAtStart, loadavg()[0] ?? 0],
      params: opts.params,
      clock: opts.clock,
    },
    results,
  };
  process.stdout.write(`${opts.json ? formatJson(report) : formatTable(report)}\n`);
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
