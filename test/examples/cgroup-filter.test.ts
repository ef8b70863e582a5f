/**
 * cgroup-filter example: a shell moved into a fresh child cgroup of /sys/fs/cgroup/unified execs
 * /bin/sleep, which is reported with the shell's pid; execs outside the cgroup (/bin/true) are not.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cgroup2Mount } from '../../examples/lib/cgroup.js';
import { type RunningExample, startExample } from './helpers.js';

const CGROUP_ROOT = cgroup2Mount();

/** Runs a shell that joins `cgroup` and execs `/bin/sleep 0`; adds its pid to `pids`; resolves when it exited. */
function execInside(cgroup: string, pids: Set<number>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', `echo $$ > ${join(cgroup, 'cgroup.procs')} && exec /bin/sleep 0`], {
      stdio: 'ignore',
    });
    if (child.pid !== undefined) pids.add(child.pid);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`shell in cgroup exited with ${code}`)),
    );
  });
}

/** The first group of `re` in the example's stderr, polled until it appears (the example is killed after 30 s). */
async function stderrMatch(ex: RunningExample, re: RegExp): Promise<string> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    const group = re.exec(ex.stderr())?.[1];
    if (group !== undefined) return group;
    await new Promise((r) => setTimeout(r, 100));
  }
  ex.child.kill('SIGKILL');
  throw new Error(`timeout waiting for ${re} on stderr:\n${ex.stderr()}`);
}

describe('cgroup-filter', () => {
  const cgroup = join(CGROUP_ROOT, `ebpf-ts-cgroup-filter-${process.pid}`);
  before(() => mkdirSync(cgroup));
  after(() => rmdirSync(cgroup));

  it('reports execs inside the cgroup only', async () => {
    const ex = startExample('cgroup-filter', ['--cgroup', cgroup]);
    const pids = new Set<number>();
    let stopped = false;
    const trigger = (async () => {
      while (!stopped) {
        await execInside(cgroup, pids);
        spawnSync('/bin/true');
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const m = await ex.waitFor(/^pid=(\d+) ppid=\d+ comm=sleep filename=\/bin\/sleep$/);
      assert.ok(pids.has(Number(m[1])), `pid ${m[1]} is not one of the shells moved into the cgroup`);
    } finally {
      stopped = true;
      await trigger;
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
    for (const line of ex
      .stdout()
      .split('\n')
      .filter((l) => l !== '')) {
      assert.match(line, /^pid=\d+ ppid=\d+ comm=sleep filename=\/bin\/sleep$/, 'an exec outside the cgroup');
    }
  });

  it('without --cgroup creates a temporary cgroup, reports execs in it, and removes it at exit', async () => {
    const ex = startExample('cgroup-filter');
    let temporary = '';
    const pids = new Set<number>();
    try {
      temporary = await stderrMatch(
        ex,
        /^created cgroup (\S+) \(removed at exit\); move a shell into it with: echo \$\$ > \1\/cgroup\.procs$/m,
      );
      assert.ok(temporary.startsWith(`${CGROUP_ROOT}/`), ex.stderr());
      let stopped = false;
      const trigger = (async () => {
        while (!stopped) {
          await execInside(temporary, pids);
          await new Promise((r) => setTimeout(r, 200));
        }
      })();
      try {
        const m = await ex.waitFor(/^pid=(\d+) ppid=\d+ comm=sleep filename=\/bin\/sleep$/);
        assert.ok(pids.has(Number(m[1])), `pid ${m[1]} is not one of the shells moved into the cgroup`);
      } finally {
        stopped = true;
        await trigger;
      }
    } finally {
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
    assert.equal(existsSync(temporary), false, 'the temporary cgroup is removed at exit');
    assert.match(ex.stderr(), new RegExp(`^removed cgroup ${temporary}$`, 'm'));
  });

  it('fails clearly for a missing cgroup', async () => {
    const ex = startExample('cgroup-filter', ['--cgroup', join(CGROUP_ROOT, 'no-such-cgroup-here')]);
    assert.equal(await ex.exited(), 1);
    assert.match(ex.stderr(), /^error: cgroup \S+no-such-cgroup-here: ENOENT$/m);
  });
});
