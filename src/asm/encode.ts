/**
 * Encoding of `Instruction`s back into raw eBPF bytecode in either byte order, byte-exact with what
 * `decodeInstructions` read. Fields are range-checked; a bad one is an `EASSEMBLE` error naming the
 * instruction. Pure: no node:* imports.
 */
import { type ByteOrder, ByteWriter } from '../internal/bytes.js';
import { assembleError } from './assemble-error.js';
import type { Instruction } from './instruction.js';
import { byteLength } from './instructions.js';

const INT32_MIN = -(2n ** 31n);
const UINT32_END = 2n ** 32n;
const INT64_MIN = -(2n ** 63n);
const UINT64_END = 2n ** 64n;

/** Joins dst and src into the register byte for the given byte order. */
export function joinRegisters(dst: number, src: number, order: ByteOrder): number {
  return order === 'little' ? (src << 4) | dst : (dst << 4) | src;
}

function checkFields(insn: Instruction, where: string): void {
  const bad = (what: string) => assembleError(`${where}: ${what} (${String(insn)})`);
  if (!Number.isInteger(insn.opcode) || insn.opcode < 0 || insn.opcode > 0xff) {
    throw bad(`opcode ${insn.opcode} out of range`);
  }
  for (const [name, reg] of [
    ['dst', insn.dst],
    ['src', insn.src],
  ] as const) {
    if (!Number.isInteger(reg) || reg < 0 || reg > 0x0f) throw bad(`${name} register ${reg} out of range`);
  }
  if (!Number.isInteger(insn.offset) || insn.offset < -0x8000 || insn.offset > 0x7fff) {
    throw bad(`offset ${insn.offset} does not fit in 16 bits`);
  }
  const c = insn.constant;
  if (insn.isLoadImm64 ? c < INT64_MIN || c >= UINT64_END : c < INT32_MIN || c >= UINT32_END) {
    throw bad(`constant ${c} does not fit in ${insn.isLoadImm64 ? 64 : 32} bits`);
  }
}

function writeInstruction(w: ByteWriter, insn: Instruction, order: ByteOrder, where: string): void {
  checkFields(insn, where);
  w.u8(insn.opcode);
  w.u8(joinRegisters(insn.dst, insn.src, order));
  w.u16(insn.offset & 0xffff);
  const raw = BigInt.asUintN(64, insn.constant);
  w.u32(Number(raw & 0xffffffffn));
  if (insn.isLoadImm64) {
    w.u32(0);
    w.u32(Number(raw >> 32n));
  }
}

/** Encodes one instruction (8 bytes, or 16 for ld_imm64). */
export function encodeInstruction(insn: Instruction, order: ByteOrder = 'little'): Uint8Array {
  const w = new ByteWriter(order, 16);
  writeInstruction(w, insn, order, 'instruction');
  return w.finish();
}

/** Encodes a list of instructions into bytecode; errors name the failing instruction's index. */
export function encodeInstructions(insns: readonly Instruction[], order: ByteOrder = 'little'): Uint8Array {
  // Sized exactly up front: the writer never has to grow.
  const w = new ByteWriter(order, byteLength(insns));
  insns.forEach((insn, i) => {
    writeInstruction(w, insn, order, `instruction ${i}`);
  });
  return w.finish();
}
