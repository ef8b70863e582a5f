import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, parseLaneSpec, shardsPerLane, UsageError, usageText } from '../../scripts/vmtest/args.js';
import { DEFAULT_LANE_NAMES, KERNEL_LANES, RUNNER_DEFAULTS } from '../../scripts/vmtest/config.js';

const names = (argv: string[]): string[] =>
  parseArgs(argv).lanes.map((s) => (s.abi === undefined ? s.lane.name : `${s.lane.name}:${s.abi}`));

describe('parseArgs', () => {
  it('defaults: the default lanes and the configured limits', () => {
    const o = parseArgs([]);
    assert.deepEqual(
      o.lanes.map((s) => s.lane.name),
      [...DEFAULT_LANE_NAMES],
    );
    assert.equal(o.jobs, RUNNER_DEFAULTS.jobs);
    assert.equal(o.guestTimeoutSec, RUNNER_DEFAULTS.guestTimeoutSec);
    assert.equal(o.testTimeoutMs, RUNNER_DEFAULTS.testTimeoutMs);
    assert.equal(o.memMiB, RUNNER_DEFAULTS.memMiB);
    assert.equal(o.shards, undefined);
    assert.equal(o.totalTimeoutSec, undefined);
    assert.equal(o.logDir, undefined);
    assert.deepEqual(o.paths, []);
    assert.equal(o.list, false);
    assert.equal(o.verbose, false);
    assert.equal(o.help, false);
  });

  const laneCases: [string[], string[]][] = [
    [['--kernel', 'trixie'], ['trixie']],
    [['--kernel=sid'], ['sid']],
    [
      ['--kernel', 'bookworm,trixie'],
      ['bookworm', 'trixie'],
    ],
    [
      ['--kernel', 'sid', '--kernel', 'bookworm'],
      ['sid', 'bookworm'],
    ],
    [['--kernel', 'trixie', '--kernel', 'trixie'], ['trixie']],
    [['--kernel', 'all'], KERNEL_LANES.map((l) => l.name)],
    [['--kernel', 'bookworm:6.1.0-47-amd64'], ['bookworm:6.1.0-47-amd64']],
    [
      ['--kernel', 'trixie:6.12.117+deb13-amd64', '--kernel', 'trixie'],
      ['trixie:6.12.117+deb13-amd64', 'trixie'],
    ],
  ];
  for (const [argv, expected] of laneCases) {
    it(`${argv.join(' ')} -> ${expected.join(', ')}`, () => assert.deepEqual(names(argv), expected));
  }

  it('reads every valued option, in both spellings', () => {
    const o = parseArgs([
      '--jobs',
      '3',
      '--shards=4',
      '--timeout',
      '600',
      '--total-timeout=1800',
      '--test-timeout',
      '90000',
      '--mem',
      '1024',
      '--log-dir',
      '/tmp/logs',
      '--list',
      '-v',
    ]);
    assert.equal(o.jobs, 3);
    assert.equal(o.shards, 4);
    assert.equal(o.guestTimeoutSec, 600);
    assert.equal(o.totalTimeoutSec, 1800);
    assert.equal(o.testTimeoutMs, 90_000);
    assert.equal(o.memMiB, 1024);
    assert.equal(o.logDir, '/tmp/logs');
    assert.equal(o.list, true);
    assert.equal(o.verbose, true);
  });

  it('takes positional test paths, and everything after -- as paths', () => {
    assert.deepEqual(parseArgs(['test/maps', '--kernel', 'sid', 'test/prog']).paths, [
      'test/maps',
      'test/prog',
    ]);
    assert.deepEqual(parseArgs(['--', '--odd-name.test.ts']).paths, ['--odd-name.test.ts']);
  });

  it('-h and --help ask for help', () => {
    assert.equal(parseArgs(['-h']).help, true);
    assert.equal(parseArgs(['--help']).help, true);
  });

  const bad: [string[], RegExp][] = [
    [['--kernel', 'jessie'], /unknown kernel 'jessie'; known: bookworm, trixie, sid, all/],
    [['--kernel'], /--kernel needs a value/],
    [['--kernel', ''], /--kernel needs a value/],
    [['--kernel', 'sid:not an abi'], /is not a kernel ABI/],
    [['--jobs', '0'], /--jobs needs a positive integer, got '0'/],
    [['--jobs', '-1'], /--jobs needs a positive integer/],
    [['--jobs', '2.5'], /--jobs needs a positive integer/],
    [['--timeout', 'ten'], /--timeout needs a positive integer, got 'ten'/],
    [['--mem', '128'], /--mem below 256 MiB/],
    [['--shards', '99999999999999999999'], /too large/],
    [['--frobnicate'], /unknown option --frobnicate/],
    [['--list=yes'], /--list takes no value/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${JSON.stringify(argv)}`, () => {
      assert.throws(
        () => parseArgs(argv),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    });
  }
});

describe('parseLaneSpec (kernel-suite mapping)', () => {
  for (const lane of KERNEL_LANES) {
    it(`${lane.name} boots suite ${lane.suite}`, () => {
      assert.deepEqual(parseLaneSpec(lane.name), [{ lane }]);
    });
  }

  it('maps the three Debian lanes to their suites', () => {
    assert.deepEqual(
      KERNEL_LANES.map((l) => [l.name, l.suite]),
      [
        ['bookworm', 'bookworm'],
        ['trixie', 'trixie'],
        ['sid', 'sid'],
      ],
    );
  });

  it('every lane may lack hardware perf events (no PMU under TCG) and nothing the matrix exists for', () => {
    for (const lane of KERNEL_LANES) {
      assert.ok(lane.knownAbsentFeatures.includes('hardware perf events'), lane.name);
      for (const needed of ['kprobe', 'fentry', 'lsm']) assert.ok(!lane.knownAbsentFeatures.includes(needed));
    }
  });

  it('only bookworm (6.1) may lack what came after it: uprobe_multi (6.6), cgroup unix connect (6.7)', () => {
    for (const lane of KERNEL_LANES) {
      const old = lane.name === 'bookworm';
      assert.equal(lane.knownAbsentFeatures.includes('uprobe_multi'), old, lane.name);
      assert.equal(lane.knownAbsentFeatures.includes('cgroup unix connect'), old, lane.name);
    }
  });

  it('resolves against a custom lane table', () => {
    const custom = [{ name: 'x', suite: 'bookworm-backports', description: 'd', knownAbsentFeatures: [] }];
    assert.deepEqual(parseLaneSpec('x:6.12.9-amd64', custom), [{ lane: custom[0], abi: '6.12.9-amd64' }]);
    assert.throws(() => parseLaneSpec('trixie', custom), UsageError);
  });
});

describe('shardsPerLane', () => {
  const cases: [number, number, number | undefined, number][] = [
    [2, 1, undefined, 2],
    [2, 2, undefined, 1],
    [2, 3, undefined, 1],
    [4, 2, undefined, 2],
    [1, 1, undefined, 1],
    [2, 3, 3, 3],
  ];
  for (const [jobs, laneCount, shards, expected] of cases) {
    it(`jobs ${jobs}, ${laneCount} kernel(s), --shards ${shards ?? '-'} -> ${expected}`, () => {
      const lanes = KERNEL_LANES.slice(0, laneCount).map((lane) => ({ lane }));
      assert.equal(shardsPerLane({ jobs, lanes, ...(shards !== undefined ? { shards } : {}) }), expected);
    });
  }
});

describe('usageText', () => {
  it('lists every lane and option', () => {
    const text = usageText();
    for (const lane of KERNEL_LANES)
      assert.match(text, new RegExp(`\\b${lane.name}\\b.*suite ${lane.suite}`));
    for (const opt of [
      '--kernel',
      '--jobs',
      '--shards',
      '--timeout',
      '--total-timeout',
      '--test-timeout',
      '--mem',
      '--log-dir',
      '--list',
    ]) {
      assert.ok(text.includes(opt), opt);
    }
  });
});

describe('--live', () => {
  it('is off by default (guests run a frozen copy) and on with --live', () => {
    assert.equal(parseArgs([]).live, false);
    assert.equal(parseArgs(['--live']).live, true);
  });
});
