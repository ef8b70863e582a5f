/**
 * Builders for arithmetic instructions (ALU and ALU64 classes): `mov64Imm(R0, 0)`, `alu64Reg(AluOp.ADD,
 * R1, R2)`, sign-extending moves, negation and byte swaps. Each returns a new `Instruction`.
 * Pure: no node:* imports.
 */
import { assembleError } from './assemble-error.js';
import { checkImm32, checkRegister } from './builder-checks.js';
import { Instruction } from './instruction.js';
import { AluOp, Endian, InsnClass, Source } from './opcodes.js';
import type { Register } from './registers.js';

type AluClass = typeof InsnClass.ALU | typeof InsnClass.ALU64;

function aluInstruction(
  cls: AluClass,
  op: AluOp,
  dst: Register,
  operand: { src: Register } | { imm: number | bigint },
  what: string,
): Instruction {
  if (op === AluOp.END || op === AluOp.NEG) {
    throw assembleError(
      `${what}: use ${op === AluOp.END ? 'toLe/toBe/bswap' : 'neg64/neg32'} for this operation`,
    );
  }
  if (!Object.values(AluOp).includes(op)) throw assembleError(`${what}: unknown ALU operation ${op}`);
  const isReg = 'src' in operand;
  return new Instruction({
    opcode: cls | (op & 0xf0) | (isReg ? Source.X : Source.K),
    dst: checkRegister(dst, what),
    src: isReg ? checkRegister(operand.src, what) : 0,
    offset: op >> 8,
    constant: isReg ? 0n : checkImm32(operand.imm, what),
  });
}

/** `dst op= imm` on 64 bits, e.g. `alu64Imm(AluOp.ADD, R1, 4)` is `r1 += 4`. SDIV/SMOD set offset 1. */
export function alu64Imm(op: AluOp, dst: Register, imm: number | bigint): Instruction {
  return aluInstruction(InsnClass.ALU64, op, dst, { imm }, 'alu64Imm');
}

/** `dst op= src` on 64 bits. */
export function alu64Reg(op: AluOp, dst: Register, src: Register): Instruction {
  return aluInstruction(InsnClass.ALU64, op, dst, { src }, 'alu64Reg');
}

/** `wdst op= imm` on 32 bits (the upper half of dst is zeroed). */
export function alu32Imm(op: AluOp, dst: Register, imm: number | bigint): Instruction {
  return aluInstruction(InsnClass.ALU, op, dst, { imm }, 'alu32Imm');
}

/** `wdst op= wsrc` on 32 bits. */
export function alu32Reg(op: AluOp, dst: Register, src: Register): Instruction {
  return aluInstruction(InsnClass.ALU, op, dst, { src }, 'alu32Reg');
}

/** `dst = imm` (sign-extended to 64 bits). */
export function mov64Imm(dst: Register, imm: number | bigint): Instruction {
  return aluInstruction(InsnClass.ALU64, AluOp.MOV, dst, { imm }, 'mov64Imm');
}

/** `dst = src`. */
export function mov64Reg(dst: Register, src: Register): Instruction {
  return aluInstruction(InsnClass.ALU64, AluOp.MOV, dst, { src }, 'mov64Reg');
}

/** `wdst = imm` (upper half zeroed). */
export function mov32Imm(dst: Register, imm: number | bigint): Instruction {
  return aluInstruction(InsnClass.ALU, AluOp.MOV, dst, { imm }, 'mov32Imm');
}

/** `wdst = wsrc` (upper half zeroed). */
export function mov32Reg(dst: Register, src: Register): Instruction {
  return aluInstruction(InsnClass.ALU, AluOp.MOV, dst, { src }, 'mov32Reg');
}

function movsx(
  cls: AluClass,
  dst: Register,
  src: Register,
  bits: number,
  allowed: readonly number[],
): Instruction {
  const what = cls === InsnClass.ALU64 ? 'movsx64Reg' : 'movsx32Reg';
  if (!allowed.includes(bits)) throw assembleError(`${what}: cannot sign-extend from ${bits} bits`);
  return new Instruction({
    opcode: cls | AluOp.MOV | Source.X,
    dst: checkRegister(dst, what),
    src: checkRegister(src, what),
    offset: bits,
  });
}

/** `dst = (s8|s16|s32)src`: sign-extending move to 64 bits (kernel 6.6+). */
export function movsx64Reg(dst: Register, src: Register, bits: 8 | 16 | 32): Instruction {
  return movsx(InsnClass.ALU64, dst, src, bits, [8, 16, 32]);
}

/** `wdst = (s8|s16)wsrc`: sign-extending move to 32 bits (kernel 6.6+). */
export function movsx32Reg(dst: Register, src: Register, bits: 8 | 16): Instruction {
  return movsx(InsnClass.ALU, dst, src, bits, [8, 16]);
}

/** `dst = -dst` on 64 bits. */
export function neg64(dst: Register): Instruction {
  return new Instruction({ opcode: InsnClass.ALU64 | AluOp.NEG, dst: checkRegister(dst, 'neg64') });
}

/** `wdst = -wdst` on 32 bits. */
export function neg32(dst: Register): Instruction {
  return new Instruction({ opcode: InsnClass.ALU | AluOp.NEG, dst: checkRegister(dst, 'neg32') });
}

function endian(cls: AluClass, order: Endian, dst: Register, bits: number, what: string): Instruction {
  if (bits !== 16 && bits !== 32 && bits !== 64) throw assembleError(`${what}: invalid width ${bits}`);
  return new Instruction({ opcode: cls | AluOp.END | order, dst: checkRegister(dst, what), constant: bits });
}

/** `dst = le16|le32|le64 dst`: convert between host and little-endian byte order. */
export function toLe(dst: Register, bits: 16 | 32 | 64): Instruction {
  return endian(InsnClass.ALU, Endian.TO_LE, dst, bits, 'toLe');
}

/** `dst = be16|be32|be64 dst`: convert between host and big-endian byte order. */
export function toBe(dst: Register, bits: 16 | 32 | 64): Instruction {
  return endian(InsnClass.ALU, Endian.TO_BE, dst, bits, 'toBe');
}

/** `dst = bswap16|32|64 dst`: unconditional byte swap (ALU64 END, kernel 6.6+). */
export function bswap(dst: Register, bits: 16 | 32 | 64): Instruction {
  return endian(InsnClass.ALU64, Endian.TO_LE, dst, bits, 'bswap');
}
