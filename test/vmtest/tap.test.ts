import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTap, splitDirective, stripLocationPrefix, unescapeTap } from '../../scripts/vmtest/tap.js';

/** Real output of `node --test --test-reporter=tap` (Node 20) over a file with every kind of result. */
const SAMPLE = `TAP version 13
# Subtest: suite \\# one
    # Subtest: passes
    ok 1 - passes
      ---
      duration_ms: 1.342023
      ...
    # Subtest: skips
    ok 2 - skips # SKIP kernel lacks kprobe (needs >= 4.1)
      ---
      duration_ms: 0.272168
      ...
    # Subtest: fails
    not ok 3 - fails
      ---
      duration_ms: 0.49325
      location: '/tmp/a.test.mjs:5:3'
      failureType: 'testCodeFailure'
      error: |-
        boom
        second line
      code: 'ERR_TEST_FAILURE'
      stack: |-
        TestContext.<anonymous> (file:///tmp/a.test.mjs:5:31)
      ...
    # Subtest: todo one
    ok 4 - todo one # TODO
      ---
      duration_ms: 0.296123
      ...
    1..4
not ok 1 - suite \\# one
  ---
  duration_ms: 4.723802
  type: 'suite'
  location: '/tmp/a.test.mjs:2:1'
  failureType: 'subtestsFailed'
  error: '1 subtest failed'
  code: 'ERR_TEST_FAILURE'
  ...
# Subtest: hook fails
    # Subtest: child
    not ok 1 - child
      ---
      duration_ms: 0
      location: '/tmp/a.test.mjs:8:82'
      failureType: 'cancelledByParent'
      error: 'test did not finish before its parent and was cancelled'
      code: 'ERR_TEST_FAILURE'
      ...
    1..1
not ok 2 - hook fails
  ---
  duration_ms: 0.32189
  type: 'suite'
  location: '/tmp/a.test.mjs:8:1'
  failureType: 'hookFailed'
  error: 'hook broke'
  code: 'ERR_TEST_FAILURE'
  ...
# Subtest: slow
not ok 3 - slow
  ---
  duration_ms: 51.776859
  location: '/tmp/a.test.mjs:9:1'
  failureType: 'testTimeoutFailure'
  error: 'test timed out after 50ms'
  code: 'ERR_TEST_FAILURE'
  ...
# Subtest: top \\\\ backslash
ok 4 - top \\\\ backslash
  ---
  duration_ms: 0.517746
  ...
# Error: ENOENT: no such file or directory, open '/tmp/x.ts'
# Node.js v20.20.2
# Subtest: /tmp/b.test.mjs
not ok 5 - /tmp/b.test.mjs
  ---
  duration_ms: 135.985639
  location: '/tmp/b.test.mjs:1:1'
  failureType: 'testCodeFailure'
  exitCode: 1
  signal: ~
  error: 'test failed'
  code: 'ERR_TEST_FAILURE'
  ...
1..5
# tests 8
# suites 2
# pass 2
# fail 2
# cancelled 2
# skipped 1
# todo 1
# duration_ms 488.727256
`;

describe('parseTap', () => {
  const report = parseTap(SAMPLE);
  const byName = (name: string) => report.results.find((r) => r.path.at(-1) === name);

  it('reads every result with its nesting path', () => {
    assert.deepEqual(
      report.results.map((r) => r.path.join(' > ')),
      [
        'suite # one > passes',
        'suite # one > skips',
        'suite # one > fails',
        'suite # one > todo one',
        'suite # one',
        'hook fails > child',
        'hook fails',
        'slow',
        'top \\ backslash',
        '/tmp/b.test.mjs',
      ],
    );
  });

  const cases: [string, string, boolean, string | undefined][] = [
    ['passes', 'passed', false, undefined],
    ['skips', 'skipped', false, 'kernel lacks kprobe (needs >= 4.1)'],
    ['fails', 'failed', false, 'boom'],
    ['todo one', 'todo', false, undefined],
    ['suite # one', 'failed', true, '1 subtest failed'],
    ['child', 'cancelled', false, 'test did not finish before its parent and was cancelled'],
    ['hook fails', 'failed', true, 'hook broke'],
    ['slow', 'cancelled', false, 'test timed out after 50ms'],
    ['/tmp/b.test.mjs', 'failed', false, 'test failed'],
  ];
  for (const [name, status, isSuite, reason] of cases) {
    it(`classifies '${name}' as ${status}${isSuite ? ' (suite)' : ''}`, () => {
      const r = byName(name);
      assert.ok(r, `no result named ${name}`);
      assert.equal(r.status, status);
      assert.equal(r.isSuite, isSuite);
      assert.equal(r.reason, reason);
    });
  }

  it('keeps the location and failureType of failures', () => {
    assert.equal(byName('fails')?.location, '/tmp/a.test.mjs:5:3');
    assert.equal(byName('hook fails')?.failureType, 'hookFailed');
    assert.equal(byName('passes')?.location, undefined);
  });

  it("reads node's closing counters", () => {
    assert.deepEqual(report.totals, {
      tests: 8,
      suites: 2,
      pass: 2,
      fail: 2,
      cancelled: 2,
      skipped: 1,
      todo: 1,
      durationMs: 488.727256,
    });
  });

  it('keeps stray top-level comments as diagnostics', () => {
    assert.deepEqual(report.diagnostics, [
      "Error: ENOENT: no such file or directory, open '/tmp/x.ts'",
      'Node.js v20.20.2',
    ]);
  });

  it('has no totals when the stream is cut off before the counters', () => {
    const cut = SAMPLE.slice(0, SAMPLE.indexOf('# Subtest: slow'));
    const partial = parseTap(cut);
    assert.equal(partial.totals, undefined);
    assert.equal(partial.results.length, 7);
  });

  it('has no totals when results follow counter-like lines (stray output mid-run)', () => {
    const text =
      '# tests 1\n# suites 0\n# pass 1\n# fail 0\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms 1\n# Subtest: later\nok 1 - later\n';
    assert.equal(parseTap(text).totals, undefined);
  });

  it('survives a YAML block cut short and garbage lines', () => {
    const text =
      "garbage\n# Subtest: a\nnot ok 1 - a\n  ---\n  failureType: 'testCodeFailure'\n  error: 'x'\n";
    const r = parseTap(text);
    assert.equal(r.results.length, 1);
    assert.equal(r.results[0]?.status, 'failed');
    assert.equal(r.results[0]?.reason, 'x');
  });

  it('parses empty input to nothing', () => {
    assert.deepEqual(parseTap(''), { results: [], diagnostics: [] });
  });

  it('reads double-quoted and quote-escaped YAML scalars', () => {
    const text =
      "not ok 1 - a\n  ---\n  error: 'it''s broken'\n  ...\nnot ok 2 - b\n  ---\n  error: \"tab\\there\"\n  ...\n";
    assert.deepEqual(
      parseTap(text).results.map((r) => r.reason),
      ["it's broken", 'tab\there'],
    );
  });
});

describe('splitDirective', () => {
  const cases: [string, ReturnType<typeof splitDirective>][] = [
    ['plain name', { name: 'plain name' }],
    ['name # SKIP why not', { name: 'name', directive: 'SKIP', reason: 'why not' }],
    ['name # skip', { name: 'name', directive: 'SKIP' }],
    ['name # TODO later', { name: 'name', directive: 'TODO', reason: 'later' }],
    ['escaped \\# SKIP stays in the name', { name: 'escaped # SKIP stays in the name' }],
    ['issue #12 is fixed', { name: 'issue #12 is fixed' }],
    ['a \\\\# SKIP b', { name: 'a \\', directive: 'SKIP', reason: 'b' }],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.deepEqual(splitDirective(text), expected));
  }
});

describe('unescapeTap', () => {
  const cases: [string, string][] = [
    ['a\\#b', 'a#b'],
    ['a\\\\b', 'a\\b'],
    ['line\\nnext', 'line\nnext'],
    ['trailing\\', 'trailing\\'],
    ['\\q', '\\q'],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.equal(unescapeTap(input), expected));
  }
});

describe('stripLocationPrefix', () => {
  it('makes locations under the prefix relative and leaves the rest', () => {
    const report = parseTap(
      "not ok 1 - a\n  ---\n  location: '/tmp/tree/test/a.test.ts:1:2'\n  ...\nnot ok 2 - b\n  ---\n  location: '/elsewhere/b.ts:3:4'\n  ...\nok 3 - c\n",
    );
    assert.deepEqual(
      stripLocationPrefix(report, '/tmp/tree/').results.map((r) => r.location),
      ['test/a.test.ts:1:2', '/elsewhere/b.ts:3:4', undefined],
    );
    assert.equal(stripLocationPrefix(report, ''), report);
  });
});
