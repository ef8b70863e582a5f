/**
 * Per-kernel verdicts from the TAP reports of its guests, and the text table `npm run test:kernels` prints.
 * Pure: the runner hands in what each guest produced.
 */
import type { TapReport, TapTestResult } from './tap.js';

/** What one guest (one shard of one kernel) produced. */
export interface GuestOutcome {
  /** 1-based shard number and the files it ran. */
  readonly shard: number;
  readonly files: readonly string[];
  /** vmrun.sh's exit code (node's, or 124 timeout, 125 VM failure); null when it never ran or was killed. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Why it did not run or did not finish (deadline, prepare failure, VM failure), if so. */
  readonly problem?: string;
  readonly wallMs: number;
  readonly report: TapReport;
}

/** One kernel's runs, as handed to `summarizeLane`. */
export interface LaneRun {
  readonly lane: string;
  /** `uname -r` of the guest, when known. */
  readonly release?: string;
  /** Features this lane may lack (see config.ts); any other skip fails the lane. */
  readonly knownAbsentFeatures: readonly string[];
  readonly guests: readonly GuestOutcome[];
  /** Wall time of the lane, first guest start to last guest end. */
  readonly wallMs: number;
}

/** A failed, cancelled or disallowed-skipped test, for the report. */
export interface FailureLine {
  readonly name: string;
  readonly location?: string;
  readonly reason: string;
}

/** One kernel's verdict. */
export interface LaneSummary {
  readonly lane: string;
  readonly release?: string;
  readonly passed: number;
  readonly failed: number;
  readonly cancelled: number;
  readonly skipped: number;
  readonly todo: number;
  /** Skip reason -> how many tests skipped with it. */
  readonly skipReasons: ReadonlyMap<string, number>;
  /** Skips that name no allowed absence (counted in `skipped` too, and failing the lane). */
  readonly disallowedSkips: readonly FailureLine[];
  readonly failures: readonly FailureLine[];
  /** Run-level trouble: timeouts, VM failures, cut-off output, exit codes that disagree with the output. */
  readonly problems: readonly string[];
  /** Where the parsed counts and node's own counters disagree (parser self-check; does not fail the lane). */
  readonly notes: readonly string[];
  readonly wallMs: number;
  readonly ok: boolean;
}

/** The feature a requireFeature skip names (`kernel lacks X (needs >= Y)` -> X), or undefined. */
export function skippedFeature(reason: string | undefined): string | undefined {
  const m = /^kernel lacks (.+?)(?: \(needs >= [^)]*\))?$/.exec(reason ?? '');
  return m ? m[1] : undefined;
}

function testName(r: TapTestResult): string {
  return r.path.join(' > ');
}

/** Sums the guests of one kernel into a verdict. */
export function summarizeLane(run: LaneRun): LaneSummary {
  let passed = 0;
  let failed = 0;
  let cancelled = 0;
  let skipped = 0;
  let todo = 0;
  const skipReasons = new Map<string, number>();
  const disallowedSkips: FailureLine[] = [];
  const failures: FailureLine[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const allowed = new Set(run.knownAbsentFeatures);
  for (const guest of run.guests) {
    const where = run.guests.length > 1 ? `shard ${guest.shard}/${run.guests.length}: ` : '';
    const counts = { pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0, suiteFail: 0 };
    for (const r of guest.report.results) {
      const line = (reason: string): FailureLine => ({
        name: testName(r),
        ...(r.location !== undefined ? { location: r.location } : {}),
        reason,
      });
      if (r.isSuite) {
        // a suite fails on its own only through a hook; its tests are reported (and counted) separately
        if (r.status === 'failed' && r.failureType !== 'subtestsFailed') {
          failures.push(line(`${r.failureType ?? 'failed'}: ${r.reason ?? ''}`.trim()));
          counts.suiteFail++;
        }
        continue;
      }
      switch (r.status) {
        case 'passed':
          passed++;
          counts.pass++;
          break;
        case 'failed':
          failed++;
          counts.fail++;
          failures.push(line(r.reason ?? r.failureType ?? 'failed'));
          break;
        case 'cancelled':
          cancelled++;
          counts.cancelled++;
          failures.push(line(`cancelled (${r.failureType ?? '?'}): ${r.reason ?? ''}`.trim()));
          break;
        case 'skipped': {
          skipped++;
          counts.skipped++;
          const reason = r.reason ?? '(no reason given)';
          skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
          const feature = skippedFeature(r.reason);
          if (feature === undefined || !allowed.has(feature)) {
            disallowedSkips.push(line(`skip not allowed in lane ${run.lane}: ${reason}`));
          }
          break;
        }
        case 'todo':
          todo++;
          counts.todo++;
          break;
      }
    }
    if (guest.problem !== undefined) problems.push(`${where}${guest.problem}`);
    else if (guest.timedOut) problems.push(`${where}guest timed out`);
    const totals = guest.report.totals;
    if (guest.problem === undefined && !guest.timedOut && guest.exitCode !== null) {
      if (!totals)
        problems.push(`${where}output ended before node's final counters (exit ${guest.exitCode})`);
      const anyFailure = counts.fail + counts.cancelled + counts.suiteFail > 0;
      if (guest.exitCode !== 0 && !anyFailure) {
        problems.push(`${where}exit code ${guest.exitCode} but no failed test in the output`);
      }
      if (guest.exitCode === 0 && anyFailure) problems.push(`${where}exit code 0 despite failed tests`);
    }
    if (totals) {
      const theirs = [totals.pass, totals.fail, totals.cancelled, totals.skipped, totals.todo].join('/');
      const ours = [counts.pass, counts.fail, counts.cancelled, counts.skipped, counts.todo].join('/');
      if (theirs !== ours)
        notes.push(`${where}node counted pass/fail/cancelled/skipped/todo ${theirs}, parsed ${ours}`);
    }
  }
  if (run.guests.length === 0) problems.push('no guest ran');
  else if (passed === 0 && problems.length + failures.length + disallowedSkips.length === 0) {
    problems.push('no test passed');
  }
  const ok = failures.length === 0 && disallowedSkips.length === 0 && problems.length === 0;
  return {
    lane: run.lane,
    ...(run.release !== undefined ? { release: run.release } : {}),
    passed,
    failed,
    cancelled,
    skipped,
    todo,
    skipReasons,
    disallowedSkips,
    failures,
    problems,
    notes,
    wallMs: run.wallMs,
    ok,
  };
}

/** `1h02m03s`, `6m05s` or `42.1s`. */
export function formatDuration(ms: number): string {
  const totalSec = Math.max(0, ms) / 1000;
  if (totalSec < 60) return `${totalSec.toFixed(1)}s`;
  const s = Math.round(totalSec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${sec}s` : `${m}m${sec}s`;
}

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The summary printed at the end: one table row per kernel, then skip reasons, failures and problems. */
export function formatSummary(summaries: readonly LaneSummary[], totalWallMs: number): string {
  const rows: string[][] = [
    ['kernel', 'release', 'passed', 'failed', 'cancelled', 'skipped', 'todo', 'wall', 'result'],
  ];
  for (const s of summaries) {
    rows.push([
      s.lane,
      s.release ?? '?',
      String(s.passed),
      String(s.failed),
      String(s.cancelled),
      String(s.skipped),
      String(s.todo),
      formatDuration(s.wallMs),
      s.ok ? 'PASS' : 'FAIL',
    ]);
  }
  const out = ['', '== kernel matrix ==', ...table(rows, new Set([2, 3, 4, 5, 6, 7]))];
  for (const s of summaries) {
    const details: string[] = [];
    for (const [reason, n] of [...s.skipReasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
      details.push(`  skipped ${n}x: ${reason}`);
    }
    for (const f of [...s.failures, ...s.disallowedSkips]) {
      details.push(`  FAIL ${f.name}${f.location ? ` (${f.location})` : ''}: ${f.reason}`);
    }
    for (const p of s.problems) details.push(`  PROBLEM ${p}`);
    for (const n of s.notes) details.push(`  note: ${n}`);
    if (details.length > 0) out.push('', `-- ${s.lane}${s.release ? ` (${s.release})` : ''}`, ...details);
  }
  const passedLanes = summaries.filter((s) => s.ok).length;
  out.push('', `${passedLanes}/${summaries.length} kernels passed in ${formatDuration(totalWallMs)}`);
  return out.join('\n');
}
