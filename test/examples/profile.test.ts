/**
 * profile example: a busy-looping test program (built here from C with frame pointers) shows up in the
 * samples, its innermost user frame symbolised from the program's ELF symbols; SIGINT stops it cleanly.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runExampleToEnd, startExample } from './helpers.js';

const BUSY_C = `
volatile unsigned long counter;
__attribute__((noinline)) void busy_spin(void) { for (;;) counter++; }
int main(void) { busy_spin(); return 0; }
`;

/** The C compiler: the project's pinned clang, else cc. */
function compiler(): string {
  for (const cc of ['clang-19', 'cc']) {
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' });
      return cc;
    } catch {
      // try the next one
    }
  }
  throw new Error('no C compiler (clang-19 or cc) to build the busy-loop test program');
}

describe('profile', () => {
  let dir: string;
  let busy: ChildProcess;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'profile-example-'));
    writeFileSync(join(dir, 'busy.c'), BUSY_C);
    execFileSync(compiler(), [
      '-O1',
      '-fno-omit-frame-pointer',
      '-o',
      join(dir, 'busy'),
      join(dir, 'busy.c'),
    ]);
    busy = spawn(join(dir, 'busy'), { stdio: 'ignore' });
  });
  after(() => {
    busy.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('--pid samples the busy loop with its symbol', async () => {
    const ex = startExample('profile', ['--pid', String(busy.pid), '--frequency', '99']);
    try {
      const m = await ex.waitFor(
        /^cpu=(\d+) pid=(\d+) comm=busy user=busy_spin\+0x[0-9a-f]+(;\S+)? kernel=\S+$/,
      );
      assert.equal(Number(m[2]), busy.pid);
    } finally {
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
    // Only the target was sampled.
    const pids = new Set(
      ex
        .stdout()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => /pid=(\d+)/.exec(l)?.[1]),
    );
    assert.deepEqual([...pids], [String(busy.pid)]);
  });

  it('samples every process; --json lists frames innermost first', async () => {
    // Collected to the end (no line-by-line waiting): sampling everything prints a lot. The first sample of
    // a node process reads node's ~185k ELF symbols (seconds), so give the busy loop's samples time to follow.
    const r = await runExampleToEnd('profile', ['--json', '--duration', '10', '--frequency', '99']);
    assert.equal(r.code, 0, r.stderr);
    const samples = r.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { pid: number; comm: string; user: string[]; kernel: string[] });
    const mine = samples.filter((s) => s.pid === busy.pid);
    assert.ok(mine.length > 0, `no sample of the busy loop among ${samples.length}`);
    assert.ok(
      samples.some((s) => s.pid !== busy.pid),
      'only the busy loop was sampled',
    );
    for (const s of mine) {
      assert.equal(s.comm, 'busy');
      assert.ok(Array.isArray(s.kernel));
    }
    assert.ok(mine.some((s) => /^busy_spin\+0x/.test(s.user[0] ?? '')));
  });
});
