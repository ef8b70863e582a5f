/**
 * The error raised for instructions that cannot be built, resolved or encoded (bad register, out-of-range
 * immediate or offset, unknown jump label). Pure: no node:* imports.
 */
import { EbpfError } from '../errors.js';

/** The `code` of errors thrown by the instruction builder, jump resolver and encoder. */
export const ASSEMBLE_ERROR_CODE = 'EASSEMBLE';

/** An `EbpfError` with code `EASSEMBLE` and the given message. */
export function assembleError(message: string): EbpfError {
  return new EbpfError(message, ASSEMBLE_ERROR_CODE);
}
