/**
 * A disassembler producing text in the style of the kernel verifier log and bpftool
 * (`r1 = *(u32 *)(r2 +8)`, `if r1 > 0x5 goto pc+3`, `call bpf_map_lookup_elem#1`). Used in error
 * messages; it never throws, whatever the instruction fields hold. Pure: no node:* imports.
 */
import { helperName } from './helper-ids.js';
import type { Instruction } from './instruction.js';
import { iterateInstructions } from './instructions.js';
import {
  AluOp,
  AtomicOp,
  InsnClass,
  JCOND_MAY_GOTO,
  JumpOp,
  LD_IMM64_OPCODE,
  Mode,
  opcodeClass,
  opcodeMode,
  opcodeOperation,
  opcodeSize,
  opcodeSource,
  PseudoCall,
  PseudoLoad,
  Size,
  Source,
} from './opcodes.js';

const ALU_OPERATORS: Record<number, string> = {
  [AluOp.ADD]: '+=',
  [AluOp.SUB]: '-=',
  [AluOp.MUL]: '*=',
  [AluOp.DIV]: '/=',
  [AluOp.OR]: '|=',
  [AluOp.AND]: '&=',
  [AluOp.LSH]: '<<=',
  [AluOp.RSH]: '>>=',
  [AluOp.MOD]: '%=',
  [AluOp.XOR]: '^=',
  [AluOp.MOV]: '=',
  [AluOp.ARSH]: 's>>=',
};

const JUMP_OPERATORS: Record<number, string> = {
  [JumpOp.JEQ]: '==',
  [JumpOp.JGT]: '>',
  [JumpOp.JGE]: '>=',
  [JumpOp.JSET]: '&',
  [JumpOp.JNE]: '!=',
  [JumpOp.JSGT]: 's>',
  [JumpOp.JSGE]: 's>=',
  [JumpOp.JLT]: '<',
  [JumpOp.JLE]: '<=',
  [JumpOp.JSLT]: 's<',
  [JumpOp.JSLE]: 's<=',
};

const ATOMIC_NAMES: Record<number, string> = {
  [AtomicOp.ADD]: 'add',
  [AtomicOp.OR]: 'or',
  [AtomicOp.AND]: 'and',
  [AtomicOp.XOR]: 'xor',
};

const SIZE_BITS: Record<number, number> = { [Size.B]: 8, [Size.H]: 16, [Size.W]: 32, [Size.DW]: 64 };

function hex(n: number | bigint): string {
  return n < 0 ? `-0x${(-BigInt(n)).toString(16)}` : `0x${n.toString(16)}`;
}

function signed(n: number): string {
  return n < 0 ? `${n}` : `+${n}`;
}

function unknown(insn: Instruction): string {
  return `unknown opcode 0x${(insn.opcode & 0xff).toString(16).padStart(2, '0')}`;
}

function memRef(insn: Instruction, base: number, sign = 'u'): string {
  return `*(${sign}${SIZE_BITS[opcodeSize(insn.opcode)]} *)(r${base} ${signed(insn.offset)})`;
}

function target(insn: Instruction, delta: number): string {
  return `pc${signed(delta)}${insn.reference === undefined ? '' : ` <${insn.reference}>`}`;
}

function formatAlu(insn: Instruction, wide: boolean): string {
  const r = wide ? 'r' : 'w';
  const dst = `${r}${insn.dst}`;
  const op = opcodeOperation(insn.opcode);
  const isReg = opcodeSource(insn.opcode) === Source.X;
  const operand = isReg ? `${r}${insn.src}` : `${insn.imm}`;
  if (op === AluOp.END) {
    if (!wide) return `r${insn.dst} = ${isReg ? 'be' : 'le'}${insn.imm} r${insn.dst}`;
    return isReg ? unknown(insn) : `r${insn.dst} = bswap${insn.imm} r${insn.dst}`;
  }
  if (op === AluOp.NEG) return `${dst} = -${dst}`;
  if (op === AluOp.MOV && isReg && insn.offset !== 0) return `${dst} = (s${insn.offset})${r}${insn.src}`;
  if ((op === AluOp.DIV || op === AluOp.MOD) && insn.offset === 1) {
    return `${dst} s${op === AluOp.DIV ? '/=' : '%='} ${operand}`;
  }
  const operator = ALU_OPERATORS[op];
  return operator === undefined ? unknown(insn) : `${dst} ${operator} ${operand}`;
}

function formatAtomic(insn: Instruction): string {
  const size = opcodeSize(insn.opcode);
  const bits = size === Size.DW ? '64' : '';
  const ptr = `(u${SIZE_BITS[size]} *)(r${insn.dst} ${signed(insn.offset)})`;
  const op = Number(BigInt.asUintN(32, insn.constant));
  const name = ATOMIC_NAMES[op & ~AtomicOp.FETCH];
  if (op === AtomicOp.XCHG) return `r${insn.src} = atomic${bits}_xchg(${ptr}, r${insn.src})`;
  if (op === AtomicOp.CMPXCHG) return `r0 = atomic${bits}_cmpxchg(${ptr}, r0, r${insn.src})`;
  if (op === AtomicOp.LOAD_ACQ) {
    return `r${insn.dst} = load_acquire((u${SIZE_BITS[size]} *)(r${insn.src} ${signed(insn.offset)}))`;
  }
  if (op === AtomicOp.STORE_REL) return `store_release(${ptr}, r${insn.src})`;
  if (name === undefined) return `${unknown(insn)} (atomic ${hex(op)})`;
  if (op & AtomicOp.FETCH) return `r${insn.src} = atomic${bits}_fetch_${name}(${ptr}, r${insn.src})`;
  const operator = ALU_OPERATORS[op & ~AtomicOp.FETCH];
  return `lock *${ptr} ${operator} r${insn.src}`;
}

function mapName(insn: Instruction, kind: 'fd' | 'idx'): string {
  return insn.reference === undefined ? `map[${kind}:${insn.imm >>> 0}]` : `map[${insn.reference}]`;
}

function formatLoadImm64(insn: Instruction): string {
  const dst = `r${insn.dst}`;
  switch (insn.src) {
    case PseudoLoad.NONE:
      return `${dst} = ${hex(BigInt.asUintN(64, insn.constant))}`;
    case PseudoLoad.MAP_FD:
      return `${dst} = ${mapName(insn, 'fd')}`;
    case PseudoLoad.MAP_VALUE:
      return `${dst} = ${mapName(insn, 'fd')}[0]+${insn.mapOffset}`;
    case PseudoLoad.MAP_IDX:
      return `${dst} = ${mapName(insn, 'idx')}`;
    case PseudoLoad.MAP_IDX_VALUE:
      return `${dst} = ${mapName(insn, 'idx')}[0]+${insn.mapOffset}`;
    case PseudoLoad.BTF_ID:
      return `${dst} = ksym[${insn.reference ?? `btf_id:${insn.imm >>> 0}`}]`;
    case PseudoLoad.FUNC:
      return `${dst} = func ${target(insn, insn.imm)}`;
    default:
      return `${dst} = ${hex(BigInt.asUintN(64, insn.constant))} (pseudo ${insn.src})`;
  }
}

function formatLoad(insn: Instruction): string {
  if (insn.opcode === LD_IMM64_OPCODE) return formatLoadImm64(insn);
  const mode = opcodeMode(insn.opcode);
  const size = `u${SIZE_BITS[opcodeSize(insn.opcode)]}`;
  if (mode === Mode.ABS) return `r0 = *(${size} *)skb[${insn.imm}]`;
  if (mode === Mode.IND) {
    return `r0 = *(${size} *)skb[r${insn.src}${insn.imm === 0 ? '' : ` ${signed(insn.imm)}`}]`;
  }
  return unknown(insn);
}

function formatCall(insn: Instruction): string {
  if (insn.src === PseudoCall.CALL) return `call ${target(insn, insn.imm)}`;
  if (insn.src === PseudoCall.KFUNC_CALL) return `call ${insn.reference ?? 'kernel-function'}#${insn.imm}`;
  if (insn.src !== PseudoCall.HELPER) return unknown(insn);
  const name = helperName(insn.imm);
  return `call ${name === undefined ? 'unknown' : `bpf_${name}`}#${insn.imm}`;
}

function formatJump(insn: Instruction, wide: boolean): string {
  const op = opcodeOperation(insn.opcode);
  const isReg = opcodeSource(insn.opcode) === Source.X;
  if (op === JumpOp.JA) {
    if (isReg) return unknown(insn);
    return wide ? `goto ${target(insn, insn.offset)}` : `gotol ${target(insn, insn.imm)}`;
  }
  if (wide && op === JumpOp.CALL && !isReg) return formatCall(insn);
  if (wide && op === JumpOp.EXIT && !isReg) return 'exit';
  if (wide && op === JumpOp.JCOND && !isReg && insn.src === JCOND_MAY_GOTO) {
    return `may_goto ${target(insn, insn.offset)}`;
  }
  const operator = JUMP_OPERATORS[op];
  if (operator === undefined) return unknown(insn);
  const r = wide ? 'r' : 'w';
  const operand = isReg ? `${r}${insn.src}` : hex(insn.imm);
  return `if ${r}${insn.dst} ${operator} ${operand} goto ${target(insn, insn.offset)}`;
}

/** One instruction as text, without its offset, e.g. `r1 = *(u32 *)(r2 +8)`. */
export function formatInstruction(insn: Instruction): string {
  const cls = opcodeClass(insn.opcode);
  const mode = opcodeMode(insn.opcode);
  switch (cls) {
    case InsnClass.ALU:
    case InsnClass.ALU64:
      return formatAlu(insn, cls === InsnClass.ALU64);
    case InsnClass.JMP:
    case InsnClass.JMP32:
      return formatJump(insn, cls === InsnClass.JMP);
    case InsnClass.LD:
      return formatLoad(insn);
    case InsnClass.LDX:
      if (mode === Mode.MEM) return `r${insn.dst} = ${memRef(insn, insn.src)}`;
      if (mode === Mode.MEMSX) return `r${insn.dst} = ${memRef(insn, insn.src, 's')}`;
      return unknown(insn);
    case InsnClass.ST:
      return mode === Mode.MEM ? `${memRef(insn, insn.dst)} = ${insn.imm}` : unknown(insn);
    default:
      if (mode === Mode.MEM) return `${memRef(insn, insn.dst)} = r${insn.src}`;
      if (mode === Mode.ATOMIC) return formatAtomic(insn);
      return unknown(insn);
  }
}

/** Options of `disassemble`. */
export interface DisassembleOptions {
  /** Raw offset (8-byte units) of the first instruction to show; default 0. */
  start?: number;
  /** Maximum number of instructions to show; default all. */
  limit?: number;
  /** Print `name:` lines before instructions that start a symbol; default true. */
  symbols?: boolean;
  /** Print the opcode byte like the verifier log, `12: (61) r1 = ...`; default false. */
  opcodes?: boolean;
  /** Print `; <source line>` before an instruction whose source line differs from the previous one; default false. */
  source?: boolean;
}

/** Disassembles instructions into text lines, each prefixed with its raw offset: `   3: r2 += -4`. */
export function disassemble(insns: readonly Instruction[], options: DisassembleOptions = {}): string[] {
  const start = options.start ?? 0;
  const limit = Math.max(0, options.limit ?? Number.POSITIVE_INFINITY);
  const shown = [...iterateInstructions(insns)].filter((p) => p.rawOffset >= start).slice(0, limit);
  const width = String(shown.at(-1)?.rawOffset ?? 0).length;
  const lines: string[] = [];
  let lastSource: string | undefined;
  for (const { rawOffset, instruction: insn } of shown) {
    if (options.symbols !== false && insn.symbol !== undefined) lines.push(`${insn.symbol}:`);
    const text = insn.source?.text?.trim();
    if (options.source === true && text !== undefined && text !== lastSource) lines.push(`; ${text}`);
    lastSource = text ?? lastSource;
    const opcode = options.opcodes === true ? `(${(insn.opcode & 0xff).toString(16).padStart(2, '0')}) ` : '';
    lines.push(`${String(rawOffset).padStart(width)}: ${opcode}${formatInstruction(insn)}`);
  }
  return lines;
}
