/**
 * Kernel tests: the life of a Link — pinning keeps the program attached after close, `loadPinned` and
 * `fromId` reopen it, `unpin` lets it go; `update` swaps the program in place; `detach` ends the attachment
 * while the descriptor stays open; a link keeps its program loaded after the Program is closed.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, openSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { cgroup2Mount } from '../../examples/lib/cgroup.js';
import { isNotSupportedError } from '../../src/errors.js';
import { attachCgroup, attachXDP, Link, rawTracepoint, tracepoint } from '../../src/link/index.js';
import { AttachType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { type CounterMap, count, counterMap, counterProgram } from './helpers.js';

checkFdLeaks();

const PIN = `/sys/fs/bpf/ebpfts-link-test-${process.pid}`;

// the cgroup v2 mount point: /sys/fs/cgroup/unified here, /sys/fs/cgroup in kernel-matrix guests
const CGROUP_ROOT = cgroup2Mount();

async function sendUdp(n: number): Promise<void> {
  const s = createSocket('udp4');
  try {
    for (let i = 0; i < n; i++)
      await new Promise<void>((res, rej) =>
        s.send(Buffer.from('x'), 9, '127.0.0.1', (e) => (e ? rej(e) : res())),
      );
  } finally {
    s.close();
  }
}

function openSomething(times = 3): void {
  for (let i = 0; i < times; i++) closeSync(openSync('/proc/self/stat', 'r'));
}

describe('link lifecycle', () => {
  let map: CounterMap;
  let other: CounterMap;
  before(() => {
    map = counterMap();
    other = counterMap('link_other');
  });
  after(() => {
    map.close();
    other.close();
  });

  it('a pinned link stays attached after close until unpinned', () => {
    using prog = counterProgram(map, ProgramType.RAW_TRACEPOINT, { pid: process.pid });
    const link = rawTracepoint({ name: 'sys_enter', program: prog });
    const id = link.info().id;
    link.pin(PIN);
    assert.equal(link.pinnedPath, PIN);
    link.close();
    prog.close();

    let start = count(map);
    openSomething();
    assert.ok(count(map) - start >= 3n, 'still attached through the pin');

    const reopened = Link.loadPinned(PIN);
    assert.equal(reopened.info().id, id);
    assert.equal(reopened.pinnedPath, PIN);
    using byId = Link.fromId(id);
    assert.equal(byId.info().programId, reopened.info().programId);
    reopened.unpin();
    assert.equal(existsSync(PIN), false);
    reopened.unpin(); // no-op
    reopened.close();
    byId.close();

    start = count(map);
    openSomething();
    assert.equal(count(map), start, 'detached once the last reference is gone');
  });

  it('loadPinned refuses paths that are not links', () => {
    assert.throws(() => Link.loadPinned('/sys/fs/bpf/ebpfts-no-such-pin'), /open pinned/);
  });

  it('update() swaps the program atomically', async () => {
    const egress = { returns: 1, attachType: AttachType.CGROUP_INET_EGRESS };
    using first = counterProgram(map, ProgramType.CGROUP_SKB, egress);
    using second = counterProgram(other, ProgramType.CGROUP_SKB, egress);
    using link = attachCgroup({ path: CGROUP_ROOT, attach: AttachType.CGROUP_INET_EGRESS, program: first });
    const a0 = count(map);
    await sendUdp(2);
    assert.ok(count(map) - a0 >= 2n);

    link.update(second, { expected: first });
    assert.equal(link.info().programId, second.info().id);
    const a1 = count(map);
    const b1 = count(other);
    await sendUdp(2);
    assert.equal(count(map), a1, 'old program no longer runs');
    assert.ok(count(other) - b1 >= 2n, 'new program runs');

    assert.throws(() => link.update(first, { expected: first }), /link update: EPERM/);
  });

  it('update() of a perf event link says the kernel cannot do it', () => {
    using prog = counterProgram(map, ProgramType.TRACEPOINT);
    using link = tracepoint('syscalls', 'sys_enter_openat', prog);
    assert.throws(
      () => link.update(prog),
      (e: unknown) => isNotSupportedError(e) && e.feature === 'update of perf_event links',
    );
  });

  it('detach() ends the attachment but keeps the descriptor usable', async () => {
    using prog = counterProgram(map, ProgramType.XDP, { returns: 2 });
    using link = attachXDP({ program: prog, interface: 'lo', flags: 'generic' });
    link.detach();
    const start = count(map);
    await sendUdp(2);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(count(map), start);
    assert.equal(link.info().typeName, 'xdp');
    link.close();
  });

  it('detach() of a raw tracepoint link says the kernel cannot do it', () => {
    using prog = counterProgram(map, ProgramType.RAW_TRACEPOINT);
    using link = rawTracepoint({ name: 'sys_enter', program: prog });
    assert.throws(
      () => link.detach(),
      (e: unknown) => isNotSupportedError(e) && /detach of raw_tracepoint/.test(e.message),
    );
  });

  it('the link keeps its program alive after the Program is closed', () => {
    const prog = counterProgram(map, ProgramType.TRACEPOINT, { pid: process.pid });
    using link = tracepoint('syscalls', 'sys_enter_openat', prog);
    prog.close();
    const start = count(map);
    openSomething();
    assert.ok(count(map) - start >= 3n);
    assert.match(String(link), /tracepoint syscalls\/sys_enter_openat/);
  });

  it('legacy PROG_ATTACH links cannot be pinned, updated or described', () => {
    using prog = counterProgram(map, ProgramType.CGROUP_SKB, {
      returns: 1,
      attachType: AttachType.CGROUP_INET_EGRESS,
    });
    using link = attachCgroup({
      path: CGROUP_ROOT,
      attach: AttachType.CGROUP_INET_EGRESS,
      program: prog,
      forceLegacy: true,
    });
    assert.throws(
      () => link.pin(`${PIN}-legacy`),
      (e: unknown) => isNotSupportedError(e),
    );
    assert.throws(
      () => link.update(prog),
      (e: unknown) => isNotSupportedError(e),
    );
    assert.throws(
      () => link.info(),
      (e: unknown) => isNotSupportedError(e),
    );
    assert.throws(
      () => link.fd,
      (e: unknown) => isNotSupportedError(e),
    );
  });
});
