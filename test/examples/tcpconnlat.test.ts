/**
 * tcpconnlat example (fentry on tcp_v4_connect / tcp_v6_connect / tcp_rcv_state_process). Where the kernel runs
 * fentry programs, connects to 127.0.0.1 and ::1 are reported with a latency; where it refuses them (this project's CI kernel), the
 * example exits 1 with the one-line "kernel lacks fentry" error pointing to tcpstates, and the test is skipped
 * through `requireFeature` after checking that.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadCollectionSpec, newCollection } from '../../src/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { requireFeature } from '../helpers/require-feature.js';
import { runExampleToEnd, startExample } from './helpers.js';

checkFdLeaks();

const OBJECT = new URL('../../bpf/tcpconnlat.bpf.o', import.meta.url).pathname;

/** A server that closes each connection at once; resolves with its port. */
function listen(host: string, servers: Server[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.end());
    servers.push(server);
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') reject(new Error('no port'));
      else resolve(addr.port);
    });
  });
}

/** Connects and waits for the connection to close. */
function connectOnce(host: string, port: number): Promise<void> {
  return new Promise((resolve) => {
    const c = connect(port, host);
    c.on('error', () => resolve());
    c.on('close', () => resolve());
    c.resume();
  });
}

describe('tcpconnlat', () => {
  const servers: Server[] = [];
  let v4 = 0;
  let v6 = 0;
  before(async () => {
    v4 = await listen('127.0.0.1', servers);
    v6 = await listen('::1', servers);
  });
  after(() => {
    for (const s of servers) s.close();
  });

  it('the object has the three fentry programs, the start map and the ring buffer', () => {
    const spec = loadCollectionSpec(OBJECT);
    for (const [name, target] of [
      ['on_tcp_v4_connect', 'tcp_v4_connect'],
      ['on_tcp_v6_connect', 'tcp_v6_connect'],
      ['on_tcp_rcv_state_process', 'tcp_rcv_state_process'],
    ] as const) {
      assert.equal(spec.programs[name]?.sectionName, `fentry/${target}`);
      assert.equal(spec.programs[name]?.attachTo, target);
    }
    assert.ok(spec.maps.starts);
    assert.ok(spec.maps.events);
  });

  it('reports connect latency on 127.0.0.1 and ::1, or exits with the clear error', async (t) => {
    const have = requireFeature(t, 'fentry', () => newCollection(loadCollectionSpec(OBJECT)).close());
    if (!have) {
      const r = await runExampleToEnd('tcpconnlat', []);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: kernel lacks fentry\b.*examples\/tcpstates shows the same latency.*\n$/,
      );
      assert.equal(r.stdout, '');
      return;
    }
    const ex = startExample('tcpconnlat');
    let stopped = false;
    const trigger = (async () => {
      while (!stopped) {
        await connectOnce('127.0.0.1', v4);
        await connectOnce('::1', v6);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const lat = 'latency_ms=(\\d+\\.\\d{3})';
      const m = await ex.waitFor(
        new RegExp(
          `^pid=${process.pid} comm=\\S+ ipv4 127\\.0\\.0\\.1:(\\d+) -> 127\\.0\\.0\\.1:${v4} ${lat}$`,
        ),
      );
      assert.ok(Number(m[1]) > 0, 'local port in host order');
      assert.ok(Number(m[2]) < 1000, 'a loopback connect takes well under a second');
      await ex.waitFor(
        new RegExp(`^pid=${process.pid} comm=\\S+ ipv6 \\[::1\\]:\\d+ -> \\[::1\\]:${v6} ${lat}$`),
      );
    } finally {
      stopped = true;
      await trigger;
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
  });
});
