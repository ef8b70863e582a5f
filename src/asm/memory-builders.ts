/**
 * Builders for loads, stores and atomics: `ldx(Size.W, R1, R2, 8)`, `stx`, `st`, `atomic`, the 16-byte
 * ld_imm64 forms (`loadImm64`, `loadMapPtr`, `loadMapValue`, `loadFuncPtr`) and the legacy packet loads.
 * Each returns a new `Instruction`. Pure: no node:* imports.
 */
import { assembleError } from './assemble-error.js';
import { checkImm32, checkImm64, checkOffset, checkRegister } from './builder-checks.js';
import { Instruction } from './instruction.js';
import { AtomicOp, InsnClass, LD_IMM64_OPCODE, Mode, PseudoLoad, Size } from './opcodes.js';
import { R0, type Register } from './registers.js';

function checkSize(size: Size, what: string, allowed: readonly Size[] = Object.values(Size)): Size {
  if (!allowed.includes(size))
    throw assembleError(`${what}: invalid access size 0x${Number(size).toString(16)}`);
  return size;
}

/** `dst = *(size *)(src + off)`. */
export function ldx(size: Size, dst: Register, src: Register, off: number): Instruction {
  return new Instruction({
    opcode: InsnClass.LDX | checkSize(size, 'ldx') | Mode.MEM,
    dst: checkRegister(dst, 'ldx'),
    src: checkRegister(src, 'ldx'),
    offset: checkOffset(off, 'ldx'),
  });
}

/** `dst = *(s8|s16|s32 *)(src + off)`: sign-extending load (kernel 6.6+). */
export function ldxsx(size: Size, dst: Register, src: Register, off: number): Instruction {
  return new Instruction({
    opcode: InsnClass.LDX | checkSize(size, 'ldxsx', [Size.B, Size.H, Size.W]) | Mode.MEMSX,
    dst: checkRegister(dst, 'ldxsx'),
    src: checkRegister(src, 'ldxsx'),
    offset: checkOffset(off, 'ldxsx'),
  });
}

/** `*(size *)(dst + off) = src`. */
export function stx(size: Size, dst: Register, src: Register, off: number): Instruction {
  return new Instruction({
    opcode: InsnClass.STX | checkSize(size, 'stx') | Mode.MEM,
    dst: checkRegister(dst, 'stx'),
    src: checkRegister(src, 'stx'),
    offset: checkOffset(off, 'stx'),
  });
}

/** `*(size *)(dst + off) = imm`. */
export function st(size: Size, dst: Register, off: number, imm: number | bigint): Instruction {
  return new Instruction({
    opcode: InsnClass.ST | checkSize(size, 'st') | Mode.MEM,
    dst: checkRegister(dst, 'st'),
    offset: checkOffset(off, 'st'),
    constant: checkImm32(imm, 'st'),
  });
}

/**
 * An atomic operation on `*(size *)(dst + off)` with operand `src`: `lock ... += src` for ADD/OR/AND/XOR,
 * the FETCH_* forms return the old value in src, XCHG and CMPXCHG (compares with r0). For LOAD_ACQ the
 * roles follow the kernel: `dst = load_acquire(*(src + off))`. Size is W or DW (any for LOAD_ACQ/STORE_REL).
 */
export function atomic(op: AtomicOp, size: Size, dst: Register, src: Register, off: number): Instruction {
  if (!Object.values(AtomicOp).includes(op) || op === AtomicOp.FETCH) {
    throw assembleError(`atomic: unknown atomic operation 0x${Number(op).toString(16)}`);
  }
  const acqRel = op === AtomicOp.LOAD_ACQ || op === AtomicOp.STORE_REL;
  return new Instruction({
    opcode:
      InsnClass.STX |
      checkSize(size, 'atomic', acqRel ? Object.values(Size) : [Size.W, Size.DW]) |
      Mode.ATOMIC,
    dst: checkRegister(dst, 'atomic'),
    src: checkRegister(src, 'atomic'),
    offset: checkOffset(off, 'atomic'),
    constant: BigInt(op),
  });
}

function ldImm64(dst: Register, pseudo: PseudoLoad, constant: bigint, what: string, reference?: string) {
  return new Instruction({
    opcode: LD_IMM64_OPCODE,
    dst: checkRegister(dst, what),
    src: pseudo,
    constant,
    reference,
  });
}

/** `dst = value ll`: a 64-bit constant (ld_imm64, 16 bytes). */
export function loadImm64(dst: Register, value: number | bigint): Instruction {
  return ldImm64(dst, PseudoLoad.NONE, checkImm64(value, 'loadImm64'), 'loadImm64');
}

function mapFdOrReference(map: string | number, what: string): { fd: bigint; reference?: string } {
  if (typeof map === 'string') {
    if (map.length === 0) throw assembleError(`${what}: empty map name`);
    return { fd: 0n, reference: map };
  }
  if (!Number.isInteger(map) || map < 0 || map > 0x7fffffff)
    throw assembleError(`${what}: invalid map fd ${map}`);
  return { fd: BigInt(map) };
}

/**
 * `dst = map` (ld_imm64, PSEUDO_MAP_FD). Pass a map name to leave the fd to the loader (it is kept in
 * `reference`), or a file descriptor to use it directly.
 */
export function loadMapPtr(dst: Register, map: string | number): Instruction {
  const { fd, reference } = mapFdOrReference(map, 'loadMapPtr');
  return ldImm64(dst, PseudoLoad.MAP_FD, fd, 'loadMapPtr', reference);
}

/** `dst = &map.value[0] + offset` (ld_imm64, PSEUDO_MAP_VALUE); map by name (filled at load) or fd. */
export function loadMapValue(dst: Register, map: string | number, offset = 0): Instruction {
  const { fd, reference } = mapFdOrReference(map, 'loadMapValue');
  if (!Number.isInteger(offset) || offset < 0 || offset > 0xffffffff) {
    throw assembleError(`loadMapValue: invalid value offset ${offset}`);
  }
  return ldImm64(
    dst,
    PseudoLoad.MAP_VALUE,
    BigInt.asIntN(64, (BigInt(offset) << 32n) | fd),
    'loadMapValue',
    reference,
  );
}

/** `dst = &function` (ld_imm64, PSEUDO_FUNC): a callback pointer; `resolveJumps` fills the offset. */
export function loadFuncPtr(dst: Register, symbol: string): Instruction {
  if (symbol.length === 0) throw assembleError('loadFuncPtr: empty symbol');
  return ldImm64(dst, PseudoLoad.FUNC, 0n, 'loadFuncPtr', symbol);
}

/** `r0 = *(size *)skb[imm]`: legacy packet load at an absolute offset (socket filters). */
export function ldAbs(size: Size, imm: number): Instruction {
  return new Instruction({
    opcode: InsnClass.LD | checkSize(size, 'ldAbs', [Size.B, Size.H, Size.W]) | Mode.ABS,
    dst: R0,
    constant: checkImm32(imm, 'ldAbs'),
  });
}

/** `r0 = *(size *)skb[src + imm]`: legacy packet load at a register-relative offset. */
export function ldInd(size: Size, src: Register, imm: number): Instruction {
  return new Instruction({
    opcode: InsnClass.LD | checkSize(size, 'ldInd', [Size.B, Size.H, Size.W]) | Mode.IND,
    src: checkRegister(src, 'ldInd'),
    constant: checkImm32(imm, 'ldInd'),
  });
}
