/**
 * Argument checks shared by the instruction builders: registers, 32-bit immediates, 16-bit offsets and
 * jump targets. A bad argument is an `EASSEMBLE` error. Pure: no node:* imports.
 */
import { assembleError } from './assemble-error.js';
import { isRegister, type Register } from './registers.js';

/** A jump target: a label (resolved by `resolveJumps`) or a relative offset in 8-byte units. */
export type JumpTarget = string | number;

/** Returns `r` when it is a register number 0-10, else throws. */
export function checkRegister(r: number, what: string): Register {
  if (!isRegister(r)) throw assembleError(`${what}: invalid register ${r} (expected 0-10)`);
  return r;
}

/** A 32-bit immediate (signed, or unsigned up to 0xffffffff) as a sign-extended bigint. */
export function checkImm32(value: number | bigint, what: string): bigint {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw assembleError(`${what}: immediate ${value} is not an integer`);
  }
  const v = BigInt(value);
  if (v < -(2n ** 31n) || v >= 2n ** 32n)
    throw assembleError(`${what}: immediate ${v} does not fit in 32 bits`);
  return BigInt.asIntN(32, v);
}

/** A 64-bit immediate (signed, or unsigned up to 2^64-1) as a signed bigint. */
export function checkImm64(value: number | bigint, what: string): bigint {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw assembleError(`${what}: immediate ${value} is not a safe integer (pass a bigint)`);
  }
  const v = BigInt(value);
  if (v < -(2n ** 63n) || v >= 2n ** 64n)
    throw assembleError(`${what}: immediate ${v} does not fit in 64 bits`);
  return BigInt.asIntN(64, v);
}

/** A signed 16-bit offset. */
export function checkOffset(off: number, what: string): number {
  if (!Number.isInteger(off) || off < -0x8000 || off > 0x7fff) {
    throw assembleError(`${what}: offset ${off} does not fit in 16 bits`);
  }
  return off;
}

/** Splits a jump target into the label to reference and the placeholder or literal offset. */
export function splitTarget(targetOrLabel: JumpTarget, what: string): { reference?: string; delta: number } {
  if (typeof targetOrLabel === 'string') {
    if (targetOrLabel.length === 0) throw assembleError(`${what}: empty jump label`);
    return { reference: targetOrLabel, delta: 0 };
  }
  if (!Number.isInteger(targetOrLabel))
    throw assembleError(`${what}: jump offset ${targetOrLabel} is not an integer`);
  return { delta: targetOrLabel };
}
