/**
 * xdp-srcip example: UDP datagrams sent from 127.0.0.1 and 127.0.0.2 to 127.0.0.1 show up as two source
 * addresses in the per-source table.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { type RunningExample, startExample } from './helpers.js';

/** Sends `n` UDP datagrams from `from` (a loopback address) to 127.0.0.1:9. */
async function sendUdpFrom(from: string, n: number): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, from, resolve));
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) =>
      s.send('hi', 9, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
    );
  }
  s.close();
}

/**
 * Starts the example once its first tick shows it attached. Only one XDP program can be attached to lo in
 * generic mode; when another test's example holds it (EBUSY), wait and retry.
 */
async function startAttached(args: string[], ready: RegExp): Promise<RunningExample> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ex = startExample('xdp-srcip', args);
    try {
      await ex.waitFor(ready);
      return ex;
    } catch (e) {
      const busy = /another XDP program is attached/.test(ex.stderr());
      await ex.stop();
      if (!busy || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** The last count printed for `ip`. */
function lastCount(stdout: string, ip: string): number {
  const all = [
    ...stdout.matchAll(new RegExp(`^\\S+ lo src=${ip.replaceAll('.', '\\.')} packets=(\\d+)$`, 'gm')),
  ];
  return Number(all.at(-1)?.[1] ?? 0);
}

describe('examples/xdp-srcip', () => {
  it('counts packets per IPv4 source address', async () => {
    const ex = await startAttached(['--interface', 'lo'], / lo (src=|no IPv4)/);
    try {
      await sendUdpFrom('127.0.0.2', 5);
      await sendUdpFrom('127.0.0.3', 7);
      const deadline = Date.now() + 20_000;
      const done = (): boolean =>
        lastCount(ex.stdout(), '127.0.0.2') >= 5 && lastCount(ex.stdout(), '127.0.0.3') >= 7;
      while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      assert.ok(done(), ex.stdout());
    } finally {
      assert.equal(await ex.stop(), 0);
    }
  });

  it('prints a JSON table per tick with --json', async () => {
    const ex = await startAttached(['--json'], /^\{"time":/);
    try {
      await sendUdpFrom('127.0.0.4', 3);
      await ex.waitFor(/"127\.0\.0\.4":([3-9]|\d{2,})\b/);
      const line = ex
        .stdout()
        .split('\n')
        .find((l) => l.includes('"127.0.0.4"'));
      const tick = JSON.parse(line ?? '') as { interface: string; sources: Record<string, number> };
      assert.equal(tick.interface, 'lo');
      assert.ok((tick.sources['127.0.0.4'] ?? 0) >= 1);
    } finally {
      assert.equal(await ex.stop(), 0);
    }
  });
});
