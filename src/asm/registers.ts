/**
 * eBPF registers. R0 holds return values, R1-R5 arguments (clobbered by calls), R6-R9 are callee-saved and
 * R10 is the read-only frame pointer. Pure data: no node:* imports.
 */

/** A register number, 0 to 10. Decoded instructions may carry other nibble values (11-15), which are invalid. */
export type Register = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Return value register. */
export const R0 = 0;
/** First argument register. */
export const R1 = 1;
/** Second argument register. */
export const R2 = 2;
/** Third argument register. */
export const R3 = 3;
/** Fourth argument register. */
export const R4 = 4;
/** Fifth argument register. */
export const R5 = 5;
/** Callee-saved register. */
export const R6 = 6;
/** Callee-saved register. */
export const R7 = 7;
/** Callee-saved register. */
export const R8 = 8;
/** Callee-saved register. */
export const R9 = 9;
/** Read-only frame pointer. */
export const R10 = 10;
/** Alias of R10: the frame pointer. */
export const RFP = R10;

/** The highest valid register number. */
export const MAX_REGISTER = 10;

/** True when `n` is a valid register number (0 to 10). */
export function isRegister(n: number): n is Register {
  return Number.isInteger(n) && n >= 0 && n <= MAX_REGISTER;
}
