/**
 * exitsnoop example: a shell exiting with code 3 shows up with its exit code; SIGINT stops the example cleanly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { startExample } from './helpers.js';

it('exitsnoop reports `sh -c "exit 3"` with code 3', async () => {
  const ex = startExample('exitsnoop');
  // Keep exiting shells until one is seen: the example needs a moment to load and attach.
  const trigger = setInterval(() => spawnSync('sh', ['-c', 'exit 3']), 200);
  try {
    const m = await ex.waitFor(/^pid=(\d+) ppid=\d+ comm=sh duration_ms=[\d.]+ code=3$/);
    assert.ok(Number(m[1]) > 0);
  } finally {
    clearInterval(trigger);
  }
  assert.equal(await ex.stop(), 0, ex.stderr());
});

it('exitsnoop --json reports the signal that killed a process', async () => {
  const ex = startExample('exitsnoop', ['--json']);
  const trigger = setInterval(() => spawnSync('sh', ['-c', 'kill -9 $$']), 200);
  try {
    const m = await ex.waitFor(/^\{.*"signal":9,.*"comm":"sh"\}$/);
    const e = JSON.parse(m[0]) as { signal: number; exit_code: number; duration_ns: string };
    assert.equal(e.signal, 9);
    assert.equal(e.exit_code, 0);
    assert.match(e.duration_ns, /^\d+$/);
  } finally {
    clearInterval(trigger);
  }
  assert.equal(await ex.stop(), 0, ex.stderr());
});
