import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatDuration,
  formatSummary,
  type GuestOutcome,
  type LaneRun,
  skippedFeature,
  summarizeLane,
} from '../../scripts/vmtest/summary.js';
import type { TapReport, TapTestResult, TapTotals } from '../../scripts/vmtest/tap.js';

function result(
  path: string,
  status: TapTestResult['status'],
  extra: Partial<TapTestResult> = {},
): TapTestResult {
  return { path: path.split(' > '), status, isSuite: false, ...extra };
}

function totals(pass: number, fail: number, cancelled = 0, skipped = 0, todo = 0): TapTotals {
  return {
    tests: pass + fail + cancelled + skipped + todo,
    suites: 0,
    pass,
    fail,
    cancelled,
    skipped,
    todo,
    durationMs: 1,
  };
}

function guest(
  results: TapTestResult[],
  exitCode: number | null,
  extra: Partial<GuestOutcome> = {},
): GuestOutcome {
  const counts = (s: TapTestResult['status']) => results.filter((r) => !r.isSuite && r.status === s).length;
  const report: TapReport = {
    results,
    diagnostics: [],
    totals: totals(
      counts('passed'),
      counts('failed'),
      counts('cancelled'),
      counts('skipped'),
      counts('todo'),
    ),
  };
  return { shard: 1, files: ['test/a.test.ts'], exitCode, timedOut: false, wallMs: 1000, report, ...extra };
}

function lane(guests: GuestOutcome[], knownAbsentFeatures: string[] = ['hardware perf events']): LaneRun {
  return { lane: 'trixie', release: '6.12.117+deb13-amd64', knownAbsentFeatures, guests, wallMs: 61_000 };
}

describe('summarizeLane', () => {
  it('a clean run passes', () => {
    const s = summarizeLane(
      lane([guest([result('a', 'passed'), result('b', 'passed'), result('c', 'todo')], 0)]),
    );
    assert.equal(s.ok, true);
    assert.deepEqual([s.passed, s.failed, s.cancelled, s.skipped, s.todo], [2, 0, 0, 0, 1]);
    assert.deepEqual([s.failures, s.problems, s.notes, s.disallowedSkips], [[], [], [], []]);
  });

  it('counts failures and cancellations with their reason and location; suites only for hook failures', () => {
    const s = summarizeLane(
      lane([
        guest(
          [
            result('s > a', 'failed', { reason: 'boom', location: 'x.ts:1:1' }),
            result('s > b', 'cancelled', { reason: 'timed out', failureType: 'testTimeoutFailure' }),
            result('s', 'failed', {
              isSuite: true,
              failureType: 'subtestsFailed',
              reason: '2 subtests failed',
            }),
            result('h', 'failed', { isSuite: true, failureType: 'hookFailed', reason: 'hook broke' }),
          ],
          1,
        ),
      ]),
    );
    assert.equal(s.ok, false);
    assert.deepEqual([s.passed, s.failed, s.cancelled], [0, 1, 1]);
    assert.deepEqual(s.failures, [
      { name: 's > a', location: 'x.ts:1:1', reason: 'boom' },
      { name: 's > b', reason: 'cancelled (testTimeoutFailure): timed out' },
      { name: 'h', reason: 'hookFailed: hook broke' },
    ]);
    assert.deepEqual(s.problems, []);
  });

  it('groups skip reasons; an allowed absence passes, any other skip fails the lane', () => {
    const allowed = 'kernel lacks hardware perf events';
    const forbidden = 'kernel lacks kprobe (needs >= 4.1)';
    const s = summarizeLane(
      lane([
        guest(
          [
            result('p', 'passed'),
            result('hw1', 'skipped', { reason: allowed }),
            result('hw2', 'skipped', { reason: allowed }),
            result('kp', 'skipped', { reason: forbidden }),
            result('odd', 'skipped'),
          ],
          0,
        ),
      ]),
    );
    assert.equal(s.skipped, 4);
    assert.deepEqual(
      [...s.skipReasons],
      [
        [allowed, 2],
        [forbidden, 1],
        ['(no reason given)', 1],
      ],
    );
    assert.deepEqual(
      s.disallowedSkips.map((d) => d.name),
      ['kp', 'odd'],
    );
    assert.equal(s.ok, false);
    const onlyAllowed = summarizeLane(
      lane([guest([result('p', 'passed'), result('hw', 'skipped', { reason: allowed })], 0)]),
    );
    assert.equal(onlyAllowed.ok, true);
  });

  const problemCases: [string, GuestOutcome, RegExp][] = [
    ['a guest timeout', guest([result('a', 'passed')], 124, { timedOut: true }), /guest timed out/],
    [
      'a VM failure',
      guest([], 125, { problem: 'the VM failed (exit 125): panic' }),
      /the VM failed \(exit 125\): panic/,
    ],
    [
      'output cut before the counters',
      { ...guest([result('a', 'passed')], 1), report: { results: [result('a', 'passed')], diagnostics: [] } },
      /output ended before node's final counters \(exit 1\)/,
    ],
    [
      'a non-zero exit with nothing failed',
      guest([result('a', 'passed')], 1),
      /exit code 1 but no failed test/,
    ],
    [
      'exit 0 despite a failure',
      guest([result('a', 'failed', { reason: 'x' })], 0),
      /exit code 0 despite failed tests/,
    ],
    ['nothing passed at all', guest([], 0), /no test passed/],
  ];
  for (const [what, g, expected] of problemCases) {
    it(`fails the lane on ${what}`, () => {
      const s = summarizeLane(lane([g]));
      assert.equal(s.ok, false);
      assert.ok(
        s.problems.some((p) => expected.test(p)),
        s.problems.join('; '),
      );
    });
  }

  it('fails a lane with no guest', () => {
    assert.deepEqual(summarizeLane(lane([])).problems, ['no guest ran']);
  });

  it("notes (without failing) when node's counters disagree with the parsed results", () => {
    const g = guest([result('a', 'passed')], 0);
    const s = summarizeLane(lane([{ ...g, report: { ...g.report, totals: totals(2, 0) } }]));
    assert.equal(s.ok, true);
    assert.deepEqual(s.notes, ['node counted pass/fail/cancelled/skipped/todo 2/0/0/0/0, parsed 1/0/0/0/0']);
  });

  it('adds up shards and names the shard of a problem', () => {
    const s = summarizeLane(
      lane([
        guest([result('a', 'passed'), result('b', 'passed')], 0, { shard: 1 }),
        guest([result('c', 'passed')], 124, { shard: 2, timedOut: true }),
      ]),
    );
    assert.equal(s.passed, 3);
    assert.deepEqual(s.problems, ['shard 2/2: guest timed out']);
  });
});

describe('skippedFeature', () => {
  const cases: [string | undefined, string | undefined][] = [
    ['kernel lacks kprobe (needs >= 4.1)', 'kprobe'],
    ['kernel lacks hardware perf events', 'hardware perf events'],
    ['kernel lacks helper bpf_loop in xdp programs (needs >= 5.17)', 'helper bpf_loop in xdp programs'],
    ['needs gcc', undefined],
    [undefined, undefined],
  ];
  for (const [reason, feature] of cases) {
    it(`${JSON.stringify(reason)} -> ${JSON.stringify(feature)}`, () =>
      assert.equal(skippedFeature(reason), feature));
  }
});

describe('formatDuration', () => {
  const cases: [number, string][] = [
    [0, '0.0s'],
    [42_149, '42.1s'],
    [60_000, '1m00s'],
    [365_400, '6m05s'],
    [3_723_000, '1h02m03s'],
    [-5, '0.0s'],
  ];
  for (const [ms, text] of cases) it(`${ms} ms -> ${text}`, () => assert.equal(formatDuration(ms), text));
});

describe('formatSummary', () => {
  it('prints one aligned row per kernel, then skip reasons, failures and problems', () => {
    const good = summarizeLane(
      lane([
        guest(
          [result('p', 'passed'), result('hw', 'skipped', { reason: 'kernel lacks hardware perf events' })],
          0,
        ),
      ]),
    );
    const bad = summarizeLane({
      ...lane([guest([result('s > t', 'failed', { reason: 'EINVAL', location: 'test/x.test.ts:3:1' })], 1)]),
      lane: 'sid',
      release: '7.2.13-amd64',
    });
    const text = formatSummary([good, bad], 125_000);
    assert.equal(
      text,
      [
        '',
        '== kernel matrix ==',
        'kernel  release               passed  failed  cancelled  skipped  todo   wall  result',
        'trixie  6.12.117+deb13-amd64       1       0          0        1     0  1m01s  PASS',
        'sid     7.2.13-amd64               0       1          0        0     0  1m01s  FAIL',
        '',
        '-- trixie (6.12.117+deb13-amd64)',
        '  skipped 1x: kernel lacks hardware perf events',
        '',
        '-- sid (7.2.13-amd64)',
        '  FAIL s > t (test/x.test.ts:3:1): EINVAL',
        '',
        '1/2 kernels passed in 2m05s',
      ].join('\n'),
    );
  });
});
