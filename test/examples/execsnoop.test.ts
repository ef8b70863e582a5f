/** execsnoop: an exec of /bin/true by this process is reported with its pid, this process as parent, and uid. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { startExample } from './helpers.js';

it('execsnoop reports an exec of /bin/true with pid, ppid, uid and comm', async () => {
  const ex = startExample('execsnoop');
  try {
    await ex.waitFor(/^tracing execve/);
    const pids = new Set<number>();
    const timer = setInterval(() => {
      const r = spawnSync('/bin/true');
      if (r.pid) pids.add(r.pid);
    }, 100);
    try {
      const m = await ex.waitFor(
        new RegExp(`^pid=(\\d+) ppid=${process.pid} uid=(\\d+) comm=true file=/(usr/)?bin/true$`),
      );
      assert.ok(pids.has(Number(m[1])), `pid ${m[1]} is one of the children`);
      assert.equal(Number(m[2]), process.getuid?.());
    } finally {
      clearInterval(timer);
    }
  } finally {
    assert.equal(await ex.stop(), 0);
  }
});
