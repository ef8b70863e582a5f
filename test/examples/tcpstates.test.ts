/**
 * tcpstates example: TCP connections on 127.0.0.1 and ::1 show their transitions (SYN_SENT -> ESTABLISHED on
 * the client, LISTEN -> SYN_RECV on the server, ... -> CLOSE) with times; SIGINT stops the example cleanly.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startExample } from './helpers.js';

/** A server that accepts and closes at once. */
function listen(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.end());
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      resolve({ server, port: addr.port });
    });
  });
}

/** Connects to host:port and closes once the server has closed its side. */
function connectOnce(host: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    const c = connect(port, host);
    c.on('error', () => resolve());
    c.on('end', () => c.end());
    c.on('close', () => resolve());
    c.resume();
  });
}

describe('tcpstates', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.close();
  });
  let v4: number;
  let v6: number;
  before(async () => {
    const a = await listen('127.0.0.1');
    const b = await listen('::1');
    servers.push(a.server, b.server);
    v4 = a.port;
    v6 = b.port;
  });

  it('shows the transitions of connections on 127.0.0.1 and ::1', async () => {
    const ex = startExample('tcpstates');
    let stopped = false;
    const trigger = (async () => {
      while (!stopped) {
        await connectOnce('127.0.0.1', v4);
        await connectOnce('::1', v6);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const ms = '(\\d+\\.\\d{3})';
      const v4Client = await ex.waitFor(
        new RegExp(`ipv4 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${v4} SYN_SENT -> ESTABLISHED ms=${ms}$`),
      );
      assert.ok(Number(v4Client[1]) >= 0);
      await ex.waitFor(
        new RegExp(`ipv4 127\\.0\\.0\\.1:${v4} -> 127\\.0\\.0\\.1:\\d+ LISTEN -> SYN_RECV ms=`),
      );
      await ex.waitFor(new RegExp(`ipv4 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${v4} \\w+ -> CLOSE ms=`));
      await ex.waitFor(
        new RegExp(`ipv6 \\[::1\\]:\\d+ -> \\[::1\\]:${v6} SYN_SENT -> ESTABLISHED ms=${ms}$`),
      );
      await ex.waitFor(new RegExp(`ipv6 \\[::1\\]:${v6} -> \\[::1\\]:\\d+ LISTEN -> SYN_RECV ms=`));
    } finally {
      stopped = true;
      await trigger;
    }
    assert.equal(await ex.stop(), 0, ex.stderr());
  });

  it('--json gives one object per transition', async () => {
    const ex = startExample('tcpstates', ['--json']);
    let stopped = false;
    const trigger = (async () => {
      while (!stopped) {
        await connectOnce('::1', v6);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const m = await ex.waitFor(
        new RegExp(`^\\{.*"dport":${v6},"old":"SYN_SENT","new":"ESTABLISHED".*\\}$`),
      );
      const e = JSON.parse(m[0]) as Record<string, unknown>;
      assert.equal(e.family, 6);
      assert.equal(e.saddr, '::1');
      assert.equal(e.daddr, '::1');
      assert.equal(typeof e.ms, 'number');
    } finally {
      stopped = true;
      await trigger;
    }
    assert.equal(await ex.stop(), 0, ex.stderr());
  });
});
