/** xdp-counter example: UDP datagrams to 127.0.0.1 are counted by the XDP program on lo. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { type RunningExample, runCli, runExampleToEnd, startExample } from './helpers.js';

/** Sends `n` UDP datagrams to 127.0.0.1:`port`. */
async function sendUdp(n: number, port = 9): Promise<void> {
  const s = createSocket('udp4');
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) =>
      s.send('ping', port, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
    );
  }
  s.close();
}

/**
 * Starts the example once its first tick shows it attached. Only one XDP program can be attached to lo in
 * generic mode; when another test's example holds it (EBUSY), wait and retry.
 */
async function startAttached(args: string[]): Promise<RunningExample> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ex = startExample('xdp-counter', args);
    try {
      await ex.waitFor(/ lo packets=\d+$/);
      return ex;
    } catch (e) {
      const busy = /another XDP program is attached/.test(ex.stderr());
      await ex.stop();
      if (!busy || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Runs the example to its end, retrying while another XDP program holds lo. */
async function runToEndAttached(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await runExampleToEnd('xdp-counter', args);
    if (!/another XDP program is attached/.test(r.stderr) || Date.now() > deadline) return r;
    await new Promise((res) => setTimeout(res, 1000));
  }
}

describe('examples/xdp-counter', () => {
  it('counts UDP packets sent to 127.0.0.1 on lo', async () => {
    const ex = await startAttached(['--interface', 'lo']);
    try {
      await sendUdp(20);
      const m = await ex.waitFor(/ lo packets=([1-9]\d*)$/);
      assert.ok(Number(m[1]) >= 20, `expected at least 20 packets, got ${m[1]}`);
    } finally {
      assert.equal(await ex.stop(), 0);
    }
  });

  it('stops by itself after --duration and prints JSON ticks', async () => {
    const timer = setInterval(() => void sendUdp(2), 200);
    const r = await runToEndAttached(['--duration', '3', '--json']).finally(() => clearInterval(timer));
    assert.equal(r.code, 0, r.stderr);
    const ticks = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { interface: string; packets: number });
    assert.ok(ticks.length >= 1, r.stdout);
    assert.equal(ticks[0]?.interface, 'lo');
    assert.ok((ticks.at(-1)?.packets ?? 0) > 0, r.stdout);
  });

  it('`ebpf-ts examples/xdp-counter --duration 3` prints non-zero counts while UDP goes to loopback', async () => {
    const timer = setInterval(() => void sendUdp(2), 100);
    let r: Awaited<ReturnType<typeof runCli>>;
    try {
      const deadline = Date.now() + 60_000;
      do r = await runCli(['examples/xdp-counter', '--duration', '3'], 60_000);
      while (/another XDP program is attached/.test(r.stderr) && Date.now() < deadline);
    } finally {
      clearInterval(timer);
    }
    assert.equal(r.code, 0, r.stderr);
    const counts = r.stdout
      .trim()
      .split('\n')
      .map((l) => {
        const m = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z lo packets=(\d+)$/.exec(l);
        assert.ok(m, `tick line: ${l}`);
        return Number(m[1]);
      });
    assert.ok(counts.length >= 1, r.stdout);
    assert.ok(
      counts.every((n) => n > 0),
      `every tick counts the UDP traffic: ${counts.join(', ')}`,
    );
  });

  it('fails with a one-line error for an unknown interface', async () => {
    const r = await runExampleToEnd('xdp-counter', ['--interface', 'nosuch0', '--duration', '1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: .*nosuch0.*not found/m);
  });
});
