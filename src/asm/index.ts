/**
 * `ebpf-ts/asm`: the eBPF instruction layer. Opcode constants, the `Instruction` model, decoding and
 * byte-exact encoding in both byte orders, helper ids, a builder for hand-written programs with label
 * resolution, and a disassembler. Pure: no node:* imports, no koffi.
 *
 * @example
 * import * as asm from 'ebpf-ts/asm';
 * const prog = [
 *   asm.mov64Imm(asm.R0, 0),
 *   asm.jmpImm(asm.JumpOp.JEQ, asm.R1, 0, 'out'),
 *   asm.mov64Imm(asm.R0, 1),
 *   asm.exit().withSymbol('out'),
 * ];
 * const bytes = asm.assemble(prog);
 */
export {
  alu32Imm,
  alu32Reg,
  alu64Imm,
  alu64Reg,
  bswap,
  mov32Imm,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  movsx32Reg,
  movsx64Reg,
  neg32,
  neg64,
  toBe,
  toLe,
} from './alu-builders.js';
export { ASSEMBLE_ERROR_CODE } from './assemble-error.js';
export type { JumpTarget } from './builder-checks.js';
export { decodeInstructions, INSTRUCTION_SIZE } from './decode.js';
export { type DisassembleOptions, disassemble, formatInstruction } from './disassemble.js';
export { encodeInstruction, encodeInstructions } from './encode.js';
export { HelperId, type HelperName, helperName } from './helper-ids.js';
export { Instruction, type InstructionInit, type SourceLine } from './instruction.js';
export {
  byteLength,
  copyInstructions,
  findSymbol,
  type InstructionPosition,
  type Instructions,
  indexAtRawOffset,
  iterateInstructions,
  rawLength,
  rawOffsets,
  symbolOffsets,
} from './instructions.js';
export {
  call,
  callKfunc,
  callSymbol,
  exit,
  gotol,
  ja,
  jmp32Imm,
  jmp32Reg,
  jmpImm,
  jmpReg,
  mayGoto,
} from './jump-builders.js';
export {
  atomic,
  ldAbs,
  ldInd,
  ldx,
  ldxsx,
  loadFuncPtr,
  loadImm64,
  loadMapPtr,
  loadMapValue,
  st,
  stx,
} from './memory-builders.js';
export {
  AluOp,
  AtomicOp,
  Endian,
  InsnClass,
  isAluClass,
  isJumpClass,
  isLoadStoreClass,
  JCOND_MAY_GOTO,
  JumpOp,
  LD_IMM64_OPCODE,
  MOVSX_BITS,
  Mode,
  opcodeClass,
  opcodeMode,
  opcodeOperation,
  opcodeSize,
  opcodeSource,
  PseudoCall,
  PseudoLoad,
  SIGNED_DIV_OFFSET,
  Size,
  Source,
  sizeBytes,
  sizeFromBytes,
} from './opcodes.js';
export {
  isRegister,
  MAX_REGISTER,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R8,
  R9,
  R10,
  type Register,
  RFP,
} from './registers.js';
export { assemble, type ResolveJumpsOptions, resolveJumps } from './resolve-jumps.js';
