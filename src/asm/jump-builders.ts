/**
 * Builders for jumps, calls and exit: `jmpImm(JumpOp.JGT, R1, 5, 'out')`, `ja('loop')`, `call(HelperId.
 * map_lookup_elem)`, `callSymbol('subprog')`, `exit()`. A string target is a label kept in `reference` and
 * turned into an offset by `resolveJumps`; a number is a relative offset in 8-byte units.
 * Pure: no node:* imports.
 */
import { assembleError } from './assemble-error.js';
import { checkImm32, checkOffset, checkRegister, type JumpTarget, splitTarget } from './builder-checks.js';
import { HelperId, type HelperName } from './helper-ids.js';
import { Instruction } from './instruction.js';
import { InsnClass, JCOND_MAY_GOTO, JumpOp, PseudoCall, Source } from './opcodes.js';
import type { Register } from './registers.js';

type JumpClass = typeof InsnClass.JMP | typeof InsnClass.JMP32;

const CONDITIONAL_OPS: readonly number[] = [
  JumpOp.JEQ,
  JumpOp.JGT,
  JumpOp.JGE,
  JumpOp.JSET,
  JumpOp.JNE,
  JumpOp.JSGT,
  JumpOp.JSGE,
  JumpOp.JLT,
  JumpOp.JLE,
  JumpOp.JSLT,
  JumpOp.JSLE,
];

function conditional(
  cls: JumpClass,
  op: JumpOp,
  dst: Register,
  operand: { src: Register } | { imm: number | bigint },
  to: JumpTarget,
  what: string,
): Instruction {
  if (!CONDITIONAL_OPS.includes(op)) {
    throw assembleError(`${what}: ${op} is not a conditional jump (use ja/gotol/mayGoto/call/exit)`);
  }
  const isReg = 'src' in operand;
  const { reference, delta } = splitTarget(to, what);
  return new Instruction({
    opcode: cls | op | (isReg ? Source.X : Source.K),
    dst: checkRegister(dst, what),
    src: isReg ? checkRegister(operand.src, what) : 0,
    offset: checkOffset(delta, what),
    constant: isReg ? 0n : checkImm32(operand.imm, what),
    reference,
  });
}

/** `if dst op imm goto target` comparing 64 bits. */
export function jmpImm(op: JumpOp, dst: Register, imm: number | bigint, to: JumpTarget): Instruction {
  return conditional(InsnClass.JMP, op, dst, { imm }, to, 'jmpImm');
}

/** `if dst op src goto target` comparing 64 bits. */
export function jmpReg(op: JumpOp, dst: Register, src: Register, to: JumpTarget): Instruction {
  return conditional(InsnClass.JMP, op, dst, { src }, to, 'jmpReg');
}

/** `if wdst op imm goto target` comparing the lower 32 bits. */
export function jmp32Imm(op: JumpOp, dst: Register, imm: number | bigint, to: JumpTarget): Instruction {
  return conditional(InsnClass.JMP32, op, dst, { imm }, to, 'jmp32Imm');
}

/** `if wdst op wsrc goto target` comparing the lower 32 bits. */
export function jmp32Reg(op: JumpOp, dst: Register, src: Register, to: JumpTarget): Instruction {
  return conditional(InsnClass.JMP32, op, dst, { src }, to, 'jmp32Reg');
}

/** `goto target`: unconditional jump with a 16-bit offset. */
export function ja(to: JumpTarget): Instruction {
  const { reference, delta } = splitTarget(to, 'ja');
  return new Instruction({ opcode: InsnClass.JMP | JumpOp.JA, offset: checkOffset(delta, 'ja'), reference });
}

/** `gotol target`: unconditional jump with a 32-bit offset held in the immediate (kernel 6.6+). */
export function gotol(to: JumpTarget): Instruction {
  const { reference, delta } = splitTarget(to, 'gotol');
  return new Instruction({
    opcode: InsnClass.JMP32 | JumpOp.JA,
    constant: checkImm32(delta, 'gotol'),
    reference,
  });
}

/** `may_goto target`: jump when the loop budget is exhausted (kernel 6.9+). */
export function mayGoto(to: JumpTarget): Instruction {
  const { reference, delta } = splitTarget(to, 'mayGoto');
  return new Instruction({
    opcode: InsnClass.JMP | JumpOp.JCOND,
    src: JCOND_MAY_GOTO,
    offset: checkOffset(delta, 'mayGoto'),
    reference,
  });
}

/** `call bpf_xxx#id`: call a helper by id or by name (`'map_lookup_elem'`). */
export function call(helper: number | HelperName): Instruction {
  const id = typeof helper === 'number' ? helper : HelperId[helper];
  if (id === undefined || !Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
    throw assembleError(`call: invalid helper ${String(helper)}`);
  }
  return new Instruction({ opcode: InsnClass.JMP | JumpOp.CALL, src: PseudoCall.HELPER, constant: id });
}

/** `call pc+N`: bpf-to-bpf call of the function starting at symbol `name` (offset set by `resolveJumps`). */
export function callSymbol(name: string): Instruction {
  if (name.length === 0) throw assembleError('callSymbol: empty function name');
  return new Instruction({
    opcode: InsnClass.JMP | JumpOp.CALL,
    src: PseudoCall.CALL,
    constant: -1,
    reference: name,
  });
}

/**
 * A kfunc call: `btfId` is the function's id in kernel BTF, `moduleIndex` the index of the module BTF fd in
 * the program's fd array (0 = vmlinux). `name` is kept in `reference` for the loader and disassembly.
 */
export function callKfunc(btfId: number, name?: string, moduleIndex = 0): Instruction {
  return new Instruction({
    opcode: InsnClass.JMP | JumpOp.CALL,
    src: PseudoCall.KFUNC_CALL,
    offset: checkOffset(moduleIndex, 'callKfunc'),
    constant: checkImm32(btfId, 'callKfunc'),
    reference: name,
  });
}

/** `exit`: return r0 to the caller. */
export function exit(): Instruction {
  return new Instruction({ opcode: InsnClass.JMP | JumpOp.EXIT });
}
