/**
 * The error model of ebpf-ts. Every error thrown by the library is an `EbpfError` with a stable `code`;
 * the `is*Error` guards test `code` (not `instanceof`) so that ESM and CJS copies of the package agree.
 */
import { errnoName } from './internal/errno.js';

/** Options accepted by every error constructor. */
export interface EbpfErrorOptions {
  cause?: unknown;
}

/** Base class of every error thrown by ebpf-ts. `code` is a stable, machine-readable identifier. */
export class EbpfError extends Error {
  readonly code: string;
  constructor(message: string, code = 'EBPF_ERROR', options?: EbpfErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EbpfError';
    this.code = code;
  }

  /** A copy of this error whose message is prefixed with `context: ` (keeps class, code and fields). */
  withContext(context: string): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this);
    if (this.cause !== undefined)
      Object.defineProperty(copy, 'cause', {
        value: this.cause,
        enumerable: false,
        writable: true,
        configurable: true,
      });
    Object.defineProperty(copy, 'message', {
      value: `${context}: ${this.message}`,
      enumerable: false,
      writable: true,
      configurable: true,
    });
    Object.defineProperty(copy, 'stack', {
      value: `${this.name}: ${context}: ${this.message}\n${(this.stack ?? '').split('\n').slice(1).join('\n')}`,
      enumerable: false,
      writable: true,
      configurable: true,
    });
    return copy;
  }
}

/**
 * A system call failed. `errno` is the raw number, `code` its symbolic name (`EPERM`), `op` what was being
 * done (`map create`, `BPF_PROG_LOAD`).
 */
export class SyscallError extends EbpfError {
  readonly errno: number;
  readonly op: string;
  constructor(op: string, errno: number, detail?: string, options?: EbpfErrorOptions) {
    const name = errnoName(errno);
    super(`${op}: ${name}${detail ? `: ${detail}` : ''}`, name, options);
    this.name = 'SyscallError';
    this.errno = errno;
    this.op = op;
  }
}

/** The running kernel lacks a feature. `feature` names it; `minKernel` is the first version that has it. */
export class NotSupportedError extends EbpfError {
  readonly feature: string;
  readonly minKernel: string | undefined;
  constructor(feature: string, minKernel?: string, detail?: string, options?: EbpfErrorOptions) {
    super(
      `${feature} not supported${minKernel ? ` (requires kernel >= ${minKernel})` : ''}${detail ? `: ${detail}` : ''}`,
      'ENOTSUPPORTED',
      options,
    );
    this.name = 'NotSupportedError';
    this.feature = feature;
    this.minKernel = minKernel;
  }
}

/** The verifier rejected a program. The message ends with the last meaningful log lines; `log` has all. */
export class VerifierError extends EbpfError {
  readonly log: string;
  readonly errno: number;
  readonly truncated: boolean;
  constructor(op: string, errno: number, log: string, truncated = false, options?: EbpfErrorOptions) {
    super(`${op}: ${errnoName(errno)}: ${summarizeVerifierLog(log)}`, 'EVERIFIER', options);
    this.name = 'VerifierError';
    this.log = log;
    this.errno = errno;
    this.truncated = truncated;
  }
}

/** A map lookup or delete found no entry for the key. */
export class KeyNotFoundError extends EbpfError {
  constructor(op = 'lookup', options?: EbpfErrorOptions) {
    super(`${op}: key not found`, 'EKEYNOTFOUND', options);
    this.name = 'KeyNotFoundError';
  }
}

/** Malformed input to a parser. `section` names the part of the input, `offset` the byte position. */
export class ParseError extends EbpfError {
  readonly section: string;
  readonly offset: number;
  constructor(section: string, offset: number, detail: string, options?: EbpfErrorOptions) {
    super(`${section} at offset ${offset}: ${detail}`, 'EPARSE', options);
    this.name = 'ParseError';
    this.section = section;
    this.offset = offset;
  }
}

/** An operation on an object that was already closed, or a read woken by `close()`. */
export class ClosedError extends EbpfError {
  constructor(what: string, options?: EbpfErrorOptions) {
    super(`${what}: closed`, 'ECLOSED', options);
    this.name = 'ClosedError';
  }
}

function hasCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/** True for any error thrown by ebpf-ts (from either module format). */
export function isEbpfError(e: unknown): e is EbpfError {
  return (
    e instanceof EbpfError ||
    (e instanceof Error && typeof (e as { code?: unknown }).code === 'string' && 'withContext' in e)
  );
}
/** True for a `SyscallError` (checks `errno` and `op`). */
export function isSyscallError(e: unknown): e is SyscallError {
  return (
    isEbpfError(e) &&
    typeof (e as Partial<SyscallError>).errno === 'number' &&
    typeof (e as Partial<SyscallError>).op === 'string'
  );
}
/** True for a `NotSupportedError`. */
export function isNotSupportedError(e: unknown): e is NotSupportedError {
  return hasCode(e, 'ENOTSUPPORTED');
}
/** True for a `VerifierError`. */
export function isVerifierError(e: unknown): e is VerifierError {
  return hasCode(e, 'EVERIFIER');
}
/** True for a `KeyNotFoundError`. */
export function isKeyNotFoundError(e: unknown): e is KeyNotFoundError {
  return hasCode(e, 'EKEYNOTFOUND');
}
/** True for a `ParseError`. */
export function isParseError(e: unknown): e is ParseError {
  return hasCode(e, 'EPARSE');
}
/** True for a `ClosedError`. */
export function isClosedError(e: unknown): e is ClosedError {
  return hasCode(e, 'ECLOSED');
}

const NOISE = /^(processed \d+ insns|verification time|stack depth|max_states_per_insn|\s*$)/;

/** The last meaningful lines of a verifier log, joined for an error message. */
export function summarizeVerifierLog(log: string, maxLines = 3): string {
  const lines = log
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0 && !NOISE.test(l));
  if (lines.length === 0) return 'verifier rejected program (no log)';
  return lines.slice(-maxLines).join(' | ');
}
