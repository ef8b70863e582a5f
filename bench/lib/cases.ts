/**
 * The benchmark catalogue shared by both sides: case names (the C baseline takes the same names on argv),
 * what one "op" means for each, the ratio target the project set, and the run parameters.
 */

/** Names of the benchmark cases, identical on the ebpf-ts and libbpf sides. */
export const CASE_NAMES = [
  'syscall-floor',
  'array-lookup',
  'array-update',
  'hash-lookup',
  'hash-update',
  'hash-iterate',
  'hash-batch-lookup',
] as const;

/** One benchmark case name. */
export type CaseName = (typeof CASE_NAMES)[number];

/** How a case is measured: single ops per call, or ns per element of a full pass over the HASH map. */
export type CaseKind = 'floor' | 'single' | 'per-element';

/** Static description of one case. */
export interface CaseInfo {
  readonly name: CaseName;
  readonly kind: CaseKind;
  /** Upper bound for ebpf-ts / libbpf, or undefined when the case is informational. */
  readonly target: number | undefined;
  /** What one op is, for the table legend. */
  readonly unit: string;
}

/** Target for single-element operations (and full iteration, which is two single ops per element). */
export const SINGLE_OP_TARGET = 1.2;
/** Target for batch operations, per element. */
export const BATCH_TARGET = 1.5;

/** Every case with its kind and target. */
export const CASES: readonly CaseInfo[] = [
  { name: 'syscall-floor', kind: 'floor', target: undefined, unit: 'bpf() with an invalid command' },
  { name: 'array-lookup', kind: 'single', target: SINGLE_OP_TARGET, unit: 'lookup' },
  { name: 'array-update', kind: 'single', target: SINGLE_OP_TARGET, unit: 'update' },
  { name: 'hash-lookup', kind: 'single', target: SINGLE_OP_TARGET, unit: 'lookup' },
  { name: 'hash-update', kind: 'single', target: SINGLE_OP_TARGET, unit: 'update' },
  { name: 'hash-iterate', kind: 'per-element', target: SINGLE_OP_TARGET, unit: 'element (next_key+lookup)' },
  { name: 'hash-batch-lookup', kind: 'per-element', target: BATCH_TARGET, unit: 'element (batch lookup)' },
];

/** Parameters of one benchmark run, passed identically to both sides. */
export interface BenchParams {
  /** Operations per repetition for single-op cases. */
  readonly iterations: number;
  /** Full passes over the map per repetition for per-element cases. */
  readonly passes: number;
  /** Timed repetitions per measurement (after one untimed warmup repetition); the median is kept. */
  readonly reps: number;
  /** Alternating rounds (libbpf, ebpf-ts, then ebpf-ts, libbpf...); the median over rounds is reported. */
  readonly rounds: number;
  /** max_entries of every map, and the number of elements in the HASH map. */
  readonly entries: number;
  /** Elements per BPF_MAP_LOOKUP_BATCH call. */
  readonly batch: number;
}

/** Single ops cycle through keys `i & HOT_KEY_MASK`, the same on both sides (see map-bench.c). */
export const HOT_KEY_MASK = 1023;

/** The full run. */
export const FULL_PARAMS: BenchParams = {
  iterations: 50_000,
  passes: 1,
  reps: 5,
  rounds: 5,
  entries: 100_000,
  batch: 4096,
};

/** A fast run for the smoke test: every case, tiny counts, one round. */
export const QUICK_PARAMS: BenchParams = {
  iterations: 2_000,
  passes: 1,
  reps: 3,
  rounds: 1,
  entries: 10_000,
  batch: 4096,
};

/** Loop count handed to one measurement of `info`: operations, or passes over the map. */
export function loopCount(info: CaseInfo, p: BenchParams): number {
  return info.kind === 'per-element' ? p.passes : p.iterations;
}

/** Ops timed by one repetition of `info` (elements for per-element cases). */
export function opsPerRep(info: CaseInfo, p: BenchParams): number {
  return info.kind === 'per-element' ? p.passes * p.entries : p.iterations;
}
