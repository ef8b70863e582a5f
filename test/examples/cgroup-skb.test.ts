/** cgroup-skb example: UDP datagrams this test sends leave through the root cgroup's egress hook and are counted. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { runExampleToEnd, startExample } from './helpers.js';

/** Sends `n` UDP datagrams of `size` bytes to 127.0.0.1:9. */
async function sendUdp(n: number, size: number): Promise<void> {
  const s = createSocket('udp4');
  const payload = Buffer.alloc(size, 0x61);
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) =>
      s.send(payload, 9, '127.0.0.1', (e) => (e ? reject(e) : resolve())),
    );
  }
  s.close();
}

/** The last `[packets, bytes]` printed. */
function latest(stdout: string): [number, number] {
  const all = [...stdout.matchAll(/^cgroup=\S+ egress packets=(\d+) bytes=(\d+)$/gm)];
  const m = all.at(-1);
  return m ? [Number(m[1]), Number(m[2])] : [-1, -1];
}

describe('examples/cgroup-skb', () => {
  it('counts egress packets and bytes of the root cgroup', async () => {
    const ex = startExample('cgroup-skb');
    try {
      await ex.waitFor(/^cgroup=\/sys\/fs\/cgroup\/unified egress packets=\d+ bytes=\d+$/);
      const [p0, b0] = latest(ex.stdout());
      await sendUdp(10, 100);
      const deadline = Date.now() + 20_000;
      while (latest(ex.stdout())[0] < p0 + 10 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      const [p1, b1] = latest(ex.stdout());
      assert.ok(p1 >= p0 + 10, ex.stdout());
      // Each datagram is 100 bytes of payload plus UDP and IPv4 headers.
      assert.ok(b1 >= b0 + 10 * 128, ex.stdout());
    } finally {
      assert.equal(await ex.stop(), 0);
    }
  });

  it('fails with a one-line error for a missing cgroup', async () => {
    const r = await runExampleToEnd('cgroup-skb', ['--cgroup', '/nonexistent-cgroup', '--duration', '1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cgroup \/nonexistent-cgroup: open: ENOENT$/m);
  });
});
