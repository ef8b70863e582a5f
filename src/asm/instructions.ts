/**
 * Helpers over instruction lists: raw offsets (in 8-byte units, ld_imm64 counts 2), sizes, and symbol
 * lookup. Pure: no node:* imports.
 */
import { assembleError } from './assemble-error.js';
import type { Instruction } from './instruction.js';

/** A program or function body: a list of instructions in order. */
export type Instructions = Instruction[];

/** One step of `iterateInstructions`: the instruction, its index and its raw offset (8-byte units). */
export interface InstructionPosition {
  readonly index: number;
  readonly rawOffset: number;
  readonly instruction: Instruction;
}

/** Yields every instruction with its index and raw offset. */
export function* iterateInstructions(insns: readonly Instruction[]): Generator<InstructionPosition> {
  let rawOffset = 0;
  for (let index = 0; index < insns.length; index++) {
    const instruction = insns[index] as Instruction;
    yield { index, rawOffset, instruction };
    rawOffset += instruction.rawSize;
  }
}

/** The raw offset (8-byte units) of each instruction. */
export function rawOffsets(insns: readonly Instruction[]): number[] {
  const out = new Array<number>(insns.length);
  for (const { index, rawOffset } of iterateInstructions(insns)) out[index] = rawOffset;
  return out;
}

/** Total size in 8-byte units (what the kernel calls the instruction count). */
export function rawLength(insns: readonly Instruction[]): number {
  let n = 0;
  for (const insn of insns) n += insn.rawSize;
  return n;
}

/** Total size in bytes. */
export function byteLength(insns: readonly Instruction[]): number {
  return rawLength(insns) * 8;
}

/** The index of the instruction at a raw offset, or -1 when none starts there (past the end, or inside an ld_imm64). */
export function indexAtRawOffset(insns: readonly Instruction[], rawOffset: number): number {
  for (const pos of iterateInstructions(insns)) {
    if (pos.rawOffset === rawOffset) return pos.index;
    if (pos.rawOffset > rawOffset) return -1;
  }
  return -1;
}

/** The index of the instruction that starts symbol `name`, or -1. */
export function findSymbol(insns: readonly Instruction[], name: string): number {
  return insns.findIndex((insn) => insn.symbol === name);
}

/** Raw offsets of every symbol in the list; a symbol defined twice is an `EASSEMBLE` error. */
export function symbolOffsets(insns: readonly Instruction[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const { rawOffset, instruction, index } of iterateInstructions(insns)) {
    const sym = instruction.symbol;
    if (sym === undefined) continue;
    if (out.has(sym)) throw assembleError(`instruction ${index}: symbol "${sym}" defined twice`);
    out.set(sym, rawOffset);
  }
  return out;
}

/** Copies every instruction of the list (metadata included). */
export function copyInstructions(insns: readonly Instruction[]): Instructions {
  return insns.map((insn) => insn.copy());
}
