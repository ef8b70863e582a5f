/**
 * lifecycle example: pins survive the pinning process (the pinned link keeps counting this test's execs),
 * can be reopened by another process, and are gone after unpin.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runExampleToEnd } from './helpers.js';

const DIR = `ebpf-ts-lifecycle-test-${process.pid}`;
const PATH = `/sys/fs/bpf/${DIR}`;

describe('examples/lifecycle', () => {
  it('pins, survives exit, reopens and unpins', async () => {
    const pin = await runExampleToEnd('lifecycle', ['--stage', 'pin', '--dir', DIR]);
    try {
      assert.equal(pin.code, 0, pin.stderr);
      assert.match(pin.stdout, new RegExp(`^pinned map=${PATH}/exec_count .* link_id=\\d+$`, 'm'));
      assert.deepEqual(readdirSync(PATH).sort(), ['count_execs', 'count_execs_link', 'exec_count']);

      // The pinning process has exited; the pinned link still counts.
      for (let i = 0; i < 3; i++) execFileSync('/bin/true');
      const reopen = await runExampleToEnd('lifecycle', ['--stage', 'reopen', '--dir', DIR, '--json']);
      assert.equal(reopen.code, 0, reopen.stderr);
      const r = JSON.parse(reopen.stdout) as { stage: string; execs: string; link_id: number };
      assert.equal(r.stage, 'reopened');
      assert.ok(BigInt(r.execs) >= 3n, reopen.stdout);
      const linkId = Number(/link_id=(\d+)/.exec(pin.stdout)?.[1]);
      assert.equal(r.link_id, linkId);
    } finally {
      const unpin = await runExampleToEnd('lifecycle', ['--stage', 'unpin', '--dir', DIR]);
      assert.equal(unpin.code, 0, unpin.stderr);
      assert.equal(unpin.stdout, `unpinned dir=${PATH}\n`);
    }
    assert.equal(existsSync(PATH), false);

    const again = await runExampleToEnd('lifecycle', ['--stage', 'reopen', '--dir', DIR]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: .*ENOENT/m);
  });

  it('--stage all does the three steps in one run', async () => {
    const r = await runExampleToEnd('lifecycle', ['--dir', `${DIR}-all`]);
    assert.equal(r.code, 0, r.stderr);
    const stages = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    assert.deepEqual(stages, ['pinned', 'reopened', 'unpinned']);
    assert.equal(existsSync(`${PATH}-all`), false);
  });

  it('rejects a bad --stage and a --dir with a slash', async () => {
    const bad = await runExampleToEnd('lifecycle', ['--stage', 'nope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: --stage must be one of pin, reopen, unpin, all$/m);
    const slash = await runExampleToEnd('lifecycle', ['--dir', '../x']);
    assert.equal(slash.code, 1);
    assert.match(slash.stderr, /^error: invalid --dir/m);
  });
});
