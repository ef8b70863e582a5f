/**
 * BPF_PROG_TEST_RUN attr building and the ENOSPC retry, against the fake backend.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exit, mov64Imm, R0 } from '../../src/asm/index.js';
import { isEbpfError, isSyscallError } from '../../src/errors.js';
import { Errno } from '../../src/internal/errno.js';
import { Program, ProgramSpec } from '../../src/prog/index.js';
import {
  BpfCmd,
  FakeBackend,
  KernelContext,
  ProgramType,
  ProgTestRunAttr as T,
} from '../../src/syscall/index.js';

interface RunCall {
  dataIn: number;
  dataOut: number;
  ctxIn: number;
  ctxOut: number;
  repeat: number;
}

function fakeProgram(type: ProgramType, answer: (c: RunCall, attr: DataView, b: FakeBackend) => number) {
  const backend = new FakeBackend();
  const calls: RunCall[] = [];
  backend.on(BpfCmd.PROG_LOAD, (_a, b) => b.newFd());
  backend.on(BpfCmd.PROG_TEST_RUN, (attr, b) => {
    const dv = new DataView(attr.buffer, attr.byteOffset);
    const c: RunCall = {
      dataIn: dv.getUint32(T.data_size_in, true),
      dataOut: dv.getUint32(T.data_size_out, true),
      ctxIn: dv.getUint32(T.ctx_size_in, true),
      ctxOut: dv.getUint32(T.ctx_size_out, true),
      repeat: dv.getUint32(T.repeat, true),
    };
    calls.push(c);
    return answer(c, dv, b);
  });
  const ctx = new KernelContext(backend);
  const prog = Program.load(new ProgramSpec({ name: 'p', type, instructions: [mov64Imm(R0, 0), exit()] }), {
    ctx,
  });
  return { prog, calls };
}

describe('testRun (fake backend)', () => {
  it('sizes data_out as data + 256 and returns what the kernel wrote', () => {
    const { prog, calls } = fakeProgram(ProgramType.XDP, (_c, dv, b) => {
      const out = b.deref(dv.getBigUint64(T.data_out, true), 10);
      out.set([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      dv.setUint32(T.data_size_out, 10, true);
      dv.setUint32(T.retval, 2, true);
      dv.setUint32(T.duration, 123, true);
      return 0;
    });
    const res = prog.testRun({ data: new Uint8Array(20) });
    assert.deepEqual(calls, [{ dataIn: 20, dataOut: 276, ctxIn: 0, ctxOut: 0, repeat: 0 }]);
    assert.deepEqual(res, { retval: 2, duration: 123, data: new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]) });
    prog.close();
  });

  it('retries once with the sizes the kernel reports on ENOSPC', () => {
    const { prog, calls } = fakeProgram(ProgramType.SCHED_CLS, (c, dv) => {
      dv.setUint32(T.data_size_out, 500, true);
      dv.setUint32(T.ctx_size_out, 40, true);
      return c.dataOut < 500 || c.ctxOut < 40 ? -Errno.ENOSPC : 0;
    });
    const res = prog.testRun({ data: new Uint8Array(100), context: new Uint8Array(20), repeat: 3 });
    assert.deepEqual(
      calls.map((c) => [c.dataOut, c.ctxOut, c.repeat]),
      [
        [356, 20, 3],
        [500, 40, 3],
      ],
    );
    assert.equal(res.data?.byteLength, 500);
    assert.equal(res.context?.byteLength, 40);
    prog.close();
  });

  it('gives up when ENOSPC persists, naming the program', () => {
    const { prog, calls } = fakeProgram(ProgramType.XDP, () => -Errno.ENOSPC);
    assert.throws(
      () => prog.testRun({ data: new Uint8Array(10) }),
      (e: unknown) => isSyscallError(e) && e.message === 'program "p": test run: ENOSPC',
    );
    assert.equal(calls.length, 1);
    prog.close();
  });

  it('sends no ctx_out for program types that refuse it', () => {
    const { prog, calls } = fakeProgram(ProgramType.RAW_TRACEPOINT, () => 0);
    const res = prog.testRun({ context: new Uint8Array(8) });
    assert.deepEqual(calls, [{ dataIn: 0, dataOut: 0, ctxIn: 8, ctxOut: 0, repeat: 0 }]);
    assert.equal(res.context, undefined);
    prog.close();
  });

  it('hints when a program type cannot be test-run', () => {
    const { prog } = fakeProgram(ProgramType.KPROBE, () => -Errno.ENOTSUPP);
    assert.throws(() => prog.testRun(), /test run: ENOTSUPP: this program type cannot be test-run/);
    prog.close();
  });

  it('rejects out-of-range counts before any syscall', () => {
    const { prog, calls } = fakeProgram(ProgramType.XDP, () => 0);
    for (const bad of [{ repeat: -1 }, { repeat: 1.5 }, { cpu: 2 ** 32 }]) {
      assert.throws(
        () => prog.testRun(bad),
        (e: unknown) => isEbpfError(e) && e.code === 'EINVAL',
      );
    }
    assert.equal(calls.length, 0);
    prog.close();
  });
});
