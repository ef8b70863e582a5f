/**
 * Result records and their two renderings: a plain-text table for people and a JSON document for tools.
 */
import type { BenchParams, CaseKind, CaseName } from './cases.js';
import type { ClockName } from './clock.js';
import { median } from './stats.js';

/** One side's figures for one case: the median over rounds of each round's median ns/op. */
export interface SideResult {
  readonly nsPerOp: number;
  /** Each round's median ns/op, in round order. */
  readonly roundsNs: readonly number[];
}

/** ebpf-ts against libbpf for one case and one ebpf-ts API variant. */
export interface CaseResult {
  readonly case: CaseName;
  /** Which ebpf-ts API path was measured (`raw` bytes, `typed` codecs, `backend` syscall). */
  readonly variant: string;
  readonly kind: CaseKind;
  readonly unit: string;
  readonly ebpfTs: SideResult;
  readonly libbpf: SideResult;
  /**
   * ebpf-ts / libbpf: the median over rounds of each round's ebpf-ts/libbpf ratio. Both sides of a round run
   * back to back, so pairing them cancels most of the drift a shared machine adds between rounds.
   */
  readonly ratio: number;
  readonly target: number | undefined;
  /** ratio <= target, or undefined when there is no target. */
  readonly withinTarget: boolean | undefined;
}

/** Everything one run produced. */
export interface BenchReport {
  readonly meta: {
    readonly date: string;
    readonly node: string;
    readonly kernel: string;
    readonly cpus: number;
    /** 1-minute load average at the start and the end: other work on the machine skews the figures. */
    readonly loadAvg: readonly [start: number, end: number];
    readonly params: BenchParams;
    readonly clock: ClockName;
  };
  readonly results: readonly CaseResult[];
}

/** Builds a CaseResult from both sides' per-round medians (same number of rounds, in the same order). */
export function compare(
  base: Pick<CaseResult, 'case' | 'variant' | 'kind' | 'unit' | 'target'>,
  ebpfTs: SideResult,
  libbpf: SideResult,
): CaseResult {
  if (ebpfTs.roundsNs.length !== libbpf.roundsNs.length) throw new Error('bench: unpaired rounds');
  const ratio = median(ebpfTs.roundsNs.map((t, i) => t / libbpf.roundsNs[i]!));
  const withinTarget = base.target === undefined ? undefined : ratio <= base.target;
  return { ...base, ebpfTs, libbpf, ratio, withinTarget };
}

function spread(s: SideResult): string {
  if (s.roundsNs.length < 2) return '';
  const lo = Math.min(...s.roundsNs);
  const hi = Math.max(...s.roundsNs);
  return ` (${lo.toFixed(0)}-${hi.toFixed(0)})`;
}

/** A fixed-width text table of the results, with a legend. */
export function formatTable(report: BenchReport): string {
  const header = ['case', 'variant', 'ebpf-ts ns/op', 'libbpf ns/op', 'ratio', 'target', 'ok'];
  const rows = report.results.map((r) => [
    r.case,
    r.variant,
    `${r.ebpfTs.nsPerOp.toFixed(1)}${spread(r.ebpfTs)}`,
    `${r.libbpf.nsPerOp.toFixed(1)}${spread(r.libbpf)}`,
    `${r.ratio.toFixed(2)}x`,
    r.target === undefined ? '-' : `<=${r.target}x`,
    r.withinTarget === undefined ? '-' : r.withinTarget ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  const p = report.meta.params;
  const out = [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `ns/op (${report.meta.clock} clock): median over ${p.rounds} alternating round(s) of the median of ` +
      `${p.reps} rep(s); (min-max of rounds).`,
    'ratio: median over rounds of ebpf-ts/libbpf, each row paired with its own libbpf runs (back to back).',
    'variants: backend = src/syscall backend with preallocated attrs (the floor under any map API); ' +
      'raw = BpfMap with Uint8Array keys/values; typed = BpfMap with u32/u64 codecs; ' +
      'batches = BpfMap.batches() packed buffers read in place.',
    `single ops: ${p.iterations} per rep, hot keys i & 1023; per-element cases: ns per element of a ` +
      `${p.entries}-entry HASH (${p.passes} pass(es) per rep, batch ${p.batch}).`,
    `node ${report.meta.node}, kernel ${report.meta.kernel}, ${report.meta.cpus} cpu(s), ` +
      `load average ${report.meta.loadAvg[0].toFixed(2)} at start, ${report.meta.loadAvg[1].toFixed(2)} at end.`,
  ];
  return out.join('\n');
}

/** The report as pretty-printed JSON. */
export function formatJson(report: BenchReport): string {
  return JSON.stringify(report, null, 2);
}
