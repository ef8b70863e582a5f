/**
 * tcp-close example (fentry on tcp_close). Where the kernel runs fentry programs, closing connections on
 * 127.0.0.1 and ::1 are reported with their endpoints and statistics (the client received the server's bytes); where it refuses them (this project's CI kernel), the
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

const OBJECT = new URL('../../bpf/tcp-close.bpf.o', import.meta.url).pathname;

/** A server that closes each connection at once; resolves with its port. */
function listen(host: string, servers: Server[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => s.end('hello from the server\n'));
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

describe('tcp-close', () => {
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

  it('the object has the fentry program and the ring buffer', () => {
    const spec = loadCollectionSpec(OBJECT);
    assert.equal(spec.programs.on_tcp_close?.sectionName, 'fentry/tcp_close');
    assert.equal(spec.programs.on_tcp_close?.attachTo, 'tcp_close');
    assert.ok(spec.maps.events);
  });

  it('reports closes on 127.0.0.1 and ::1 with stats, or exits with the clear error', async (t) => {
    const have = requireFeature(t, 'fentry', () => newCollection(loadCollectionSpec(OBJECT)).close());
    if (!have) {
      const r = await runExampleToEnd('tcp-close', []);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: kernel lacks fentry\b.*examples\/tcpstates.*\n$/);
      assert.equal(r.stdout, '');
      return;
    }
    const ex = startExample('tcp-close');
    let stopped = false;
    const trigger = (async () => {
      while (!stopped) {
        await connectOnce('127.0.0.1', v4);
        await connectOnce('::1', v6);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      const stats = 'rx_bytes=(\\d+) acked_bytes=\\d+ segs_in=\\d+ segs_out=\\d+ retrans=\\d+ srtt_us=\\d+';
      // The client side: the test process closing its socket after the server's greeting.
      const m = await ex.waitFor(
        new RegExp(
          `^pid=${process.pid} comm=\\S+ ipv4 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${v4} ${stats}$`,
        ),
      );
      // tcp_sock.bytes_received advances with rcv_nxt, which also counts the server's FIN when it arrived
      // before the client closed (timing: seen under qemu), so the greeting length or one more
      const greeting = 'hello from the server\n'.length;
      assert.ok([greeting, greeting + 1].includes(Number(m[1])), `rx_bytes=${m[1]}`);
      await ex.waitFor(
        new RegExp(`^pid=${process.pid} comm=\\S+ ipv6 \\[::1\\]:\\d+ -> \\[::1\\]:${v6} ${stats}$`),
      );
    } finally {
      stopped = true;
      await trigger;
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
  });
});
