/**
 * usdt example: the HotSpot-like test program (examples/usdt/gc-probes.c, built here) fires
 * hotspot:gc__begin/gc__end; the example, attached by --pid or by --path, prints each collection with its
 * kind and a duration at least the program's sleep; SIGINT stops it cleanly.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startExample } from './helpers.js';

const SOURCE = join(import.meta.dirname, '..', '..', 'examples', 'usdt', 'gc-probes.c');

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
  throw new Error('no C compiler (clang-19 or cc) to build the USDT test program');
}

describe('usdt', () => {
  let dir: string;
  let exe: string;
  let program: ChildProcess;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'usdt-example-'));
    exe = join(dir, 'gc-probes');
    execFileSync(compiler(), ['-O1', '-o', exe, SOURCE]);
    program = spawn(exe, { stdio: 'ignore' });
  });
  after(() => {
    program.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('--pid times young and full collections of the process', async () => {
    const ex = startExample('usdt', ['--pid', String(program.pid)]);
    try {
      const young = await ex.waitFor(/^pid=(\d+) tid=\d+ cpu=\d+ gc=young duration_ms=(\d+\.\d{3})$/);
      assert.equal(Number(young[1]), program.pid);
      assert.ok(Number(young[2]) >= 4.9, young[0]);
      const full = await ex.waitFor(/^pid=(\d+) tid=\d+ cpu=\d+ gc=full duration_ms=(\d+\.\d{3})$/);
      assert.ok(Number(full[2]) >= 19.9, full[0]);
    } finally {
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
  });

  it('--path --json attaches to the file for every process', async () => {
    const ex = startExample('usdt', ['--path', exe, '--json']);
    try {
      const m = await ex.waitFor(/^\{"pid":\d+,.*\}$/);
      const e = JSON.parse(m[0]) as { pid: number; kind: string; duration_ms: number };
      assert.equal(e.pid, program.pid);
      assert.match(e.kind, /^(young|full)$/);
      assert.ok(e.duration_ms > 0);
    } finally {
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
  });

  it('needs --pid or --path', async () => {
    const ex = startExample('usdt', []);
    assert.equal(await ex.exited(), 1);
    assert.match(ex.stderr(), /^error: give --pid <jvm pid> or --path/m);
  });
});
