/**
 * The BPF_PROG_LOAD log policy and error classification, against the fake backend: first load without a
 * log, retry with a growing buffer, log_true_size, caps, EAGAIN, EPERM classification and the attrs built.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exit, mov64Imm, R0 } from '../../src/asm/index.js';
import {
  isNotSupportedError,
  isSyscallError,
  isVerifierError,
  type VerifierError,
} from '../../src/errors.js';
import { Errno } from '../../src/internal/errno.js';
import { DEFAULT_LOG_SIZE, MAX_LOG_SIZE, Program, ProgramSpec } from '../../src/prog/index.js';
import {
  AttachType,
  BpfCmd,
  FakeBackend,
  KernelContext,
  ProgLoadAttr as P,
  ProgramType,
} from '../../src/syscall/index.js';

interface LoadCall {
  level: number;
  size: number;
  type: number;
  attachType: number;
  name: string;
  license: string;
  insnCnt: number;
  kernVersion: number;
}

/** Reads a NUL-terminated string at a fake address (byte by byte, as the buffer size is unknown). */
function readCString(b: FakeBackend, addr: bigint): string {
  let s = '';
  for (let i = 0n; ; i++) {
    const c = b.deref(addr + i, 1)[0] as number;
    if (c === 0) return s;
    s += String.fromCharCode(c);
  }
}

/** A fake kernel whose PROG_LOAD answers are scripted per attempt. */
function fakeKernel(
  answer: (call: LoadCall, n: number, writeLog: (s: string, trueSize?: number) => void) => number,
) {
  const backend = new FakeBackend();
  const calls: LoadCall[] = [];
  backend.on(BpfCmd.PROG_LOAD, (attr, b) => {
    const dv = new DataView(attr.buffer, attr.byteOffset);
    const cstr = (bytes: Uint8Array) => new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0)));
    const call: LoadCall = {
      level: dv.getUint32(P.log_level, true),
      size: dv.getUint32(P.log_size, true),
      type: dv.getUint32(P.prog_type, true),
      attachType: dv.getUint32(P.expected_attach_type, true),
      name: cstr(attr.subarray(P.prog_name, P.prog_name + 16)),
      license: readCString(b, dv.getBigUint64(P.license, true)),
      insnCnt: dv.getUint32(P.insn_cnt, true),
      kernVersion: dv.getUint32(P.kern_version, true),
    };
    calls.push(call);
    const writeLog = (s: string, trueSize?: number) => {
      const buf = b.deref(dv.getBigUint64(P.log_buf, true), call.size);
      const bytes = new TextEncoder().encode(s);
      const n = Math.min(bytes.byteLength, call.size - 1);
      buf.set(bytes.subarray(0, n));
      buf[n] = 0;
      if (trueSize !== undefined) dv.setUint32(P.log_true_size, trueSize, true);
    };
    return answer(call, calls.length, writeLog);
  });
  return { ctx: new KernelContext(backend), backend, calls };
}

const spec = (over: Partial<ConstructorParameters<typeof ProgramSpec>[0]> = {}) =>
  new ProgramSpec({
    name: 'count_packets',
    type: ProgramType.XDP,
    instructions: [mov64Imm(R0, 2), exit()],
    ...over,
  });

const REJECT_LOG = '0: R1=ctx() R10=fp0\n0: (b7) r0 = 2\n1: (95) exit\nR2 !read_ok\nprocessed 2 insns\n';

describe('Program.load log policy (fake backend)', () => {
  it('loads without a log when the first attempt succeeds', () => {
    const k = fakeKernel(() => k.backend.newFd());
    using prog = Program.load(spec(), { ctx: k.ctx });
    assert.ok(k.backend.openFds().includes(prog.fd.raw));
    assert.equal(prog.verifierLog, undefined);
    assert.deepEqual(
      k.calls.map((c) => [c.level, c.size]),
      [[0, 0]],
    );
  });

  it('retries a failed load with a 64 KiB level-1 log and throws VerifierError with the reason', () => {
    const { ctx, calls } = fakeKernel((c, _n, log) => {
      if (c.level === 0) return -Errno.EACCES;
      log(REJECT_LOG);
      return -Errno.EACCES;
    });
    assert.throws(
      () => Program.load(spec(), { ctx }),
      (e: unknown) => {
        assert.ok(isVerifierError(e));
        assert.match(e.message, /^program "count_packets": load: EACCES: .*R2 !read_ok$/);
        assert.doesNotMatch(e.message, /processed/);
        assert.equal(e.log, REJECT_LOG);
        assert.ok(e.log.length > e.message.length - 40);
        assert.equal(e.truncated, false);
        return true;
      },
    );
    assert.deepEqual(
      calls.map((c) => [c.level, c.size]),
      [
        [0, 0],
        [1, DEFAULT_LOG_SIZE],
      ],
    );
  });

  it('grows the buffer ×4 on ENOSPC until the log fits', () => {
    const { ctx, calls, backend } = fakeKernel((c, _n, log) => {
      if (c.level === 0) return -Errno.EINVAL;
      log('x'.repeat(300_000));
      return c.size < 300_001 ? -Errno.ENOSPC : -Errno.EINVAL;
    });
    assert.throws(
      () => Program.load(spec(), { ctx }),
      (e: unknown) => isVerifierError(e) && e.log.length === 300_000 && e.errno === Errno.EINVAL,
    );
    assert.deepEqual(
      calls.map((c) => c.size),
      [0, 65536, 262144, 1048576],
    );
    assert.ok(backend.openFds().length === 0);
  });

  it('sizes the buffer exactly from log_true_size (6.4+)', () => {
    const { ctx, calls, backend } = fakeKernel((c, _n, log) => {
      if (c.level === 0) return -Errno.EACCES;
      log('y'.repeat(99_999), 100_000);
      return c.size < 100_000 ? -Errno.ENOSPC : backend.newFd();
    });
    using prog = Program.load(spec(), { ctx });
    assert.deepEqual(
      calls.map((c) => c.size),
      [0, 65536, 100_000],
    );
    assert.equal(prog.verifierLog?.length, 99_999);
  });

  it('stops at the maximum size and reports the truncated log with the original errno', () => {
    const { ctx, calls } = fakeKernel((c, _n, log) => {
      if (c.level === 0) return -Errno.EACCES;
      log('z'.repeat(100));
      return -Errno.ENOSPC;
    });
    assert.throws(
      () => Program.load(spec(), { ctx, logSize: MAX_LOG_SIZE >> 1 }),
      (e: unknown) =>
        isVerifierError(e) && e.truncated && e.errno === Errno.EACCES && e.log === 'z'.repeat(100),
    );
    assert.deepEqual(
      calls.map((c) => c.size),
      [0, MAX_LOG_SIZE >> 1, MAX_LOG_SIZE],
    );
  });

  it('treats EINVAL for a buffer over 16 MiB as an old kernel limit', () => {
    const { ctx } = fakeKernel((c, _n, log) => {
      if (c.level === 0) return -Errno.EACCES;
      if (c.size > 0xffffff) return -Errno.EINVAL;
      log('old kernel log');
      return -Errno.ENOSPC;
    });
    assert.throws(
      () => Program.load(spec(), { ctx, logSize: 8 << 20 }),
      (e: unknown) =>
        isVerifierError(e) && e.truncated && e.log === 'old kernel log' && e.errno === Errno.EACCES,
    );
  });

  it('asks for the log on the first attempt with logLevel, and keeps it', () => {
    const { ctx, calls, backend } = fakeKernel((c, _n, log) => {
      log('verified fine\n');
      return c.level === 2 ? backend.newFd() : -Errno.EINVAL;
    });
    using prog = Program.load(spec(), { ctx, logLevel: 2, logSize: 1000 });
    assert.deepEqual(
      calls.map((c) => [c.level, c.size]),
      [[2, 1000]],
    );
    assert.equal(prog.verifierLog, 'verified fine\n');
  });

  it('makes one attempt with logDisabled', () => {
    const { ctx, calls } = fakeKernel(() => -Errno.EACCES);
    assert.throws(
      () => Program.load(spec(), { ctx, logDisabled: true }),
      (e: unknown) => isSyscallError(e) && e.errno === Errno.EACCES,
    );
    assert.equal(calls.length, 1);
  });

  it('retries EAGAIN', () => {
    const { ctx, calls, backend } = fakeKernel((_c, n) => (n < 3 ? -Errno.EAGAIN : backend.newFd()));
    Program.load(spec(), { ctx }).close();
    assert.equal(calls.length, 3);
  });

  it('builds the attr: sanitised name, license, attach type, kern_version for kprobes', () => {
    const { ctx, calls, backend } = fakeKernel(() => backend.newFd());
    backend.release = '4.19.3-foo';
    Program.load(
      spec({ name: 'kprobe/do_sys_open_long', type: ProgramType.KPROBE, license: 'Dual MIT/GPL' }),
      {
        ctx,
      },
    ).close();
    Program.load(spec({ type: ProgramType.CGROUP_SOCK_ADDR, attachType: AttachType.CGROUP_INET4_CONNECT }), {
      ctx,
    }).close();
    assert.deepEqual(calls[0], {
      level: 0,
      size: 0,
      type: ProgramType.KPROBE,
      attachType: 0,
      name: 'kprobe_do_sys_o',
      license: 'Dual MIT/GPL',
      insnCnt: 2,
      kernVersion: 0x041303,
    });
    assert.equal(calls[1]?.attachType, AttachType.CGROUP_INET4_CONNECT);
    assert.equal(calls[1]?.kernVersion, 0);
  });

  it('loadAsync runs the same policy through bpfAsync', async () => {
    const { ctx, calls, backend } = fakeKernel((c, _n, log) => {
      if (c.level === 0) return -Errno.EACCES;
      log('R0 !read_ok\n');
      return -Errno.EACCES;
    });
    let asyncCalls = 0;
    const orig = backend.bpfAsync.bind(backend);
    backend.bpfAsync = (cmd, attr, size) => {
      asyncCalls++;
      return orig(cmd, attr, size);
    };
    await assert.rejects(Program.loadAsync(spec(), { ctx }), (e: VerifierError) =>
      /R0 !read_ok/.test(e.message),
    );
    assert.equal(asyncCalls, 2);
    assert.equal(calls.length, 2);
  });
});

describe('Program.load EPERM classification (fake backend)', () => {
  const fentry = spec({ type: ProgramType.TRACING, attachType: AttachType.TRACE_FENTRY, attachBtfId: 42 });

  it('EPERM for a non-tracing program is a SyscallError with a privilege hint', () => {
    const { ctx } = fakeKernel(() => -Errno.EPERM);
    assert.throws(
      () => Program.load(spec(), { ctx }),
      (e: unknown) =>
        isSyscallError(e) && /^program "count_packets": load: EPERM: needs CAP_BPF/.test(e.message),
    );
  });

  it('EPERM for fentry while tracing loads reach the verifier is NotSupportedError(fentry)', () => {
    const { ctx, calls } = fakeKernel((c, _n, log) => {
      if (c.attachType === AttachType.TRACE_RAW_TP) {
        log('Tracing programs must provide btf_id\n');
        return -Errno.EINVAL;
      }
      return -Errno.EPERM;
    });
    assert.throws(
      () => Program.load(fentry, { ctx }),
      (e: unknown) =>
        isNotSupportedError(e) &&
        e.feature === 'fentry' &&
        e.minKernel === '5.5' &&
        /lockdown or an LSM/.test(e.message) &&
        isSyscallError(e.cause),
    );
    assert.equal(calls.at(-1)?.attachType, AttachType.TRACE_RAW_TP);
  });

  it('EPERM for fentry when the tracing probe is refused too is a SyscallError (privileges)', () => {
    const { ctx } = fakeKernel(() => -Errno.EPERM);
    assert.throws(
      () => Program.load(fentry, { ctx }),
      (e: unknown) => isSyscallError(e) && e.errno === Errno.EPERM && /CAP_PERFMON/.test(e.message),
    );
  });

  it('EPERM for lsm on a kernel without tracing programs is NotSupportedError(tracing programs)', () => {
    const { ctx } = fakeKernel((c) => (c.type === ProgramType.TRACING ? -Errno.EINVAL : -Errno.EPERM));
    assert.throws(
      () => Program.load(spec({ type: ProgramType.LSM, attachType: AttachType.LSM_MAC }), { ctx }),
      (e: unknown) => isNotSupportedError(e) && e.feature === 'tracing programs',
    );
  });

  it('EINVAL without a log hints at attributes the kernel does not know', () => {
    const { ctx } = fakeKernel(() => -Errno.EINVAL);
    assert.throws(
      () => Program.load(spec(), { ctx }),
      (e: unknown) => isSyscallError(e) && /unknown program type/.test(e.message),
    );
  });
});
