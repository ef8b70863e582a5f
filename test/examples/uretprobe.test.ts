/**
 * uretprobe: a line typed into an interactive bash is reported. Bash only calls readline() when its input
 * is a terminal, so the test runs `bash --norc -i` under `script` (which gives it a pty) and feeds the
 * lines through script's stdin.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { startExample } from './helpers.js';

/** Runs an interactive bash on a pty that reads `lines` with readline(). */
function typeIntoBash(lines: string[]): void {
  spawnSync('script', ['-qc', 'bash --norc --noprofile -i', '/dev/null'], {
    input: `${lines.join('\n')}\nexit\n`,
    stdio: ['pipe', 'ignore', 'ignore'],
    timeout: 10_000,
  });
}

it('uretprobe reports the lines bash readline() returns', async () => {
  const marker = `echo uretprobe-${process.pid}-${Date.now()}`;
  const ex = startExample('uretprobe');
  try {
    await ex.waitFor(/^probing readline\(\) in /);
    let seen = false;
    const found = ex.waitFor(new RegExp(`^pid=(\\d+) line="${marker}"$`)).finally(() => {
      seen = true;
    });
    for (let i = 0; i < 5 && !seen; i++) {
      typeIntoBash([marker]);
      await Promise.race([found, new Promise((r) => setTimeout(r, 500))]);
    }
    const m = await found;
    assert.ok(Number(m[1]) > 0);
    assert.match(ex.stdout(), /^pid=\d+ line="exit"$/m);
  } finally {
    assert.equal(await ex.stop(), 0);
  }
});
