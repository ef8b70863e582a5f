/** opensnoop: an openat of a unique file by this process is reported, with the --pid filter applied in the kernel. */
import assert from 'node:assert/strict';
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { startExample } from './helpers.js';

it('opensnoop reports an openat of a unique file by the filtered pid', async () => {
  const file = join(tmpdir(), `opensnoop-${process.pid}-${Date.now()}`);
  writeFileSync(file, 'x');
  const ex = startExample('opensnoop', ['--pid', String(process.pid)]);
  try {
    await ex.waitFor(/^tracing openat of pid \d+/);
    const timer = setInterval(() => closeSync(openSync(file, 'r')), 50);
    try {
      const m = await ex.waitFor(
        new RegExp(`^pid=(\\d+) tid=\\d+ comm=(\\S+) flags=0x[0-9a-f]+ file=${file}$`),
      );
      assert.equal(Number(m[1]), process.pid);
    } finally {
      clearInterval(timer);
    }
    for (const line of ex
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('pid=')))
      assert.match(line, new RegExp(`^pid=${process.pid} `), 'only the filtered pid is reported');
  } finally {
    assert.equal(await ex.stop(), 0);
    rmSync(file, { force: true });
  }
});
