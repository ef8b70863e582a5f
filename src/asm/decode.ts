/**
 * Decoding of raw eBPF bytecode into `Instruction`s, in either byte order. In little-endian objects the
 * register byte holds dst in the low nibble and src in the high one; big-endian objects swap them.
 * Pure: no node:* imports.
 */
import { ParseError } from '../errors.js';
import { type ByteOrder, ByteReader } from '../internal/bytes.js';
import { Instruction } from './instruction.js';
import { LD_IMM64_OPCODE } from './opcodes.js';

/** Size of one raw instruction slot in bytes. */
export const INSTRUCTION_SIZE = 8;

/** Splits a register byte into `[dst, src]` for the given byte order. */
export function splitRegisters(byte: number, order: ByteOrder): [number, number] {
  return order === 'little' ? [byte & 0x0f, byte >> 4] : [byte >> 4, byte & 0x0f];
}

/**
 * Decodes `bytes` into instructions. `section` and `base` (the absolute offset of `bytes[0]`) name the
 * input in errors: a length that is not a multiple of 8, a truncated ld_imm64, or an ld_imm64 whose second
 * half has a non-zero opcode, registers or offset is a `ParseError`.
 */
export function decodeInstructions(
  bytes: Uint8Array,
  order: ByteOrder,
  section = 'instructions',
  base = 0,
): Instruction[] {
  if (bytes.byteLength % INSTRUCTION_SIZE !== 0) {
    const tail = bytes.byteLength - (bytes.byteLength % INSTRUCTION_SIZE);
    throw new ParseError(
      section,
      base + tail,
      `instruction bytes length ${bytes.byteLength} is not a multiple of ${INSTRUCTION_SIZE}`,
    );
  }
  const reader = new ByteReader(bytes, order, section, base);
  const insns: Instruction[] = [];
  let pos = 0;
  while (pos < bytes.byteLength) {
    const opcode = reader.u8At(pos);
    const [dst, src] = splitRegisters(reader.u8At(pos + 1), order);
    const offset = reader.i16At(pos + 2);
    const imm = reader.i32At(pos + 4);
    if (opcode !== LD_IMM64_OPCODE) {
      insns.push(new Instruction({ opcode, dst, src, offset, constant: BigInt(imm) }));
      pos += INSTRUCTION_SIZE;
      continue;
    }
    if (pos + 2 * INSTRUCTION_SIZE > bytes.byteLength) {
      throw reader.error('truncated ld_imm64: missing second half', pos);
    }
    const next = pos + INSTRUCTION_SIZE;
    if (reader.u8At(next) !== 0 || reader.u8At(next + 1) !== 0 || reader.u16At(next + 2) !== 0) {
      throw reader.error('ld_imm64 second half has non-zero opcode, registers or offset', next);
    }
    const high = BigInt(reader.u32At(next + 4));
    const low = BigInt(imm >>> 0);
    const constant = BigInt.asIntN(64, (high << 32n) | low);
    insns.push(new Instruction({ opcode, dst, src, offset, constant }));
    pos += 2 * INSTRUCTION_SIZE;
  }
  return insns;
}
