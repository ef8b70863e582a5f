/**
 * Loading hand-assembled programs into the running kernel, test runs, and verifier rejections.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AluOp,
  alu64Imm,
  call,
  exit,
  type Instruction,
  JumpOp,
  jmpReg,
  ldx,
  mov64Imm,
  mov64Reg,
  R0,
  R1,
  R2,
  R3,
  R4,
  R6,
  Size,
  st,
} from '../../src/asm/index.js';
import { isVerifierError, type VerifierError } from '../../src/errors.js';
import { Program, ProgramSpec } from '../../src/prog/index.js';
import { defaultContext, ProgramFlags, ProgramType } from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

const XDP_PASS = 2;
const XDP_TX = 3;

function load(name: string, type: ProgramType, instructions: Instruction[], flags = 0): Program {
  return Program.load(new ProgramSpec({ name, type, instructions, flags }));
}

/** Writes 0xab into the first packet byte (if the packet has one) and passes it. */
const rewriteFirstByte: Instruction[] = [
  ldx(Size.W, R2, R1, 0), // r2 = ctx->data
  ldx(Size.W, R3, R1, 4), // r3 = ctx->data_end
  mov64Reg(R4, R2),
  alu64Imm(AluOp.ADD, R4, 1),
  jmpReg(JumpOp.JGT, R4, R3, 'out'),
  st(Size.B, R2, 0, 0xab),
  mov64Imm(R0, XDP_PASS).withSymbol('out'),
  exit(),
];

/** Grows the packet by 16 bytes at the front (bpf_xdp_adjust_head(ctx, -16)) and passes it. */
const growHead: Instruction[] = [
  mov64Reg(R6, R1),
  mov64Reg(R1, R6),
  mov64Imm(R2, -16),
  call('xdp_adjust_head'),
  mov64Imm(R0, XDP_PASS),
  exit(),
];

const packet = (n = 64) => Uint8Array.from({ length: n }, (_, i) => i);

describe('Program.load and testRun', () => {
  const table: Array<{ name: string; type: ProgramType; ret: number; flags?: number; data?: boolean }> = [
    { name: 'socket filter', type: ProgramType.SOCKET_FILTER, ret: 7, data: true },
    { name: 'xdp', type: ProgramType.XDP, ret: XDP_TX, data: true },
    { name: 'tc classifier', type: ProgramType.SCHED_CLS, ret: 0, data: true },
    { name: 'syscall', type: ProgramType.SYSCALL, ret: 42, flags: ProgramFlags.SLEEPABLE },
  ];
  for (const c of table) {
    it(`${c.name}: r0 = ${c.ret}; exit returns ${c.ret}`, () => {
      using prog = load(c.name.replace(' ', '_'), c.type, [mov64Imm(R0, c.ret), exit()], c.flags);
      assert.equal(prog.type, c.type);
      const res = prog.testRun(c.data ? { data: packet() } : { context: new Uint8Array(16) });
      assert.equal(res.retval, c.ret);
      assert.equal(typeof res.duration, 'number');
    });
  }

  it('xdp: data_out carries the byte the program rewrote', () => {
    using prog = load('rewrite', ProgramType.XDP, rewriteFirstByte);
    const input = packet();
    const res = prog.testRun({ data: input });
    assert.equal(res.retval, XDP_PASS);
    const want = input.slice();
    want[0] = 0xab;
    assert.deepEqual(res.data, want);
    assert.equal(input[0], 0, 'the input is not modified');
  });

  it('xdp: a packet grown beyond dataOutSize is fetched again with the size the kernel reports', () => {
    using prog = load('grow', ProgramType.XDP, growHead);
    const input = packet();
    const res = prog.testRun({ data: input, dataOutSize: input.byteLength });
    assert.equal(res.retval, XDP_PASS);
    assert.equal(res.data?.byteLength, input.byteLength + 16);
    assert.deepEqual(res.data?.subarray(16), input);
  });

  it('repeat runs the program many times (async path)', async () => {
    using prog = load('rewrite', ProgramType.XDP, rewriteFirstByte);
    const res = await prog.testRunAsync({ data: packet(), repeat: 1000 });
    assert.equal(res.retval, XDP_PASS);
    assert.equal(res.data?.[0], 0xab);
  });

  it('loadAsync loads through the thread pool', async () => {
    const spec = new ProgramSpec({ name: 'async', type: ProgramType.XDP, instructions: rewriteFirstByte });
    using prog = await Program.loadAsync(spec);
    assert.equal(prog.name, 'async');
    assert.equal(prog.testRun({ data: packet() }).retval, XDP_PASS);
  });

  it('syscall: the context the program wrote comes back', () => {
    const insns = [st(Size.W, R1, 4, 0x1234), mov64Imm(R0, 42), exit()];
    using prog = load('ctx_write', ProgramType.SYSCALL, insns, ProgramFlags.SLEEPABLE);
    const input = new Uint8Array(16).fill(1);
    const res = prog.testRun({ context: input });
    assert.equal(res.retval, 42);
    assert.equal(res.data, undefined);
    assert.deepEqual([...(res.context ?? [])], [1, 1, 1, 1, 0x34, 0x12, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('accepts raw bytecode', () => {
    const bytes = new Uint8Array([0xb7, 0, 0, 0, 5, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    using prog = Program.load(
      new ProgramSpec({ name: 'raw', type: ProgramType.SOCKET_FILTER, instructions: bytes }),
    );
    assert.equal(prog.testRun({ data: packet() }).retval, 5);
  });

  it('keeps the verifier log when logLevel asks for it', () => {
    const spec = new ProgramSpec({
      name: 'logged',
      type: ProgramType.XDP,
      instructions: [mov64Imm(R0, 2), exit()],
    });
    using prog = Program.load(spec, { logLevel: 2 });
    assert.match(prog.verifierLog ?? '', /processed 2 insns/);
  });
});

describe('verifier rejections', () => {
  const cases: Array<{ why: string; insns: Instruction[]; reason: RegExp }> = [
    { why: 'exit without setting r0', insns: [exit()], reason: /R0 !read_ok/ },
    { why: 'reading an uninitialised register', insns: [mov64Reg(R0, R2), exit()], reason: /R2 !read_ok/ },
    { why: 'no exit', insns: [mov64Imm(R0, 0)], reason: /jump out of range|last insn is not an exit or jmp/ },
  ];
  for (const c of cases) {
    it(`${c.why}: VerifierError with the kernel's reason`, () => {
      const spec = new ProgramSpec({ name: 'count_packets', type: ProgramType.XDP, instructions: c.insns });
      assert.throws(
        () => Program.load(spec),
        (e: unknown) => {
          assert.ok(isVerifierError(e), String(e));
          assert.match(e.message, /^program "count_packets": load: (EACCES|EINVAL): /);
          assert.match(e.message, c.reason);
          assert.match(e.log, c.reason);
          assert.ok(e.log.length > 0);
          assert.equal(e.truncated, false);
          return true;
        },
      );
    });
  }

  it('the log is longer than the summary in the message', () => {
    const insns = [mov64Imm(R1, 1), mov64Imm(R3, 3), mov64Imm(R4, 4), mov64Reg(R0, R2), exit()];
    const spec = new ProgramSpec({ name: 'long_log', type: ProgramType.XDP, instructions: insns });
    assert.throws(
      () => Program.load(spec),
      (e: VerifierError) =>
        e.log.split('\n').length > 3 &&
        e.log.length > e.message.length - 'program "long_log": load: EACCES: '.length,
    );
  });

  it('loadAsync rejects with the same VerifierError', async () => {
    const spec = new ProgramSpec({ name: 'bad_async', type: ProgramType.XDP, instructions: [exit()] });
    await assert.rejects(
      Program.loadAsync(spec),
      (e: unknown) => isVerifierError(e) && /R0 !read_ok/.test(e.message),
    );
  });

  it('a tiny log buffer grows until the whole log fits', () => {
    const insns = [...Array.from({ length: 30 }, (_, i) => mov64Imm(R1, i)), mov64Reg(R0, R2), exit()];
    const spec = new ProgramSpec({ name: 'tiny_log', type: ProgramType.XDP, instructions: insns });
    let reference = '';
    try {
      Program.load(spec);
    } catch (e) {
      reference = (e as VerifierError).log;
    }
    assert.ok(reference.length > 512, `log of ${reference.length} bytes`);
    assert.throws(
      () => Program.load(spec, { logSize: 128 }),
      (e: VerifierError) => e.log === reference && !e.truncated,
    );
  });
});

describe('default context', () => {
  it('is used when no ctx is given', () => {
    using prog = load('ctx', ProgramType.XDP, [mov64Imm(R0, 1), exit()]);
    assert.ok(defaultContext().backend.kind === 'koffi');
    assert.equal(prog.testRun({ data: packet() }).retval, 1);
  });
});
