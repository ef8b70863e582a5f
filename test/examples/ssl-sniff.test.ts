/**
 * ssl-sniff: `openssl s_client` talks HTTPS to `openssl s_server -www` on 127.0.0.1 with a throwaway
 * self-signed certificate; the example must show the request the client wrote and the response it read,
 * in plaintext.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startExample } from './helpers.js';

let dir: string;
let server: ChildProcess | undefined;
let port: number;

/** A TCP port free on 127.0.0.1 right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once something accepts connections on 127.0.0.1:`p`. */
async function listening(p: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(p, '127.0.0.1', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${p}`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssl-sniff-'));
  const cert = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  assert.equal(cert.status, 0, 'openssl req made a self-signed certificate');
  port = await freePort();
  server = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      `127.0.0.1:${port}`,
      '-cert',
      join(dir, 'cert.pem'),
      '-key',
      join(dir, 'key.pem'),
      '-www',
    ],
    { stdio: 'ignore' },
  );
  await listening(port);
});

after(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

it('ssl-sniff shows the plaintext of an HTTPS request and response on loopback', async () => {
  const path = `/ssl-sniff-${process.pid}-${Date.now()}`;
  const ex = startExample('ssl-sniff');
  try {
    await ex.waitFor(/^probing SSL_write\/SSL_read in \S+libssl/);
    const request = new RegExp(
      `^pid=(\\d+) comm=openssl WRITE len=\\d+ data="GET ${path} HTTP/1.0\\\\r\\\\n\\\\r\\\\n"$`,
    );
    let seen = false;
    const found = ex.waitFor(request).finally(() => {
      seen = true;
    });
    for (let i = 0; i < 5 && !seen; i++) {
      spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-quiet'], {
        input: `GET ${path} HTTP/1.0\r\n\r\n`,
        stdio: ['pipe', 'ignore', 'ignore'],
        timeout: 10_000,
      });
      await Promise.race([found, new Promise((r) => setTimeout(r, 500))]);
    }
    const m = await found;
    // The same client read the server's answer.
    await ex.waitFor(new RegExp(`^pid=${m[1]} comm=openssl READ len=\\d+ data="HTTP/1.0 200 ok\\\\r\\\\n`));
  } finally {
    assert.equal(await ex.stop(), 0);
  }
});
