/**
 * Kernel tests: cgroup hooks scoped to a cgroup v2 the test creates, observing a child process the test
 * moves into it — cgroup_skb egress counts exactly the child's UDP datagrams, and sock_ops sees the child's
 * TCP connect on loopback (BPF_SOCK_OPS_TCP_CONNECT_CB) — while the test process's own traffic, outside
 * the cgroup, is not counted.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { cgroup2Mount } from '../../examples/lib/cgroup.js';
import * as asm from '../../src/asm/index.js';
import { attachCgroup } from '../../src/link/index.js';
import { Program } from '../../src/prog/program.js';
import { ProgramSpec } from '../../src/prog/program-spec.js';
import { AttachType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { type CounterMap, count, counterMap, counterProgram, eventually } from './helpers.js';

checkFdLeaks();

// the cgroup v2 mount point: /sys/fs/cgroup/unified here, /sys/fs/cgroup in kernel-matrix guests
const CGROUP2 = cgroup2Mount();
const ALLOW = 1;
/** `BPF_SOCK_OPS_TCP_CONNECT_CB`: `bpf_sock_ops.op` when an active connect is about to send its SYN. */
const TCP_CONNECT_CB = 3;

/**
 * A bash child that waits for a line on stdin (so the test can move it into the cgroup first), then runs
 * `script` and exits.
 */
function waitingChild(script: string): ChildProcessWithoutNullStreams {
  return spawn('bash', ['-c', `read -r; ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Moves `child` into `cgroup`, lets it run, and waits for it to exit with status 0. */
async function runIn(cgroup: string, child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = once(child, 'exit');
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  writeFileSync(`${cgroup}/cgroup.procs`, String(child.pid));
  child.stdin.end('go\n');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, `child failed: ${stderr}`);
}

/** UDP datagrams to 127.0.0.1:9 from this (the test) process, outside the cgroup. */
async function sendUdpFromHere(n: number): Promise<void> {
  const { createSocket } = await import('node:dgram');
  const s = createSocket('udp4');
  try {
    for (let i = 0; i < n; i++)
      await new Promise<void>((res, rej) => s.send('x', 9, '127.0.0.1', (e) => (e ? rej(e) : res())));
  } finally {
    s.close();
  }
}

/** `if (ctx->op == TCP_CONNECT_CB) map[0]++; return 1;` for sock_ops. */
function connectCounter(map: CounterMap): Program {
  const { R0, R1, R2, R3, R6, R10 } = asm;
  return Program.load(
    new ProgramSpec({
      name: 'count_connect',
      type: ProgramType.SOCK_OPS,
      attachType: AttachType.CGROUP_SOCK_OPS,
      license: 'GPL',
      instructions: [
        asm.ldx(asm.Size.W, R6, R1, 0), // bpf_sock_ops.op
        asm.jmpImm(asm.JumpOp.JNE, R6, TCP_CONNECT_CB, 'out'),
        asm.st(asm.Size.W, R10, -4, 0),
        asm.mov64Reg(R2, R10),
        asm.alu64Imm(asm.AluOp.ADD, R2, -4),
        asm.loadMapPtr(R1, map.fd.raw),
        asm.call('map_lookup_elem'),
        asm.jmpImm(asm.JumpOp.JEQ, R0, 0, 'out'),
        asm.mov64Imm(R3, 1),
        asm.atomic(asm.AtomicOp.ADD, asm.Size.DW, R0, R3, 0),
        asm.mov64Imm(R0, 1).withSymbol('out'),
        asm.exit(),
      ],
    }),
  );
}

describe('cgroup hooks on a cgroup the test creates', () => {
  const cgroup = `${CGROUP2}/ebpf-ts-test-${process.pid}-${Date.now()}`;
  let map: CounterMap;
  before(() => {
    mkdirSync(cgroup);
    map = counterMap('cg_counter');
  });
  after(() => {
    map.close();
    rmdirSync(cgroup);
  });

  it("cgroup_skb egress counts exactly the datagrams of a child process in the cgroup, not the test's own", async () => {
    using prog = counterProgram(map, ProgramType.CGROUP_SKB, {
      returns: ALLOW,
      attachType: AttachType.CGROUP_INET_EGRESS,
    });
    const start = count(map);
    {
      using _link = attachCgroup({ path: cgroup, attach: AttachType.CGROUP_INET_EGRESS, program: prog });
      await sendUdpFromHere(3);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(count(map), start, 'the test process is not in the cgroup');
      // Each redirection opens a new UDP socket and sends one datagram.
      await runIn(cgroup, waitingChild('for i in 1 2 3 4 5; do echo ping > /dev/udp/127.0.0.1/9; done'));
      assert.ok(await eventually(() => count(map) - start >= 5n), `counted ${count(map) - start}`);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(count(map) - start, 5n, 'one count per datagram the child sent');
    }
    const stopped = count(map);
    await runIn(cgroup, waitingChild('echo ping > /dev/udp/127.0.0.1/9'));
    assert.equal(count(map), stopped, 'nothing counted after the link closed');
  });

  it("sock_ops sees the child's TCP connect on loopback (TCP_CONNECT_CB), not the test's own", async () => {
    using prog = connectCounter(map);
    const server: Server = createServer((c) => c.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    try {
      const start = count(map);
      using _link = attachCgroup({ path: cgroup, attach: AttachType.CGROUP_SOCK_OPS, program: prog });
      // A connection from the test process itself (outside the cgroup).
      await new Promise<void>((res, rej) => {
        const c = createConnection(port, '127.0.0.1', () => c.end());
        c.on('close', () => res());
        c.on('error', rej);
      });
      assert.equal(count(map), start, 'the test process is not in the cgroup');
      await runIn(cgroup, waitingChild(`exec 3<>/dev/tcp/127.0.0.1/${port}; exec 3>&-`));
      assert.ok(await eventually(() => count(map) - start >= 1n));
      assert.equal(count(map) - start, 1n, 'exactly one connect');
    } finally {
      await new Promise<void>((res) => server.close(() => res()));
    }
  });
});
