/**
 * Kernel tests: network hooks counting packets and connections the test makes on loopback — XDP (generic
 * mode on `lo`), tcx egress, cgroup_skb egress and sock_ops on the cgroup v2 root (bpf_link and legacy
 * PROG_ATTACH), sk_lookup in the current netns, and a netfilter LOCAL_OUT hook.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createConnection, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { cgroup2Mount } from '../../examples/lib/cgroup.js';
import {
  attachCgroup,
  attachNetfilter,
  attachSkLookup,
  attachTCX,
  attachXDP,
  NetfilterHook,
  NetfilterProtocol,
} from '../../src/link/index.js';
import { AttachType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { type CounterMap, count, counterMap, counterProgram, eventually } from './helpers.js';

checkFdLeaks();

// the cgroup v2 mount point: /sys/fs/cgroup/unified here, /sys/fs/cgroup in kernel-matrix guests
const CGROUP_ROOT = cgroup2Mount();
const XDP_PASS = 2;
const ALLOW = 1;
const TCX_NEXT = -1;
const NF_ACCEPT = 1;
const SK_PASS = 1;

/** Sends `n` UDP datagrams to 127.0.0.1:9 (discard). */
async function sendUdp(n: number): Promise<void> {
  const s = createSocket('udp4');
  try {
    for (let i = 0; i < n; i++)
      await new Promise<void>((res, rej) =>
        s.send(Buffer.from('ping'), 9, '127.0.0.1', (e) => (e ? rej(e) : res())),
      );
  } finally {
    s.close();
  }
}

/** Opens and closes one TCP connection over loopback. */
async function tcpRoundTrip(): Promise<void> {
  const server = createServer((c) => c.end('x'));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((res, rej) => {
    const c = createConnection(port, '127.0.0.1');
    c.on('data', () => c.end());
    c.on('close', () => res());
    c.on('error', rej);
  });
  await new Promise<void>((res) => server.close(() => res()));
}

describe('network hooks', () => {
  let map: CounterMap;
  before(() => {
    map = counterMap();
  });
  after(() => map.close());

  it('XDP generic on lo counts UDP packets to 127.0.0.1', async () => {
    using prog = counterProgram(map, ProgramType.XDP, { returns: XDP_PASS });
    const start = count(map);
    {
      using link = attachXDP({ program: prog, interface: 'lo', flags: 'generic' });
      await sendUdp(3);
      assert.ok(await eventually(() => count(map) - start >= 3n), `xdp saw ${count(map) - start}`);
      assert.deepEqual(link.info().details, { kind: 'xdp', ifindex: 1 });
    }
    const stopped = count(map);
    await sendUdp(2);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(count(map), stopped, 'nothing counted after close');
  });

  it('tcx egress on lo counts packets', async () => {
    using prog = counterProgram(map, ProgramType.SCHED_CLS, {
      returns: TCX_NEXT,
      attachType: AttachType.TCX_EGRESS,
    });
    const start = count(map);
    using link = attachTCX({ program: prog, interface: 'lo', attach: 'egress' });
    await sendUdp(3);
    assert.ok(await eventually(() => count(map) - start >= 3n));
    assert.deepEqual(link.info().details, { kind: 'tcx', ifindex: 1, attachType: AttachType.TCX_EGRESS });
  });

  for (const forceLegacy of [false, true]) {
    it(`cgroup_skb egress on the cgroup v2 root counts packets (${forceLegacy ? 'PROG_ATTACH' : 'bpf_link'})`, async () => {
      using prog = counterProgram(map, ProgramType.CGROUP_SKB, {
        returns: ALLOW,
        attachType: AttachType.CGROUP_INET_EGRESS,
      });
      const start = count(map);
      {
        using link = attachCgroup({
          path: CGROUP_ROOT,
          attach: AttachType.CGROUP_INET_EGRESS,
          program: prog,
          forceLegacy,
        });
        assert.equal(link.kind, forceLegacy ? 'prog-attach' : 'bpf-link');
        await sendUdp(3);
        assert.ok(await eventually(() => count(map) - start >= 3n));
        if (!forceLegacy) {
          const d = link.info().details;
          assert.ok(d?.kind === 'cgroup' && d.attachType === AttachType.CGROUP_INET_EGRESS);
        }
      }
      const stopped = count(map);
      await sendUdp(2);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(count(map), stopped, 'detached on close');
    });
  }

  it('sock_ops on the cgroup root sees a TCP connection', async () => {
    using prog = counterProgram(map, ProgramType.SOCK_OPS, {
      returns: 1,
      attachType: AttachType.CGROUP_SOCK_OPS,
    });
    const start = count(map);
    using _link = attachCgroup({ path: CGROUP_ROOT, attach: AttachType.CGROUP_SOCK_OPS, program: prog });
    await tcpRoundTrip();
    assert.ok(await eventually(() => count(map) > start));
  });

  it('sk_lookup in the current netns runs for incoming UDP', async () => {
    using prog = counterProgram(map, ProgramType.SK_LOOKUP, {
      returns: SK_PASS,
      attachType: AttachType.SK_LOOKUP,
    });
    const start = count(map);
    using link = attachSkLookup({ program: prog });
    await sendUdp(2);
    assert.ok(await eventually(() => count(map) - start >= 2n));
    assert.equal(link.info().details?.kind, 'netns');
  });

  it('netfilter LOCAL_OUT counts outgoing IPv4 packets', async () => {
    using prog = counterProgram(map, ProgramType.NETFILTER, {
      returns: NF_ACCEPT,
      attachType: AttachType.NETFILTER,
    });
    const start = count(map);
    using link = attachNetfilter({
      program: prog,
      protocolFamily: NetfilterProtocol.IPV4,
      hook: NetfilterHook.LOCAL_OUT,
      priority: -128,
    });
    await sendUdp(3);
    assert.ok(await eventually(() => count(map) - start >= 3n));
    assert.deepEqual(link.info().details, {
      kind: 'netfilter',
      pf: NetfilterProtocol.IPV4,
      hooknum: NetfilterHook.LOCAL_OUT,
      priority: -128,
      flags: 0,
    });
  });
});
