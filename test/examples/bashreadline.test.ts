/**
 * bashreadline: the uretprobe attached from its section name reports a line typed into an interactive bash
 * (run under `script` for a pty, since bash only calls readline() on a terminal).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadCollectionSpec } from '../../src/index.js';
import { startExample } from './helpers.js';

/** Runs an interactive bash on a pty that reads `lines` with readline(). */
function typeIntoBash(lines: string[]): void {
  spawnSync('script', ['-qc', 'bash --norc --noprofile -i', '/dev/null'], {
    input: `${lines.join('\n')}\nexit\n`,
    stdio: ['pipe', 'ignore', 'ignore'],
    timeout: 10_000,
  });
}

it('the object names its attach point in the section', () => {
  const spec = loadCollectionSpec(join(import.meta.dirname, '..', '..', 'bpf', 'bashreadline.bpf.o'));
  assert.equal(spec.programs.printret?.sectionName, 'uretprobe//bin/bash:readline');
  assert.ok(spec.maps.events);
});

it('bashreadline reports a command typed into bash', async () => {
  const command = `echo bashreadline-${process.pid}-${Date.now()}`;
  const ex = startExample('bashreadline');
  try {
    await ex.waitFor(/^attached uretprobe\/\/bin\/bash:readline/);
    let seen = false;
    const found = ex.waitFor(new RegExp(`^\\d\\d:\\d\\d:\\d\\d (\\d+) +${command}$`)).finally(() => {
      seen = true;
    });
    for (let i = 0; i < 5 && !seen; i++) {
      typeIntoBash([command]);
      await Promise.race([found, new Promise((r) => setTimeout(r, 500))]);
    }
    const m = await found;
    assert.ok(Number(m[1]) > 0);
  } finally {
    assert.equal(await ex.stop(), 0);
  }
});
