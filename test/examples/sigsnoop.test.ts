/** sigsnoop: a signal this process sends to a child (and one to a process that does not exist) is reported with its result. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { startExample } from './helpers.js';

it('sigsnoop reports kill(2) from this process with target, signal and return value', async () => {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const childPid = child.pid as number;
  const ex = startExample('sigsnoop');
  try {
    await ex.waitFor(/^tracing kill/);
    // Signal 0 probes without delivering; repeat until the example sees one, then really signal the child.
    const timer = setInterval(() => process.kill(childPid, 0), 100);
    try {
      await ex.waitFor(new RegExp(`^pid=${process.pid} comm=\\S+ target=${childPid} sig=0 \\(0\\) ret=0$`));
    } finally {
      clearInterval(timer);
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(childPid, 'SIGUSR1');
    await exited;
    await ex.waitFor(
      new RegExp(`^pid=${process.pid} comm=\\S+ target=${childPid} sig=10 \\(SIGUSR1\\) ret=0$`),
    );
    // A failing kill reports the error: ESRCH (-3) for a pid that does not exist.
    assert.throws(() => process.kill(childPid, 'SIGUSR2'), { code: 'ESRCH' });
    await ex.waitFor(
      new RegExp(`^pid=${process.pid} comm=\\S+ target=${childPid} sig=12 \\(SIGUSR2\\) ret=-3$`),
    );
  } finally {
    child.kill('SIGKILL');
    assert.equal(await ex.stop(), 0);
  }
});
