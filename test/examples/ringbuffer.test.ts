/** ringbuffer: an execve by this process (of /bin/true) comes through the ring buffer, decoded by the generated codec. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { startExample } from './helpers.js';

it('ringbuffer reports an execve of /bin/true by this process', async () => {
  const ex = startExample('ringbuffer');
  try {
    await ex.waitFor(/^waiting for execve events/);
    const pids = new Set<number>();
    const timer = setInterval(() => {
      const r = spawnSync('/bin/true');
      if (r.pid) pids.add(r.pid);
    }, 100);
    try {
      // At sys_enter_execve the child still runs this process's image: comm is still ours.
      const m = await ex.waitFor(/^pid=(\d+) uid=(\d+) comm=\S+ file=\/bin\/true$/);
      assert.ok(pids.has(Number(m[1])), `pid ${m[1]} is one of the children`);
      assert.equal(Number(m[2]), process.getuid?.());
    } finally {
      clearInterval(timer);
    }
  } finally {
    assert.equal(await ex.stop(), 0);
  }
});
