/**
 * Label resolution: turns the `reference` of jumps, bpf-to-bpf calls and function-pointer loads into
 * pc-relative offsets using the `symbol`s of the same instruction list, and `assemble` which resolves and
 * encodes in one step. Map references are left for the loader. Pure: no node:* imports.
 */
import type { ByteOrder } from '../internal/bytes.js';
import { assembleError } from './assemble-error.js';
import { encodeInstructions } from './encode.js';
import type { Instruction } from './instruction.js';
import { type Instructions, iterateInstructions, symbolOffsets } from './instructions.js';
import { InsnClass, JumpOp, opcodeClass, opcodeOperation } from './opcodes.js';

/** Options of `resolveJumps`. */
export interface ResolveJumpsOptions {
  /**
   * Leave bpf-to-bpf calls and function pointers whose target is not in the list untouched instead of
   * failing (for a program whose subprograms are linked in later). Jump labels must always resolve.
   */
  allowUnresolvedCalls?: boolean;
}

function isLongJump(insn: Instruction): boolean {
  return opcodeClass(insn.opcode) === InsnClass.JMP32 && opcodeOperation(insn.opcode) === JumpOp.JA;
}

/**
 * A copy of `insns` where every jump, `gotol`, `may_goto`, bpf-to-bpf call and function-pointer load that
 * has a `reference` gets the offset to the instruction carrying that `symbol`. Unknown labels, duplicate
 * symbols and offsets that do not fit are `EASSEMBLE` errors. The input is not modified.
 */
export function resolveJumps(insns: readonly Instruction[], options: ResolveJumpsOptions = {}): Instructions {
  const symbols = symbolOffsets(insns);
  const out: Instructions = [];
  for (const { index, rawOffset, instruction } of iterateInstructions(insns)) {
    const insn = instruction.copy();
    out.push(insn);
    const ref = insn.reference;
    const isCallLike = insn.isFunctionCall || insn.isFunctionReference;
    if (ref === undefined || !(insn.isJump || isCallLike)) continue;
    const targetOffset = symbols.get(ref);
    if (targetOffset === undefined) {
      if (isCallLike && options.allowUnresolvedCalls === true) continue;
      throw assembleError(
        `instruction ${index}: ${isCallLike ? 'function' : 'jump label'} "${ref}" not found`,
      );
    }
    const delta = targetOffset - (rawOffset + 1);
    if (isCallLike || isLongJump(insn)) {
      if (delta < -(2 ** 31) || delta >= 2 ** 31)
        throw assembleError(`instruction ${index}: "${ref}" too far`);
      // A function pointer keeps the high half (the second instruction's imm) zero.
      insn.constant = insn.isLoadImm64 ? BigInt(delta >>> 0) : BigInt(delta);
    } else {
      if (delta < -0x8000 || delta > 0x7fff) {
        throw assembleError(
          `instruction ${index}: jump to "${ref}" (${delta}) does not fit in 16 bits; use gotol`,
        );
      }
      insn.offset = delta;
    }
  }
  return out;
}

/** Resolves labels (`resolveJumps`) and encodes the result to bytecode in the given byte order. */
export function assemble(
  insns: readonly Instruction[],
  order: ByteOrder = 'little',
  options: ResolveJumpsOptions = {},
): Uint8Array {
  return encodeInstructions(resolveJumps(insns, options), order);
}
