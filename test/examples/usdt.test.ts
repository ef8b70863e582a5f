/**
 * usdt example: the HotSpot-like test program (examples/usdt/gc-probes.c, built here) fires
 * hotspot:gc__begin/gc__end; the example, attached by --pid or by --path, prints each collection with its
 * kind and a duration at least the program's sleep; SIGINT stops it cleanly. Without arguments the example
 * builds and runs the program itself.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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

  it('without --pid/--path builds and watches the bundled gc-probes.c, then stops and removes it', async () => {
    const ex = startExample('usdt', []);
    let started: RegExpMatchArray | null = null;
    try {
      const m = await ex.waitFor(/^pid=(\d+) tid=\d+ cpu=\d+ gc=(young|full) duration_ms=\d+\.\d{3}$/);
      started = /^no --pid\/--path: built and started the bundled gc-probes\.c \(pid (\d+)\)$/m.exec(
        ex.stderr(),
      );
      assert.ok(started, ex.stderr());
      assert.equal(m[1], started[1], 'events come from the bundled program');
      const file = /^tracing GCs in (\S+\/gc-probes) \(pid \d+\)/m.exec(ex.stderr());
      assert.ok(file?.[1] !== undefined && existsSync(file[1]), ex.stderr());
      started.push(file[1]);
    } finally {
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
    const pid = Number(started[1]);
    assert.throws(() => process.kill(pid, 0), /ESRCH/, 'the bundled program is stopped at exit');
    assert.equal(existsSync(started[2] as string), false, 'its build directory is removed at exit');
  });
});
