/**
 * Turning backend results (`-errno` on failure) into typed errors.
 */
import { SyscallError } from '../errors.js';

/** A `SyscallError` for `op` failing with `errno`. */
export function syscallError(op: string, errno: number, detail?: string): SyscallError {
  return new SyscallError(op, errno, detail);
}

/** Returns `r` when non-negative, else throws `SyscallError(op, -r)`. */
export function check(op: string, r: number): number {
  if (r < 0) throw new SyscallError(op, -r);
  return r;
}
