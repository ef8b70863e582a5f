/**
 * The `Instruction` model: one eBPF instruction (the 16-byte ld_imm64 counts as one) plus metadata slots
 * the loader fills in: the symbol an instruction starts, the symbol it refers to, and its source line.
 * Pure: no node:* imports.
 */
import { formatInstruction } from './disassemble.js';
import {
  InsnClass,
  isJumpClass,
  JumpOp,
  LD_IMM64_OPCODE,
  opcodeClass,
  opcodeOperation,
  PseudoCall,
  PseudoLoad,
} from './opcodes.js';

/** Where an instruction came from (from BTF line info). Every field is optional. */
export interface SourceLine {
  readonly fileName?: string;
  /** 1-based line number. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
  /** The text of the source line. */
  readonly text?: string;
}

/** Fields accepted by the `Instruction` constructor; everything but `opcode` defaults to zero / unset. */
export interface InstructionInit {
  opcode: number;
  dst?: number;
  src?: number;
  offset?: number;
  constant?: bigint | number;
  symbol?: string | undefined;
  reference?: string | undefined;
  source?: SourceLine | undefined;
}

/**
 * One eBPF instruction. `constant` is the immediate as a signed 64-bit bigint: the sign-extended 32-bit imm
 * for ordinary instructions, the full 64-bit value for ld_imm64 (low imm in bits 0-31, the second
 * instruction's imm in bits 32-63). `dst`/`src` are register nibbles, `offset` the signed 16-bit offset.
 * Fields are mutable so the loader can patch them; the `with*` methods return modified copies.
 */
export class Instruction {
  opcode: number;
  dst: number;
  src: number;
  offset: number;
  constant: bigint;
  /** The label or function name that starts at this instruction. */
  symbol: string | undefined;
  /** The symbol this instruction refers to: a jump or call target, a function, or a map name. */
  reference: string | undefined;
  /** Source line information, when known. */
  source: SourceLine | undefined;

  constructor(init: InstructionInit) {
    this.opcode = init.opcode;
    this.dst = init.dst ?? 0;
    this.src = init.src ?? 0;
    this.offset = init.offset ?? 0;
    this.constant = typeof init.constant === 'number' ? BigInt(init.constant) : (init.constant ?? 0n);
    this.symbol = init.symbol;
    this.reference = init.reference;
    this.source = init.source;
  }

  /** True for the 16-byte ld_imm64 instruction. */
  get isLoadImm64(): boolean {
    return this.opcode === LD_IMM64_OPCODE;
  }

  /** Size in 8-byte units: 2 for ld_imm64, 1 otherwise. */
  get rawSize(): 1 | 2 {
    return this.isLoadImm64 ? 2 : 1;
  }

  /** The low 32 bits of `constant` as a signed number (the `imm` field of the first 8 bytes). */
  get imm(): number {
    return Number(BigInt.asIntN(32, this.constant));
  }

  /** True for calls of any kind (helper, bpf-to-bpf, kfunc). */
  get isCall(): boolean {
    return this.opcode === (InsnClass.JMP | JumpOp.CALL);
  }

  /** True for a helper call (`call bpf_xxx#id`). */
  get isHelperCall(): boolean {
    return this.isCall && this.src === PseudoCall.HELPER;
  }

  /** True for a bpf-to-bpf call (imm is a pc-relative offset). */
  get isFunctionCall(): boolean {
    return this.isCall && this.src === PseudoCall.CALL;
  }

  /** True for a kfunc call (imm is a kernel BTF id). */
  get isKfuncCall(): boolean {
    return this.isCall && this.src === PseudoCall.KFUNC_CALL;
  }

  /** True for `exit`. */
  get isExit(): boolean {
    return this.opcode === (InsnClass.JMP | JumpOp.EXIT);
  }

  /** True for jumps (conditional, `goto`, `gotol`, `may_goto`); false for calls and exit. */
  get isJump(): boolean {
    if (!isJumpClass(opcodeClass(this.opcode))) return false;
    const op = opcodeOperation(this.opcode);
    return op !== JumpOp.CALL && op !== JumpOp.EXIT;
  }

  /** True for ld_imm64 loading a function pointer (`PseudoLoad.FUNC`, imm is a pc-relative offset). */
  get isFunctionReference(): boolean {
    return this.isLoadImm64 && this.src === PseudoLoad.FUNC;
  }

  /** True for ld_imm64 loading a map pointer or a pointer into a map value (by fd or fd-array index). */
  get isMapLoad(): boolean {
    return (
      this.isLoadImm64 &&
      (this.src === PseudoLoad.MAP_FD ||
        this.src === PseudoLoad.MAP_VALUE ||
        this.src === PseudoLoad.MAP_IDX ||
        this.src === PseudoLoad.MAP_IDX_VALUE)
    );
  }

  /** For map-value loads: the offset into the value (the high 32 bits of `constant`, unsigned). */
  get mapOffset(): number {
    return Number(BigInt.asUintN(32, this.constant >> 32n));
  }

  /** A copy of this instruction (metadata included). */
  copy(): Instruction {
    return new Instruction(this);
  }

  /** A copy that starts the symbol (label or function name) `name`. */
  withSymbol(name: string | undefined): Instruction {
    const c = this.copy();
    c.symbol = name;
    return c;
  }

  /** A copy that refers to the symbol `name` (jump/call target, function or map). */
  withReference(name: string | undefined): Instruction {
    const c = this.copy();
    c.reference = name;
    return c;
  }

  /** A copy carrying source line information. */
  withSource(source: SourceLine | undefined): Instruction {
    const c = this.copy();
    c.source = source;
    return c;
  }

  /** A copy of a map load whose low 32 bits of `constant` are `fd`; a map-value offset is kept. */
  withMapFd(fd: number): Instruction {
    const c = this.copy();
    c.constant = BigInt.asIntN(64, (this.constant & ~0xffffffffn) | BigInt(fd >>> 0));
    return c;
  }

  /** The instruction in bpftool / verifier style, e.g. `r1 = *(u32 *)(r2 +8)`. */
  toString(): string {
    return formatInstruction(this);
  }
}
