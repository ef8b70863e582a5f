/**
 * eBPF opcode constants and opcode field accessors, as defined by linux/bpf_common.h and linux/bpf.h
 * (plus the newer encodings: BPF_MEMSX, BPF_JCOND/may_goto, signed div/mod, movsx, bswap, load-acquire and
 * store-release). An opcode byte is `class | size | mode` for loads and stores, `class | op | source` for
 * ALU and jump instructions. Pure data: no node:* imports.
 */

/** Instruction classes: the low three bits of the opcode. */
export const InsnClass = {
  /** Legacy loads (ld_imm64, packet access via BPF_ABS/BPF_IND). */
  LD: 0x00,
  /** Load from memory into a register. */
  LDX: 0x01,
  /** Store an immediate to memory. */
  ST: 0x02,
  /** Store a register to memory (also atomics). */
  STX: 0x03,
  /** 32-bit arithmetic. */
  ALU: 0x04,
  /** 64-bit jumps, calls and exit. */
  JMP: 0x05,
  /** Jumps comparing the lower 32 bits. */
  JMP32: 0x06,
  /** 64-bit arithmetic. */
  ALU64: 0x07,
} as const;
/** One of the `InsnClass` values. */
export type InsnClass = (typeof InsnClass)[keyof typeof InsnClass];

/** Access sizes of load/store instructions (bits 3-4 of the opcode). */
export const Size = {
  /** 32-bit word. */
  W: 0x00,
  /** 16-bit half word. */
  H: 0x08,
  /** 8-bit byte. */
  B: 0x10,
  /** 64-bit double word. */
  DW: 0x18,
} as const;
/** One of the `Size` values. */
export type Size = (typeof Size)[keyof typeof Size];

/** Addressing modes of load/store instructions (bits 5-7 of the opcode). */
export const Mode = {
  /** 64-bit immediate (ld_imm64, 16 bytes). */
  IMM: 0x00,
  /** Legacy packet load at an absolute offset. */
  ABS: 0x20,
  /** Legacy packet load at a register-relative offset. */
  IND: 0x40,
  /** Regular memory access. */
  MEM: 0x60,
  /** Sign-extending memory load (LDX only). */
  MEMSX: 0x80,
  /** Atomic read-modify-write (STX only); the operation is in the immediate. */
  ATOMIC: 0xc0,
} as const;
/** One of the `Mode` values. */
export type Mode = (typeof Mode)[keyof typeof Mode];

/**
 * ALU operations (bits 4-7 of the opcode). `SDIV` and `SMOD` are `DIV`/`MOD` with offset 1; they are
 * encoded here as `0x100 | op` so builders can accept them like any other operation: the low byte goes
 * into the opcode and `op >> 8` into the offset field (see `aluOperation`).
 */
export const AluOp = {
  ADD: 0x00,
  SUB: 0x10,
  MUL: 0x20,
  DIV: 0x30,
  OR: 0x40,
  AND: 0x50,
  LSH: 0x60,
  RSH: 0x70,
  NEG: 0x80,
  MOD: 0x90,
  XOR: 0xa0,
  MOV: 0xb0,
  ARSH: 0xc0,
  /** Byte swap; the immediate is the width (16, 32, 64) and the source bit selects to-le/to-be. */
  END: 0xd0,
  /** Signed division (`DIV` with offset 1, kernel 6.6+). */
  SDIV: 0x130,
  /** Signed modulo (`MOD` with offset 1, kernel 6.6+). */
  SMOD: 0x190,
} as const;
/** One of the `AluOp` values. */
export type AluOp = (typeof AluOp)[keyof typeof AluOp];

/** Offsets that turn `MOV` (register source) into a sign-extending move: `movsx` from 8, 16 or 32 bits. */
export const MOVSX_BITS = [8, 16, 32] as const;
/** The offset value marking signed division or modulo. */
export const SIGNED_DIV_OFFSET = 1;

/** Jump operations (bits 4-7 of the opcode), for the JMP and JMP32 classes. */
export const JumpOp = {
  /** Unconditional jump (`goto`; in JMP32 `gotol` with the target in the immediate). */
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  JSET: 0x40,
  JNE: 0x50,
  JSGT: 0x60,
  JSGE: 0x70,
  /** Helper, bpf-to-bpf or kfunc call (see `PseudoCall`). */
  CALL: 0x80,
  EXIT: 0x90,
  JLT: 0xa0,
  JLE: 0xb0,
  JSLT: 0xc0,
  JSLE: 0xd0,
  /** Conditional pseudo jump; with source register `JCOND_MAY_GOTO` it is `may_goto` (kernel 6.9+). */
  JCOND: 0xe0,
} as const;
/** One of the `JumpOp` values. */
export type JumpOp = (typeof JumpOp)[keyof typeof JumpOp];

/** The `src` register value of a `JCOND` instruction meaning `may_goto`. */
export const JCOND_MAY_GOTO = 0;

/** Operand source bit of ALU and jump opcodes. */
export const Source = {
  /** Operand is the 32-bit immediate. */
  K: 0x00,
  /** Operand is the source register. */
  X: 0x08,
} as const;
/** One of the `Source` values. */
export type Source = (typeof Source)[keyof typeof Source];

/** Byte-order flag of `END` instructions in the ALU class (shares the bit with `Source`). */
export const Endian = {
  /** Convert to (or from) little endian. */
  TO_LE: 0x00,
  /** Convert to (or from) big endian. */
  TO_BE: 0x08,
} as const;
/** One of the `Endian` values. */
export type Endian = (typeof Endian)[keyof typeof Endian];

/** Atomic operations, stored in the immediate of `STX | ATOMIC` instructions. */
export const AtomicOp = {
  ADD: 0x00,
  OR: 0x40,
  AND: 0x50,
  XOR: 0xa0,
  /** Flag: the old value is returned in the source register. */
  FETCH: 0x01,
  FETCH_ADD: 0x01,
  FETCH_OR: 0x41,
  FETCH_AND: 0x51,
  FETCH_XOR: 0xa1,
  /** Exchange: `src = xchg(*(dst + off), src)`. */
  XCHG: 0xe1,
  /** Compare-and-exchange: `r0 = cmpxchg(*(dst + off), r0, src)`. */
  CMPXCHG: 0xf1,
  /** `dst = load_acquire(*(src + off))` (kernel 6.15+). */
  LOAD_ACQ: 0x100,
  /** `store_release(*(dst + off), src)` (kernel 6.15+). */
  STORE_REL: 0x110,
} as const;
/** One of the `AtomicOp` values. */
export type AtomicOp = (typeof AtomicOp)[keyof typeof AtomicOp];

/** Source register values of ld_imm64 telling the kernel how to interpret the 64-bit immediate. */
export const PseudoLoad = {
  /** Plain 64-bit constant. */
  NONE: 0,
  /** imm = map fd; loads a map pointer. */
  MAP_FD: 1,
  /** imm = map fd, second imm = offset into the value; loads a pointer into the map value. */
  MAP_VALUE: 2,
  /** imm = BTF id of a kernel variable (ksym). */
  BTF_ID: 3,
  /** imm = instruction offset of a bpf-to-bpf function (callback pointer). */
  FUNC: 4,
  /** imm = index into the fd array; loads a map pointer. */
  MAP_IDX: 5,
  /** imm = index into the fd array, second imm = value offset. */
  MAP_IDX_VALUE: 6,
} as const;
/** One of the `PseudoLoad` values. */
export type PseudoLoad = (typeof PseudoLoad)[keyof typeof PseudoLoad];

/** Source register values of call instructions. */
export const PseudoCall = {
  /** imm = helper function id (`HelperId`). */
  HELPER: 0,
  /** imm = pc-relative offset of a bpf-to-bpf function. */
  CALL: 1,
  /** imm = BTF id of a kernel function; offset = index of the module BTF fd (0 = vmlinux). */
  KFUNC_CALL: 2,
} as const;
/** One of the `PseudoCall` values. */
export type PseudoCall = (typeof PseudoCall)[keyof typeof PseudoCall];

/** The opcode of the 16-byte ld_imm64 instruction (`LD | DW | IMM`). */
export const LD_IMM64_OPCODE = InsnClass.LD | Size.DW | Mode.IMM;

/** The class of an opcode (low three bits). */
export function opcodeClass(opcode: number): InsnClass {
  return (opcode & 0x07) as InsnClass;
}
/** The access size of a load/store opcode. */
export function opcodeSize(opcode: number): Size {
  return (opcode & 0x18) as Size;
}
/** The addressing mode of a load/store opcode. */
export function opcodeMode(opcode: number): number {
  return opcode & 0xe0;
}
/** The operation (high four bits) of an ALU or jump opcode. */
export function opcodeOperation(opcode: number): number {
  return opcode & 0xf0;
}
/** The source bit of an ALU or jump opcode. */
export function opcodeSource(opcode: number): Source {
  return (opcode & 0x08) as Source;
}
/** True for the ALU and ALU64 classes. */
export function isAluClass(cls: number): boolean {
  return cls === InsnClass.ALU || cls === InsnClass.ALU64;
}
/** True for the JMP and JMP32 classes. */
export function isJumpClass(cls: number): boolean {
  return cls === InsnClass.JMP || cls === InsnClass.JMP32;
}
/** True for the load/store classes (LD, LDX, ST, STX). */
export function isLoadStoreClass(cls: number): boolean {
  return cls <= InsnClass.STX;
}

/** The width in bytes of a `Size` value. */
export function sizeBytes(size: Size): 1 | 2 | 4 | 8 {
  switch (size) {
    case Size.B:
      return 1;
    case Size.H:
      return 2;
    case Size.W:
      return 4;
    default:
      return 8;
  }
}

/** The `Size` value for an access width in bytes. */
export function sizeFromBytes(bytes: 1 | 2 | 4 | 8): Size {
  switch (bytes) {
    case 1:
      return Size.B;
    case 2:
      return Size.H;
    case 4:
      return Size.W;
    default:
      return Size.DW;
  }
}
