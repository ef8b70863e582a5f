/**
 * Errors raised by BTF lookups and conversions (parsing errors are `ParseError` from `src/errors.ts`).
 */
import { EbpfError, type EbpfErrorOptions } from '../errors.js';

/** Base class of BTF errors that are not parse errors (lookups, sizes, marshalling). */
export class BtfError extends EbpfError {
  constructor(message: string, code = 'EBTF', options?: EbpfErrorOptions) {
    super(message, code, options);
    this.name = 'BtfError';
  }
}

/** No type matched a lookup by name or ID. `query` is what was looked up. */
export class TypeNotFoundError extends BtfError {
  readonly query: string;
  constructor(query: string, detail?: string, options?: EbpfErrorOptions) {
    super(`type ${query}: not found${detail ? `: ${detail}` : ''}`, 'EBTFNOTFOUND', options);
    this.name = 'TypeNotFoundError';
    this.query = query;
  }
}

/** A lookup by name matched several types where exactly one was wanted. `ids` lists the candidates. */
export class AmbiguousTypeError extends BtfError {
  readonly query: string;
  readonly ids: readonly number[];
  constructor(query: string, ids: readonly number[], options?: EbpfErrorOptions) {
    const shown = ids.slice(0, 8).join(', ');
    super(
      `type ${query}: ambiguous: ${ids.length} types match (ids ${shown}${ids.length > 8 ? ', ...' : ''}); pass a kind to narrow the lookup`,
      'EBTFAMBIGUOUS',
      options,
    );
    this.name = 'AmbiguousTypeError';
    this.query = query;
    this.ids = ids;
  }
}

/** True for a `TypeNotFoundError` (checks `code`, so ESM and CJS copies agree). */
export function isTypeNotFoundError(e: unknown): e is TypeNotFoundError {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EBTFNOTFOUND';
}

/** True for an `AmbiguousTypeError`. */
export function isAmbiguousTypeError(e: unknown): e is AmbiguousTypeError {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EBTFAMBIGUOUS';
}

/** True for any `BtfError` (not-found, ambiguous, size/marshal errors). */
export function isBtfError(e: unknown): e is BtfError {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('EBTF');
}
