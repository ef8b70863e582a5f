/**
 * Unit tests of the benchmark harness's pure parts: median, option parsing, result pairing and the table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FULL_PARAMS, QUICK_PARAMS } from '../../bench/lib/cases.js';
import { clockFor } from '../../bench/lib/clock.js';
import { parseOptions, selected } from '../../bench/lib/options.js';
import { type BenchReport, compare, formatJson, formatTable } from '../../bench/lib/report.js';
import { median, timeReps } from '../../bench/lib/stats.js';

describe('median', () => {
  const cases: Array<[number[], number]> = [
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1000], 10],
  ];
  for (const [xs, want] of cases)
    it(`median(${xs.join(',')}) = ${want}`, () => assert.equal(median(xs), want));

  it('rejects an empty list', () => assert.throws(() => median([]), /no samples/));
});

describe('timeReps', () => {
  it('runs one warmup plus reps timed repetitions and returns ns per op of each, on the given clock', () => {
    const calls: number[] = [];
    let now = 0;
    const samples = timeReps(
      (n) => calls.push(n),
      7,
      7,
      3,
      () => (now += 14),
    );
    assert.deepEqual(calls, [7, 7, 7, 7]);
    assert.deepEqual(samples, [2, 2, 2]);
  });
});

describe('clockFor', () => {
  it('wall: advances like performance.now()', () => {
    const wall = clockFor('wall');
    const t0 = wall();
    const p0 = performance.now();
    while (performance.now() - p0 < 20) {
      // busy wait
    }
    const elapsedMs = (wall() - t0) / 1e6;
    const expectedMs = performance.now() - p0;
    // Generous bounds: this catches wrong units or origins, not scheduling jitter on a busy machine.
    assert.ok(
      elapsedMs > expectedMs / 2 && elapsedMs < expectedMs * 2 + 10,
      `wall clock: ${elapsedMs} ms, performance.now: ${expectedMs} ms`,
    );
  });

  it('cpu: advances while this thread computes, never faster than wall time', () => {
    const cpu = clockFor('cpu');
    const wall = clockFor('wall');
    const c0 = cpu();
    const w0 = wall();
    while (cpu() - c0 < 10e6) {
      if (wall() - w0 > 10e9) assert.fail('thread CPU clock did not advance 10 ms within 10 s');
    }
    const cpuNs = cpu() - c0;
    const wallNs = wall() - w0;
    assert.ok(cpuNs <= wallNs + 1e6, `thread CPU time ${cpuNs} ns exceeds wall time ${wallNs} ns`);
  });
});

describe('parseOptions', () => {
  it('defaults to the full run, table output, every case', () => {
    const o = parseOptions([]);
    assert.deepEqual(o.params, FULL_PARAMS);
    assert.equal(o.json, false);
    assert.equal(o.clock, 'wall');
    assert.deepEqual(o.filters, []);
  });

  it('reads --quick, --json, --clock, --rounds and repeated or comma-separated --filter', () => {
    const o = parseOptions([
      '--quick',
      '--json',
      '--clock',
      'cpu',
      '--rounds',
      '3',
      '--filter',
      'hash-lookup,array',
      '--filter',
      'floor',
    ]);
    assert.deepEqual(o.params, { ...QUICK_PARAMS, rounds: 3 });
    assert.equal(o.json, true);
    assert.equal(o.clock, 'cpu');
    assert.deepEqual(o.filters, ['hash-lookup', 'array', 'floor']);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--frobnicate'], /unknown option/],
    [['--filter'], /needs a case name/],
    [['--filter', 'nosuchcase'], /no case matches nosuchcase/],
    [['--rounds', '0'], /positive integer/],
    [['--rounds', 'x'], /positive integer/],
    [['--clock', 'sundial'], /--clock needs one of wall, cpu/],
    [['--clock'], /--clock needs one of/],
  ];
  for (const [argv, re] of bad)
    it(`rejects ${argv.join(' ')}`, () => assert.throws(() => parseOptions(argv), re));
});

describe('selected', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['hash-lookup', [], true],
    ['hash-lookup', ['hash'], true],
    ['array-update', ['hash'], false],
    ['hash-batch-lookup', ['array', 'batch'], true],
  ];
  for (const [name, filters, want] of cases)
    it(`${name} with [${filters.join(',')}] -> ${want}`, () => assert.equal(selected(name, filters), want));
});

describe('compare and formatting', () => {
  const base = { case: 'hash-lookup', variant: 'raw', kind: 'single', unit: 'lookup', target: 1.2 } as const;

  it('pairs rounds: the ratio is the median of per-round ratios', () => {
    const r = compare(
      base,
      { nsPerOp: 200, roundsNs: [110, 200, 330] },
      { nsPerOp: 200, roundsNs: [100, 200, 300] },
    );
    assert.equal(r.ratio, 1.1);
    assert.equal(r.withinTarget, true);
  });

  it('marks a ratio above its target, and has no verdict without a target', () => {
    assert.equal(
      compare(base, { nsPerOp: 3, roundsNs: [3] }, { nsPerOp: 2, roundsNs: [2] }).withinTarget,
      false,
    );
    const floor = compare(
      { ...base, target: undefined },
      { nsPerOp: 3, roundsNs: [3] },
      { nsPerOp: 2, roundsNs: [2] },
    );
    assert.equal(floor.withinTarget, undefined);
  });

  it('rejects unpaired rounds', () => {
    assert.throws(
      () => compare(base, { nsPerOp: 1, roundsNs: [1, 1] }, { nsPerOp: 1, roundsNs: [1] }),
      /unpaired/,
    );
  });

  it('renders a table row per result and round-trips through JSON', () => {
    const report: BenchReport = {
      meta: {
        date: 'd',
        node: 'v20',
        kernel: 'k',
        cpus: 2,
        loadAvg: [0.5, 1],
        params: QUICK_PARAMS,
        clock: 'wall',
      },
      results: [compare(base, { nsPerOp: 1500, roundsNs: [1500] }, { nsPerOp: 1000, roundsNs: [1000] })],
    };
    const table = formatTable(report);
    assert.match(table, /hash-lookup\s+raw\s+1500\.0\s+1000\.0\s+1\.50x\s+<=1\.2x\s+NO/);
    assert.deepEqual(JSON.parse(formatJson(report)), report);
  });
});
