import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnToFiles } from '../../scripts/vmtest/spawn-process.js';

const dir = mkdtempSync(join(tmpdir(), 'vmtest-spawn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function options(name: string, extra: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  return {
    cwd: dir,
    env: process.env,
    timeoutMs: extra.timeoutMs ?? 10_000,
    stdoutFile: join(dir, `${name}.out`),
    stderrFile: join(dir, `${name}.err`),
    ...(extra.signal ? { signal: extra.signal } : {}),
  };
}

/** True once `pid` has exited (a zombie waiting for a slow reaper counts as exited). */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z /.test(stat)) return true;
    } catch {
      return true;
    }
    await sleep(20);
  }
  return false;
}

describe('spawnToFiles', () => {
  it('returns the exit code and both streams, and writes them to the files', async () => {
    const res = await spawnToFiles('sh', ['-c', 'echo out; echo err >&2; exit 3'], options('codes'));
    assert.equal(res.exitCode, 3);
    assert.equal(res.exitSignal, null);
    assert.equal(res.timedOut, false);
    assert.equal(res.aborted, false);
    assert.equal(res.stdout, 'out\n');
    assert.equal(res.stderr, 'err\n');
    assert.equal(readFileSync(join(dir, 'codes.out'), 'utf8'), 'out\n');
    assert.equal(readFileSync(join(dir, 'codes.err'), 'utf8'), 'err\n');
  });

  it('hands out whole lines, the last one even without a newline', async () => {
    const lines: string[] = [];
    await spawnToFiles('sh', ['-c', 'printf "a\\nb"; printf "c\\n" >&2'], {
      ...options('lines'),
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    assert.deepEqual(lines.sort(), ['stderr:c', 'stdout:a', 'stdout:b']);
  });

  it('kills the whole process group at the time limit (grandchildren too)', async () => {
    let grandchild = 0;
    const res = await spawnToFiles('sh', ['-c', 'sleep 30 & echo $!; wait'], {
      ...options('timeout', { timeoutMs: 300 }),
      onLine: (_s, line) => {
        grandchild = Number(line);
      },
    });
    assert.equal(res.timedOut, true);
    assert.equal(res.exitSignal, 'SIGTERM');
    assert.ok(grandchild > 0);
    assert.ok(await gone(grandchild), `sleep ${grandchild} survived`);
    assert.ok(res.wallMs < 5000);
  });

  it('kills the group when the signal aborts, and at once when it already has', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const res = await spawnToFiles('sh', ['-c', 'sleep 30'], options('abort', { signal: ac.signal }));
    assert.equal(res.aborted, true);
    assert.equal(res.timedOut, false);
    assert.equal(res.exitSignal, 'SIGTERM');
    const early = await spawnToFiles('sh', ['-c', 'sleep 30'], options('abort2', { signal: ac.signal }));
    assert.equal(early.aborted, true);
  });

  it('rejects when the command cannot be started', async () => {
    await assert.rejects(spawnToFiles('/nonexistent/cmd', [], options('enoent')), /ENOENT/);
  });
});
