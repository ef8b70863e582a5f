/**
 * embedded example: the generated module carries the object itself (no path to read), and the program
 * loaded from it counts the execve(2) calls this test makes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startExample } from './helpers.js';

const GENERATED = join(import.meta.dirname, '..', '..', 'examples', 'embedded', 'embedded.gen.ts');

/** The highest `execve count=` printed so far. */
function latestCount(stdout: string): number {
  const counts = [...stdout.matchAll(/^execve count=(\d+)$/gm)].map((m) => Number(m[1]));
  return Math.max(-1, ...counts);
}

describe('examples/embedded', () => {
  it('the generated module embeds the object and reads no file', () => {
    const text = readFileSync(GENERATED, 'utf8');
    assert.match(text, /const embeddedObject: string = \[/);
    assert.match(text, /Regenerate with: ebpf-ts gen .*--embed/);
    assert.doesNotMatch(text, /readFileSync|node:fs|import\.meta\.url/);
  });

  it('counts execve(2) calls', async () => {
    const ex = startExample('embedded');
    try {
      await ex.waitFor(/^execve count=\d+$/);
      const before = latestCount(ex.stdout());
      for (let i = 0; i < 5; i++) execFileSync('/bin/true');
      const deadline = Date.now() + 20_000;
      while (latestCount(ex.stdout()) < before + 5 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(latestCount(ex.stdout()) >= before + 5, ex.stdout());
      assert.match(ex.stderr(), /loaded embedded object: programs=count_execs maps=exec_count/);
    } finally {
      assert.equal(await ex.stop(), 0);
    }
  });
});
