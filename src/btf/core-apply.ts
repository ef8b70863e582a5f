/**
 * Patching instructions with resolved CO-RE relocations (libbpf's `bpf_core_patch_insn`): the
 * immediate of ALU instructions and of ld_imm64, the offset (and, when a field changed size, the
 * access size) of loads and stores. The instruction's current value is checked against the local
 * value first. A poisoned relocation turns the instruction (both halves of an ld_imm64) into
 * `call 0xbad2310`, which the verifier rejects only if it is reachable. Pure: no node:* imports.
 */
import { decodeInstructions } from '../asm/decode.js';
import { encodeInstructions } from '../asm/encode.js';
import { Instruction } from '../asm/instruction.js';
import {
  InsnClass,
  JumpOp,
  LD_IMM64_OPCODE,
  opcodeClass,
  opcodeMode,
  opcodeSize,
  opcodeSource,
  Source,
  sizeBytes,
  sizeFromBytes,
} from '../asm/opcodes.js';
import type { ByteOrder } from '../internal/bytes.js';
import type { CoreResult } from './core.js';
import { CoreRelocationError } from './core-errors.js';

/** The helper ID of a poisoned instruction (0xbad2310, "bad relo"); the verifier reports it as unknown. */
export const CORE_POISON_IMM = 0xbad2310;

const INT16_MAX = 0x7fffn;

/** `call 0xbad2310`, keeping the symbol and source line of `original` (if given). */
export function poisonInstruction(original?: Instruction): Instruction {
  return new Instruction({
    opcode: InsnClass.JMP | JumpOp.CALL,
    constant: CORE_POISON_IMM,
    symbol: original?.symbol,
    source: original?.source,
  });
}

function poisoned(insn: Instruction): Instruction[] {
  const first = poisonInstruction(insn);
  return insn.isLoadImm64 ? [first, poisonInstruction()] : [first];
}

function u64(v: number | bigint): bigint {
  return BigInt.asUintN(64, BigInt(v));
}

/**
 * Applies `result` to `insn` and returns the replacement: one instruction, or two `call 0xbad2310`
 * for a poisoned ld_imm64 (same raw size). `insn` is not modified. Throws `CoreRelocationError` when
 * the instruction does not hold the local value (and validation applies), cannot carry the new value,
 * or is of a kind CO-RE cannot patch.
 */
export function applyCoreRelocation(insn: Instruction, result: CoreResult): Instruction[] {
  const fail = (reason: string): CoreRelocationError =>
    new CoreRelocationError(result.description, result.relo.insnOff, `${reason} (${String(insn)})`);
  if (result.poisoned) return poisoned(insn);
  const { localValue, targetValue } = result;
  const out = insn.copy();
  const cls = opcodeClass(insn.opcode);
  switch (cls) {
    case InsnClass.ALU:
    case InsnClass.ALU64: {
      if (opcodeSource(insn.opcode) !== Source.K) throw fail('ALU instruction has no immediate operand');
      if (result.validate && u64(insn.imm) !== localValue) {
        throw fail(`unexpected immediate ${insn.imm}, expected ${localValue} (to become ${targetValue})`);
      }
      out.constant = BigInt.asIntN(32, targetValue);
      return [out];
    }
    case InsnClass.LDX:
    case InsnClass.ST:
    case InsnClass.STX: {
      if (result.validate && u64(insn.offset) !== localValue) {
        throw fail(`unexpected offset ${insn.offset}, expected ${localValue} (to become ${targetValue})`);
      }
      if (targetValue > INT16_MAX) throw fail(`offset ${targetValue} does not fit in 16 bits`);
      if (result.failMemSizeAdjust) return poisoned(insn);
      out.offset = Number(targetValue);
      if (result.localSize !== result.targetSize) {
        const current = sizeBytes(opcodeSize(insn.opcode));
        if (current !== result.localSize) {
          throw fail(`unexpected access size ${current}, expected ${result.localSize}`);
        }
        const size = result.targetSize;
        if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
          throw fail(`invalid new access size ${size}`);
        out.opcode = opcodeMode(insn.opcode) | sizeFromBytes(size) | cls;
      }
      return [out];
    }
    case InsnClass.LD: {
      if (!insn.isLoadImm64 || insn.src !== 0 || insn.offset !== 0)
        throw fail('ld_imm64 has an unexpected form');
      if (result.validate && u64(insn.constant) !== localValue) {
        throw fail(
          `unexpected immediate ${u64(insn.constant)}, expected ${localValue} (to become ${targetValue})`,
        );
      }
      out.constant = BigInt.asIntN(64, targetValue);
      return [out];
    }
    default:
      throw fail('instruction cannot be relocated');
  }
}

/**
 * Applies results to a list of instructions. Each result's `relo.insnOff` is a byte offset in the
 * ELF section; `sectionOffset` is the byte offset of `insns[0]` in that section. Returns a new list;
 * a poisoned ld_imm64 becomes two instructions, so raw offsets stay as they were.
 */
export function applyCoreResults(
  insns: readonly Instruction[],
  results: readonly CoreResult[],
  sectionOffset = 0,
): Instruction[] {
  const indexByRaw = new Map<number, number>();
  let raw = 0;
  insns.forEach((insn, i) => {
    indexByRaw.set(raw, i);
    raw += insn.rawSize;
  });
  const replaced = new Map<number, Instruction[]>();
  for (const r of results) {
    const rel = r.relo.insnOff - sectionOffset;
    const index = rel % 8 === 0 ? indexByRaw.get(rel / 8) : undefined;
    if (index === undefined) {
      throw new CoreRelocationError(r.description, r.relo.insnOff, 'no instruction starts at this offset');
    }
    const current = replaced.get(index) ?? [insns[index] as Instruction];
    const [head, ...tail] = current;
    replaced.set(index, [...applyCoreRelocation(head as Instruction, r), ...tail]);
  }
  return insns.flatMap((insn, i) => replaced.get(i) ?? [insn]);
}

/**
 * Applies `result` in place to raw bytecode `code` (byte order `order`) at byte `offset`: 8 bytes,
 * or 16 for an ld_imm64.
 */
export function patchCoreRelocation(
  code: Uint8Array,
  offset: number,
  order: ByteOrder,
  result: CoreResult,
): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % 8 !== 0 || offset + 8 > code.byteLength) {
    throw new CoreRelocationError(
      result.description,
      result.relo.insnOff,
      `instruction offset ${offset} outside the code (${code.byteLength} bytes)`,
    );
  }
  const wide = code[offset] === LD_IMM64_OPCODE;
  const slot = code.subarray(offset, offset + (wide ? 16 : 8));
  const [insn] = decodeInstructions(slot, order, 'co-re instruction', offset);
  const bytes = encodeInstructions(applyCoreRelocation(insn as Instruction, result), order);
  code.set(bytes, offset);
}
