/**
 * helloworld example: with `--pid` set to a shell that keeps writing, the bpf_printk lines read back from
 * trace_pipe name that shell, and only it (the pid_filter constant was rewritten before load).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { startExample } from './helpers.js';

describe('examples/helloworld', () => {
  it('prints trace_pipe lines for write(2) calls of the filtered pid only', async () => {
    const writer = spawn('sh', ['-c', 'while :; do echo hello > /dev/null; sleep 0.1; done'], {
      stdio: 'ignore',
    });
    const pid = writer.pid;
    assert.ok(pid !== undefined);
    const ex = startExample('helloworld', ['--pid', String(pid)]);
    try {
      // trace_pipe may still hold lines an earlier run left unread (another example printing for any pid):
      // they come first, so everything from our writer's first line on must be the writer's
      const m = await ex.waitFor(
        new RegExp(`pid=(\\d+) cpu=\\d+: BPF triggered sys_enter_write from PID ${pid}\\.$`),
      );
      assert.equal(Number(m[1]), pid);
    } finally {
      assert.equal(await ex.stop(), 0);
      writer.kill();
    }
    const lines = ex.stdout().trim().split('\n');
    const first = lines.findIndex((l) => l.endsWith(`from PID ${pid}.`));
    assert.ok(first >= 0);
    for (const l of lines.slice(first)) assert.match(l, new RegExp(`from PID ${pid}\\.$`));
  });

  it('prints JSON lines with --json', async () => {
    const writer = spawn('sh', ['-c', 'while :; do echo hello > /dev/null; sleep 0.1; done'], {
      stdio: 'ignore',
    });
    const ex = startExample('helloworld', ['--pid', String(writer.pid), '--json']);
    try {
      // skip lines an earlier run may have left in trace_pipe (see above)
      const m = await ex.waitFor(new RegExp(`^(\\{.*"pid":${writer.pid},.*"message":"BPF triggered.*)$`));
      const first = JSON.parse(m[1] ?? '') as {
        pid: number;
        task: string;
        message: string;
      };
      assert.equal(first.pid, writer.pid);
      assert.equal(first.task, 'sh');
    } finally {
      assert.equal(await ex.stop(), 0);
      writer.kill();
    }
  });

  it('rejects a bad --pid with a one-line error', async () => {
    const ex = startExample('helloworld', ['--pid', 'abc']);
    assert.equal(await ex.exited(), 1);
    assert.match(ex.stderr(), /^error: invalid --pid abc$/m);
  });
});
