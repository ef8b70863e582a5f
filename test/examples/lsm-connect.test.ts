/**
 * lsm-connect example (BPF LSM on socket_connect). Where the kernel runs BPF LSM programs, a connect to the
 * `--block` address fails with EPERM and is reported, while 127.0.0.1 still connects; where it refuses them
 * (this project's CI kernel), the example exits 1 with the one-line "kernel lacks lsm" error, and the test is
 * skipped through `requireFeature` after checking that.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadCollectionSpec, NotSupportedError, newCollection } from '../../src/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { requireFeature } from '../helpers/require-feature.js';
import { runExampleToEnd, startExample } from './helpers.js';

checkFdLeaks();

const OBJECT = new URL('../../bpf/lsm-connect.bpf.o', import.meta.url).pathname;
const BLOCKED = '127.0.0.2';

/** The error code of a connect to host:port, or 'connected'. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const c = connect(port, host);
    c.on('connect', () => {
      c.destroy();
      resolve('connected');
    });
    c.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('lsm-connect', () => {
  let server: Server;
  let port = 0;
  before(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    port = addr.port;
  });
  after(() => server.close());

  it('the object has the LSM program, the constant and the ring buffer', () => {
    const spec = loadCollectionSpec(OBJECT);
    assert.equal(spec.programs.restrict_connect?.sectionName, 'lsm/socket_connect');
    assert.equal(spec.programs.restrict_connect?.attachTo, 'socket_connect');
    assert.ok(spec.variables.blocked_addr);
    assert.ok(spec.maps.events);
  });

  it('rejects a --block that is not an IPv4 address', async () => {
    const r = await runExampleToEnd('lsm-connect', ['--block', 'example.com']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: --block needs an IPv4 address, got "example\.com"\n$/);
  });

  it('refuses connects to --block (default 127.0.0.2) with EPERM, or exits with the clear error', async (t) => {
    const have = requireFeature(t, 'lsm', () => {
      newCollection(loadCollectionSpec(OBJECT)).close();
      // Loadable but inactive: without "bpf" among the active LSMs the hook never runs.
      let active: string | undefined;
      try {
        active = readFileSync('/sys/kernel/security/lsm', 'latin1');
      } catch {
        active = undefined;
      }
      if (active !== undefined && !active.trim().split(',').includes('bpf'))
        throw new NotSupportedError('lsm', '5.7', `"bpf" is not an active LSM (${active.trim()})`);
    });
    if (!have) {
      const r = await runExampleToEnd('lsm-connect', ['--duration', '20']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: kernel lacks (BPF )?lsm\b.*\n$/i);
      assert.equal(r.stdout, '');
      return;
    }
    const ex = startExample('lsm-connect'); // the default --block is BLOCKED
    try {
      // Until the program is attached the connect succeeds; retry until refused.
      let result = '';
      for (let i = 0; i < 100 && result !== 'EPERM'; i++) {
        result = await tryConnect(BLOCKED, port);
        if (result !== 'EPERM') await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(result, 'EPERM');
      await ex.waitFor(
        new RegExp(`^blocked pid=${process.pid} comm=\\S+ daddr=127\\.0\\.0\\.2 dport=${port}$`),
      );
      assert.equal(await tryConnect('127.0.0.1', port), 'connected');
    } finally {
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
    // Detached: allowed again.
    assert.equal(await tryConnect(BLOCKED, port), 'connected');
  });
});
