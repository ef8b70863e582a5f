/**
 * Command-line options of bench/run.ts.
 */
import { type BenchParams, CASE_NAMES, FULL_PARAMS, QUICK_PARAMS } from './cases.js';
import { CLOCK_NAMES, type ClockName } from './clock.js';

/** Parsed options. */
export interface BenchOptions {
  readonly params: BenchParams;
  /** Substrings; a case runs when its name contains any of them (all cases when empty). */
  readonly filters: readonly string[];
  readonly clock: ClockName;
  readonly json: boolean;
  readonly help: boolean;
}

/** Usage text. */
export const USAGE = `usage: npm run bench -- [--quick] [--filter <case>[,<case>...]] [--rounds N] [--clock wall|cpu] [--json]

  --quick          small counts and one round (for the smoke test)
  --filter <s>     run only cases whose name contains <s> (repeatable, comma-separated)
  --rounds N       alternating rounds per case (default ${FULL_PARAMS.rounds}, quick ${QUICK_PARAMS.rounds})
  --clock <c>      wall (default): monotonic time; cpu: CPU time of the measuring thread on both sides,
                   steadier on a busy machine but blind to V8's background GC threads
  --json           print the results as JSON instead of a table (progress goes to stderr)

cases: ${CASE_NAMES.join(', ')}`;

function positiveInt(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isInteger(n) || n <= 0)
    throw new Error(`bench: ${flag} needs a positive integer`);
  return n;
}

/** Parses argv (without node and script); throws with a message on a bad option. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  let quick = false;
  let json = false;
  let help = false;
  let rounds: number | undefined;
  let clock: ClockName = 'wall';
  const filters: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') quick = true;
    else if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a === '--rounds') rounds = positiveInt(a, argv[++i]);
    else if (a === '--clock') {
      const v = argv[++i];
      const known = CLOCK_NAMES.find((c) => c === v);
      if (known === undefined) throw new Error(`bench: --clock needs one of ${CLOCK_NAMES.join(', ')}`);
      clock = known;
    } else if (a === '--filter') {
      const v = argv[++i];
      if (v === undefined || v === '') throw new Error('bench: --filter needs a case name');
      filters.push(...v.split(',').filter((s) => s !== ''));
    } else throw new Error(`bench: unknown option ${a}\n${USAGE}`);
  }
  const base = quick ? QUICK_PARAMS : FULL_PARAMS;
  const params = rounds === undefined ? base : { ...base, rounds };
  const unmatched = filters.filter((f) => !CASE_NAMES.some((c) => c.includes(f)));
  if (unmatched.length > 0) throw new Error(`bench: no case matches ${unmatched.join(', ')}\n${USAGE}`);
  return { params, filters, clock, json, help };
}

/** True when `name` passes the filters. */
export function selected(name: string, filters: readonly string[]): boolean {
  return filters.length === 0 || filters.some((f) => name.includes(f));
}
