/**
 * Attach functions against the fake backend: the attrs they build, the fallbacks they take on old-kernel
 * errnos, the clear errors, and that a Link releases exactly what it holds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNotSupportedError } from '../../src/errors.js';
import { hostByteOrder } from '../../src/internal/bytes.js';
import { Errno } from '../../src/internal/errno.js';
import { attachCgroup, CgroupAttachFlags } from '../../src/link/cgroup.js';
import { attachIter } from '../../src/link/iter.js';
import { kprobeMulti } from '../../src/link/kprobe-multi.js';
import { Link } from '../../src/link/link.js';
import { attachNetfilter, NetfilterHook, NetfilterProtocol } from '../../src/link/netfilter.js';
import { attachTCX, attachXDP, MprogFlags, XdpFlags } from '../../src/link/network.js';
import { attachPerfEvent } from '../../src/link/perf-event.js';
import { PerfEventIoctl } from '../../src/link/perf-event-attr.js';
import type { LinkProgram } from '../../src/link/program-ref.js';
import { tracepoint } from '../../src/link/tracepoint.js';
import { attachTracing, rawTracepoint } from '../../src/link/tracing.js';
import { attachUprobeMulti } from '../../src/link/uprobe-multi.js';
import {
  LinkCreateAttr,
  LinkUpdateAttr,
  ProgAttachAttr,
  RawTracepointAttr,
} from '../../src/syscall/attr-layouts.js';
import type { SyscallBackend } from '../../src/syscall/backend.js';
import { KernelContext } from '../../src/syscall/context.js';
import { FakeBackend } from '../../src/syscall/fake-backend.js';
import { FD } from '../../src/syscall/fd.js';
import { AttachType, BpfCmd, ProgramType } from '../../src/syscall/uapi-enums.js';

const LE = hostByteOrder === 'little';

/** A fake backend that also records ioctls. */
type RecordingBackend = FakeBackend & { ioctls: Array<{ fd: number; request: number; arg: number }> };

function recordingBackend(): RecordingBackend {
  const ioctls: RecordingBackend['ioctls'] = [];
  const ioctl: SyscallBackend['ioctl'] = (fd, request, arg) => {
    ioctls.push({ fd, request, arg: Number(arg) });
    return 0;
  };
  return Object.assign(new FakeBackend(), { ioctls, ioctl });
}

function setup(): {
  backend: RecordingBackend;
  ctx: KernelContext;
  prog: (type: number, attachType?: number) => LinkProgram;
} {
  const backend = recordingBackend();
  const ctx = new KernelContext(backend);
  const prog = (type: number, attachType?: number): LinkProgram => ({
    fd: new FD(backend.newFd(), ctx, 'program'),
    type,
    attachType,
    name: 'p',
  });
  return { backend, ctx, prog };
}

function view(bytes: Uint8Array): {
  u32: (o: number) => number;
  i32: (o: number) => number;
  u64: (o: number) => bigint;
} {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    u32: (o) => dv.getUint32(o, LE),
    i32: (o) => dv.getInt32(o, LE),
    u64: (o) => dv.getBigUint64(o, LE),
  };
}

function lastCall(backend: FakeBackend, cmd: number): Uint8Array {
  const call = backend.calls.filter((c) => c.cmd === cmd).at(-1);
  assert.ok(call, `no bpf command ${cmd}`);
  return call.attr;
}

describe('attachXDP', () => {
  it('creates an XDP link on the interface index with the mode flag', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
    const p = prog(ProgramType.XDP);
    const before = backend.openFds().length;
    const link = attachXDP({ program: p, interface: 7, flags: 'generic', ctx });
    const a = view(lastCall(backend, BpfCmd.LINK_CREATE));
    assert.equal(a.u32(LinkCreateAttr.prog_fd), p.fd.raw);
    assert.equal(a.u32(LinkCreateAttr.target_ifindex), 7);
    assert.equal(a.u32(LinkCreateAttr.attach_type), AttachType.XDP);
    assert.equal(a.u32(LinkCreateAttr.flags), XdpFlags.SKB_MODE);
    assert.equal(backend.openFds().length, before + 2, 'link fd and the program duplicate');
    link.close();
    link.close();
    assert.equal(backend.openFds().length, before);
  });

  it('checks the program type and the interface before calling the kernel', () => {
    const { backend, ctx, prog } = setup();
    assert.throws(() => attachXDP({ program: prog(ProgramType.KPROBE), interface: 1, ctx }), {
      code: 'EINVAL',
    });
    assert.throws(() => attachXDP({ program: prog(ProgramType.XDP), interface: '../x', ctx }), {
      code: 'EINVAL',
    });
    assert.throws(() => attachXDP({ program: prog(ProgramType.XDP), interface: 'nosuchif0', ctx }), {
      code: 'ENODEV',
    });
    assert.equal(backend.calls.length, 0);
  });
});

describe('attachCgroup', () => {
  it('falls back to PROG_ATTACH with ALLOW_MULTI when links are refused, and detaches on close', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => -Errno.EINVAL);
    backend.on(BpfCmd.PROG_ATTACH, () => 0);
    backend.on(BpfCmd.PROG_DETACH, () => 0);
    const cgroup = new FD(backend.newFd(), ctx, 'cgroup');
    const p = prog(ProgramType.CGROUP_SKB);
    const before = backend.openFds().length;
    const link = attachCgroup({ path: cgroup, attach: AttachType.CGROUP_INET_EGRESS, program: p, ctx });
    assert.equal(link.kind, 'prog-attach');
    const a = view(lastCall(backend, BpfCmd.PROG_ATTACH));
    const target = a.u32(ProgAttachAttr.target_fd);
    assert.notEqual(target, cgroup.raw, 'the link holds its own duplicate of the cgroup fd');
    assert.equal(a.u32(ProgAttachAttr.attach_bpf_fd), p.fd.raw);
    assert.equal(a.u32(ProgAttachAttr.attach_type), AttachType.CGROUP_INET_EGRESS);
    assert.equal(a.u32(ProgAttachAttr.attach_flags), CgroupAttachFlags.ALLOW_MULTI);
    assert.throws(
      () => link.update(p),
      (e: unknown) => isNotSupportedError(e),
    );
    assert.throws(
      () => link.pin('/sys/fs/bpf/x'),
      (e: unknown) => isNotSupportedError(e),
    );
    assert.throws(
      () => link.info(),
      (e: unknown) => isNotSupportedError(e),
    );
    link.close();
    const d = view(lastCall(backend, BpfCmd.PROG_DETACH));
    assert.equal(d.u32(ProgAttachAttr.target_fd), target);
    assert.equal(d.u32(ProgAttachAttr.attach_type), AttachType.CGROUP_INET_EGRESS);
    assert.equal(backend.openFds().length, before);
    cgroup.close();
    p.fd.close();
  });

  it('reports the link error when both mechanisms fail', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => -Errno.EINVAL);
    backend.on(BpfCmd.PROG_ATTACH, () => -Errno.EINVAL);
    const cgroup = new FD(backend.newFd(), ctx, 'cgroup');
    const before = backend.openFds().length;
    const p = prog(ProgramType.CGROUP_SKB);
    assert.throws(
      () => attachCgroup({ path: cgroup, attach: AttachType.CGROUP_INET_EGRESS, program: p, ctx }),
      /link create: EINVAL/,
    );
    assert.equal(backend.openFds().length, before + 1, 'only the program fd is left');
  });
});

describe('perf event attachment', () => {
  it('uses a bpf_link with the cookie when the kernel has perf links', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
    const perf = new FD(backend.newFd(), ctx, 'perf event');
    const link = attachPerfEvent(prog(ProgramType.PERF_EVENT), perf, { cookie: 0xabcn, ctx });
    const a = view(lastCall(backend, BpfCmd.LINK_CREATE));
    assert.equal(a.u32(LinkCreateAttr.attach_type), AttachType.PERF_EVENT);
    assert.equal(a.u64(LinkCreateAttr.perf_event_bpf_cookie), 0xabcn);
    assert.notEqual(a.u32(LinkCreateAttr.target_fd), perf.raw, 'the link owns a duplicate');
    assert.deepEqual(
      backend.ioctls.map((i) => i.request),
      [PerfEventIoctl.ENABLE],
    );
    assert.equal(link.kind, 'bpf-link');
    link.close();
    perf.close();
  });

  it('falls back to PERF_EVENT_IOC_SET_BPF before 5.15, remembers it, and disables on close', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => -Errno.EINVAL);
    const p = prog(ProgramType.TRACEPOINT);
    const perf = new FD(backend.newFd(), ctx, 'perf event');
    const before = backend.openFds().length;
    const link = attachPerfEvent(p, perf, { ctx });
    assert.equal(link.kind, 'perf-event');
    const owned = link.fd.raw;
    assert.deepEqual(backend.ioctls, [
      { fd: owned, request: PerfEventIoctl.SET_BPF, arg: p.fd.raw },
      { fd: owned, request: PerfEventIoctl.ENABLE, arg: 0 },
    ]);
    assert.throws(
      () => link.update(p),
      (e: unknown) => isNotSupportedError(e) && e.minKernel === '5.15',
    );
    link.close();
    assert.deepEqual(backend.ioctls.at(-1), { fd: owned, request: PerfEventIoctl.DISABLE, arg: 0 });
    assert.equal(backend.openFds().length, before);

    const calls = backend.calls.length;
    attachPerfEvent(p, perf, { ctx }).close();
    assert.equal(backend.calls.length, calls, 'no second LINK_CREATE attempt');
    assert.throws(
      () => attachPerfEvent(p, perf, { cookie: 1, ctx }),
      (e: unknown) => isNotSupportedError(e) && e.feature === 'bpf cookie on perf events',
    );
    assert.equal(backend.openFds().length, before, 'the duplicate is closed on failure');
  });

  it('checks the program type for tracepoints first', () => {
    const { ctx, prog } = setup();
    assert.throws(() => tracepoint('syscalls', 'sys_enter_openat', prog(ProgramType.XDP), { ctx }), {
      code: 'EINVAL',
    });
    assert.throws(
      () => tracepoint('..', 'x', prog(ProgramType.TRACEPOINT), { ctx }),
      /invalid tracepoint group/,
    );
  });
});

describe('kprobeMulti', () => {
  it('passes symbols, cookies, count and the return flag', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
    const link = kprobeMulti({
      program: prog(ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI),
      symbols: ['vfs_read', 'vfs_write'],
      cookies: [1n, 2n],
      retprobe: true,
      ctx,
    });
    const raw = lastCall(backend, BpfCmd.LINK_CREATE);
    const a = view(raw);
    assert.equal(a.u32(LinkCreateAttr.attach_type), AttachType.TRACE_KPROBE_MULTI);
    assert.equal(a.u32(LinkCreateAttr.kprobe_multi_cnt), 2);
    assert.equal(a.u32(LinkCreateAttr.kprobe_multi_flags), 1);
    assert.equal(a.u64(LinkCreateAttr.kprobe_multi_addrs), 0n);
    const syms = view(backend.deref(a.u64(LinkCreateAttr.kprobe_multi_syms), 16));
    const str = (addr: bigint): string => {
      const b = backend.deref(addr, 1);
      const whole = new Uint8Array(b.buffer, b.byteOffset);
      return new TextDecoder().decode(whole.subarray(0, whole.indexOf(0)));
    };
    assert.deepEqual([str(syms.u64(0)), str(syms.u64(8))], ['vfs_read', 'vfs_write']);
    const cookies = view(backend.deref(a.u64(LinkCreateAttr.kprobe_multi_cookies), 16));
    assert.deepEqual([cookies.u64(0), cookies.u64(8)], [1n, 2n]);
    link.close();
  });

  const errnos: Array<[number, (e: unknown) => boolean]> = [
    [Errno.EOPNOTSUPP, (e) => isNotSupportedError(e) && e.feature === 'kprobe_multi'],
    [Errno.ENOTSUPP, (e) => isNotSupportedError(e)],
    [Errno.ESRCH, (e) => /not found/.test((e as Error).message)],
    [
      Errno.EINVAL,
      (e) => /kprobe_multi/.test((e as Error).message) && (e as { code?: string }).code === 'EINVAL',
    ],
  ];
  for (const [errno, check] of errnos) {
    it(`explains errno ${errno}`, () => {
      const { backend, ctx, prog } = setup();
      backend.on(BpfCmd.LINK_CREATE, () => -errno);
      assert.throws(() => kprobeMulti({ program: prog(ProgramType.KPROBE), symbols: ['x'], ctx }), check);
    });
  }

  it('validates its arguments', () => {
    const { backend, ctx, prog } = setup();
    const p = prog(ProgramType.KPROBE);
    assert.throws(() => kprobeMulti({ program: p, ctx }), { code: 'EINVAL' });
    assert.throws(() => kprobeMulti({ program: p, symbols: ['a'], addresses: [1n], ctx }), {
      code: 'EINVAL',
    });
    assert.throws(() => kprobeMulti({ program: p, symbols: ['a'], cookies: [1n, 2n], ctx }), {
      code: 'EINVAL',
    });
    assert.throws(
      () => kprobeMulti({ program: prog(ProgramType.KPROBE, AttachType.TRACE_FENTRY), symbols: ['a'], ctx }),
      /loaded with attach type/,
    );
    assert.equal(backend.calls.length, 0);
  });
});

describe('tracing', () => {
  it('creates a tracing link with the cookie', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
    attachTracing({ program: prog(ProgramType.TRACING, AttachType.TRACE_FEXIT), cookie: 5n, ctx }).close();
    const a = view(lastCall(backend, BpfCmd.LINK_CREATE));
    assert.equal(a.u32(LinkCreateAttr.attach_type), AttachType.TRACE_FEXIT);
    assert.equal(a.u64(LinkCreateAttr.tracing_cookie), 5n);
  });

  it('falls back to RAW_TRACEPOINT_OPEN without a name on old kernels', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => -Errno.EINVAL);
    backend.on(BpfCmd.RAW_TRACEPOINT_OPEN, () => backend.newFd());
    const p = prog(ProgramType.TRACING, AttachType.TRACE_FENTRY);
    attachTracing({ program: p, ctx }).close();
    const a = view(lastCall(backend, BpfCmd.RAW_TRACEPOINT_OPEN));
    assert.equal(a.u64(RawTracepointAttr.name), 0n);
    assert.equal(a.u32(RawTracepointAttr.prog_fd), p.fd.raw);
    assert.throws(
      () => attachTracing({ program: p, cookie: 1, ctx }),
      (e: unknown) => isNotSupportedError(e),
    );
  });

  it('refuses iterators and wrong program types', () => {
    const { ctx, prog } = setup();
    assert.throws(
      () => attachTracing({ program: prog(ProgramType.TRACING, AttachType.TRACE_ITER), ctx }),
      /attachIter/,
    );
    assert.throws(() => rawTracepoint({ name: 'sys_enter', program: prog(ProgramType.KPROBE), ctx }), {
      code: 'EINVAL',
    });
  });

  it('passes the raw tracepoint name', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.RAW_TRACEPOINT_OPEN, () => backend.newFd());
    rawTracepoint({ name: 'sched_switch', program: prog(ProgramType.RAW_TRACEPOINT), ctx }).close();
    const a = view(lastCall(backend, BpfCmd.RAW_TRACEPOINT_OPEN));
    assert.equal(new TextDecoder().decode(backend.deref(a.u64(RawTracepointAttr.name), 12)), 'sched_switch');
  });
});

describe('iter, tcx, netfilter, uprobe_multi', () => {
  it('passes the map of a map iterator', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
    const map = { fd: new FD(backend.newFd(), ctx, 'map') };
    attachIter({ program: prog(ProgramType.TRACING, AttachType.TRACE_ITER), map, ctx }).close();
    const a = view(lastCall(backend, BpfCmd.LINK_CREATE));
    assert.equal(a.u32(LinkCreateAttr.iter_info_len), 16);
    assert.equal(view(backend.deref(a.u64(LinkCreateAttr.iter_info), 4)).u32(0), map.fd.raw);
    assert.throws(
      () => attachIter({ program: prog(ProgramType.TRACING), map, task: { pid: 1 }, ctx }),
      /at most one/,
    );
  });

  const anchors: Array<
    [
      string,
      (p: LinkProgram) => Parameters<typeof attachTCX>[0]['anchor'],
      (p: LinkProgram) => [number, number],
    ]
  > = [
    ['append', () => undefined, () => [0, 0]],
    ['head', () => 'head', () => [MprogFlags.BEFORE, 0]],
    ['before a program', (p) => ({ before: p }), (p) => [MprogFlags.BEFORE, p.fd.raw]],
    [
      'after a link id',
      () => ({ afterId: 42, link: true }),
      () => [MprogFlags.AFTER | MprogFlags.ID | MprogFlags.LINK, 42],
    ],
  ];
  for (const [name, anchor, want] of anchors) {
    it(`tcx anchor: ${name}`, () => {
      const { backend, ctx, prog } = setup();
      backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
      const other = prog(ProgramType.SCHED_CLS);
      attachTCX({
        program: prog(ProgramType.SCHED_CLS),
        interface: 3,
        attach: 'egress',
        ...(anchor(other) === undefined
          ? {}
          : { anchor: anchor(other) as NonNullable<ReturnType<typeof anchor>> }),
        ctx,
      }).close();
      const a = view(lastCall(backend, BpfCmd.LINK_CREATE));
      assert.equal(a.u32(LinkCreateAttr.attach_type), AttachType.TCX_EGRESS);
      assert.deepEqual([a.u32(LinkCreateAttr.flags), a.u32(LinkCreateAttr.tcx_relative_fd)], want(other));
    });
  }

  it('netfilter fields', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
    attachNetfilter({
      program: prog(ProgramType.NETFILTER),
      protocolFamily: NetfilterProtocol.IPV6,
      hook: NetfilterHook.LOCAL_OUT,
      priority: -100,
      ctx,
    }).close();
    const a = view(lastCall(backend, BpfCmd.LINK_CREATE));
    assert.deepEqual(
      [
        a.u32(LinkCreateAttr.netfilter_pf),
        a.u32(LinkCreateAttr.netfilter_hooknum),
        a.i32(LinkCreateAttr.netfilter_priority),
      ],
      [10, 3, -100],
    );
  });

  it('uprobe_multi path, offsets, pid and flags', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
    attachUprobeMulti(ctx, {
      program: prog(ProgramType.KPROBE),
      path: '/bin/true',
      offsets: [0x10n, 0x20n],
      pid: 1234,
      retprobe: true,
      label: 'test',
    }).close();
    const a = view(lastCall(backend, BpfCmd.LINK_CREATE));
    assert.equal(
      new TextDecoder().decode(backend.deref(a.u64(LinkCreateAttr.uprobe_multi_path), 10)),
      '/bin/true\0',
    );
    const offs = view(backend.deref(a.u64(LinkCreateAttr.uprobe_multi_offsets), 16));
    assert.deepEqual([offs.u64(0), offs.u64(8)], [0x10n, 0x20n]);
    assert.deepEqual(
      [
        a.u32(LinkCreateAttr.uprobe_multi_cnt),
        a.u32(LinkCreateAttr.uprobe_multi_flags),
        a.u32(LinkCreateAttr.uprobe_multi_pid),
      ],
      [2, 1, 1234],
    );
  });
});

describe('Link', () => {
  it('update swaps the held program and can require the expected one', () => {
    const { backend, ctx, prog } = setup();
    backend.on(BpfCmd.LINK_CREATE, () => backend.newFd());
    backend.on(BpfCmd.LINK_UPDATE, () => 0);
    const a = prog(ProgramType.XDP);
    const b = prog(ProgramType.XDP);
    const link = attachXDP({ program: a, interface: 1, ctx });
    const open = backend.openFds().length;
    link.update(b, { expected: a });
    const u = view(lastCall(backend, BpfCmd.LINK_UPDATE));
    assert.equal(u.u32(LinkUpdateAttr.link_fd), link.fd.raw);
    assert.equal(u.u32(LinkUpdateAttr.new_prog_fd), b.fd.raw);
    assert.equal(u.u32(LinkUpdateAttr.flags), 4, 'BPF_F_REPLACE');
    assert.equal(u.u32(LinkUpdateAttr.old_prog_fd), a.fd.raw);
    assert.equal(backend.openFds().length, open, 'old duplicate closed, new one opened');
    link.close();
    assert.throws(() => link.update(b), { code: 'ECLOSED' });
    assert.throws(() => link.fd, { code: 'ECLOSED' });
  });

  it('close runs every release step and throws the first failure once', () => {
    const { ctx } = setup();
    const order: string[] = [];
    const link = new Link({
      ctx,
      kind: 'prog-attach',
      label: 'test',
      detach: () => {
        order.push('detach');
        throw new Error('detach failed');
      },
      release: [() => order.push('r1'), () => order.push('r2')],
    });
    assert.throws(() => link.close(), /detach failed/);
    assert.deepEqual(order, ['detach', 'r1', 'r2']);
    link.close();
    assert.deepEqual(order, ['detach', 'r1', 'r2']);
  });

  it('refuses a closed program', () => {
    const { ctx, prog } = setup();
    const p = prog(ProgramType.XDP);
    p.fd.close();
    assert.throws(() => attachXDP({ program: p, interface: 1, ctx }), { code: 'ECLOSED' });
  });
});
