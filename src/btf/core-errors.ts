/**
 * The error raised when a CO-RE relocation cannot be processed at all (as opposed to one that is
 * merely unresolvable, which poisons its instruction instead): malformed access strings, ambiguous
 * candidates, instructions that do not hold the expected value. Pure: no node:* imports.
 */
import type { EbpfErrorOptions } from '../errors.js';
import { BtfError } from './errors.js';

/** Error code of `CoreRelocationError` (starts with `EBTF`, so `isBtfError` accepts it too). */
export const CORE_RELOCATION_ERROR_CODE = 'EBTFCORE';

/**
 * A CO-RE relocation failed hard. `relocation` describes it (`byte_off struct task_struct.pid`),
 * `insnOff` is the byte offset of its instruction in the ELF section, `reason` what went wrong.
 */
export class CoreRelocationError extends BtfError {
  readonly relocation: string;
  readonly insnOff: number;
  readonly reason: string;
  constructor(relocation: string, insnOff: number, reason: string, options?: EbpfErrorOptions) {
    super(
      `co-re relocation ${relocation} (insn ${Math.floor(insnOff / 8)}): ${reason}`,
      CORE_RELOCATION_ERROR_CODE,
      options,
    );
    this.name = 'CoreRelocationError';
    this.relocation = relocation;
    this.insnOff = insnOff;
    this.reason = reason;
  }
}

/** True for a `CoreRelocationError` (checks `code`, so ESM and CJS copies agree). */
export function isCoreRelocationError(e: unknown): e is CoreRelocationError {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === CORE_RELOCATION_ERROR_CODE;
}

/**
 * Internal: a condition that makes the relocation impossible to process (libbpf returns -EINVAL,
 * -E2BIG...). The resolver turns it into a `CoreRelocationError` naming the relocation.
 */
export class CoreSpecError extends BtfError {
  constructor(message: string) {
    super(message, 'EBTFCORESPEC');
    this.name = 'CoreSpecError';
  }
}
