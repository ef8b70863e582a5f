import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ASSEMBLE_ERROR_CODE,
  assemble,
  call,
  callSymbol,
  exit,
  gotol,
  JumpOp,
  ja,
  jmp32Reg,
  jmpImm,
  loadFuncPtr,
  loadImm64,
  loadMapPtr,
  mayGoto,
  mov64Imm,
  R0,
  R1,
  R2,
  resolveJumps,
} from '../../src/asm/index.js';
import { isEbpfError } from '../../src/errors.js';
import { assembleWithLlvm, toHex } from './llvm-tools.js';

const isAssembleError = (what: RegExp) => (e: unknown) =>
  isEbpfError(e) && e.code === ASSEMBLE_ERROR_CODE && what.test(e.message);

describe('resolveJumps', () => {
  it('resolves forward and backward labels, counting ld_imm64 as two slots', () => {
    const prog = resolveJumps([
      mov64Imm(R0, 0).withSymbol('top'), // 0
      jmpImm(JumpOp.JEQ, R1, 0, 'out'), // 1 -> 5: +3
      loadImm64(R2, 1n), // 2-3
      ja('top'), // 4 -> 0: -5
      exit().withSymbol('out'), // 5
    ]);
    assert.deepEqual(
      prog.map((i) => i.offset),
      [0, 3, 0, -5, 0],
    );
  });

  it('assembles to the same bytes llvm-mc-19 produces for the same program with numeric offsets', () => {
    const labelled = [
      mov64Imm(R0, 0),
      jmpImm(JumpOp.JGT, R1, 5, 'big'),
      jmp32Reg(JumpOp.JNE, R1, R2, 'done'),
      mayGoto('done'),
      gotol('big'),
      mov64Imm(R0, 1).withSymbol('big'),
      call(6),
      exit().withSymbol('done'),
    ];
    const text = `
      r0 = 0
      if r1 > 5 goto +3
      if w1 != w2 goto +4
      may_goto +3
      gotol +0
      r0 = 1
      call 6
      exit
    `;
    assert.equal(toHex(assemble(labelled)), toHex(assembleWithLlvm(text, 'little').bytes));
    assert.equal(toHex(assemble(labelled, 'big')), toHex(assembleWithLlvm(text, 'big').bytes));
  });

  it('resolves bpf-to-bpf calls and function pointers into the immediate', () => {
    const prog = resolveJumps(
      [
        callSymbol('sub'), // 0 -> 4: +3
        loadFuncPtr(R2, 'sub'), // 1-2 -> 4: +2 (relative to the first slot, like calls)
        exit(), // 3
        mov64Imm(R0, 1).withSymbol('sub'), // 4
        callSymbol('main'), // 5 -> 0: -6
        exit(),
      ].map((insn, i) => (i === 0 ? insn.withSymbol('main') : insn)),
    );
    assert.equal(prog[0]?.constant, 3n);
    assert.equal(prog[1]?.constant, 2n);
    assert.equal(prog[4]?.constant, -6n);
    // A backward function pointer keeps the second half of the ld_imm64 zero.
    const back = resolveJumps([exit().withSymbol('f'), loadFuncPtr(R1, 'f')]);
    assert.equal(back[1]?.constant, 0xfffffffen);
    assert.equal(back[1]?.imm, -2);
  });

  it('leaves map references and the input untouched', () => {
    const input = [loadMapPtr(R1, 'counts'), ja('end'), exit().withSymbol('end')];
    const out = resolveJumps(input);
    assert.equal(out[0]?.constant, 0n);
    assert.equal(out[0]?.reference, 'counts');
    assert.equal(out[1]?.offset, 0);
    assert.equal(input[1]?.offset, 0);
    assert.notEqual(out[1], input[1]);
  });

  it('rejects unknown labels, unknown functions and duplicate symbols', () => {
    assert.throws(
      () => resolveJumps([ja('nowhere'), exit()]),
      isAssembleError(/jump label "nowhere" not found/),
    );
    assert.throws(() => resolveJumps([callSymbol('f'), exit()]), isAssembleError(/function "f" not found/));
    assert.throws(
      () => resolveJumps([exit().withSymbol('a'), exit().withSymbol('a')]),
      isAssembleError(/symbol "a" defined twice/),
    );
  });

  it('can leave calls to functions linked later unresolved', () => {
    const out = resolveJumps([callSymbol('later'), exit()], { allowUnresolvedCalls: true });
    assert.equal(out[0]?.constant, -1n);
    assert.throws(
      () => resolveJumps([ja('later'), exit()], { allowUnresolvedCalls: true }),
      isAssembleError(/not found/),
    );
  });

  it('rejects a goto beyond 16 bits but lets gotol reach it', () => {
    const body = Array.from({ length: 40000 }, () => mov64Imm(R0, 0));
    const far = [...body, exit().withSymbol('far')];
    assert.throws(
      () => resolveJumps([ja('far'), ...far]),
      isAssembleError(/does not fit in 16 bits; use gotol/),
    );
    const out = resolveJumps([gotol('far'), ...far]);
    assert.equal(out[0]?.constant, 40000n);
  });
});
