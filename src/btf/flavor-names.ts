/**
 * Telling CO-RE "flavored" names (`task_struct___v2`: a name holding a flavor separator `X___Y`, with X
 * and Y not underscores) from the bytes of a BTF string table, without decoding the name. Kernel BTF
 * has only a handful of them, so CO-RE candidate search indexes just these and resolves every other
 * name through the hashed name index. Pure: no node:* imports.
 */
import type { StringTable } from './string-table.js';

const UNDERSCORE = 0x5f;

/**
 * Whether the NUL-terminated name at `bytes[at]` holds a flavor separator (libbpf's
 * `bpf_core_is_flavor_sep` somewhere in it), i.e. whether `essentialName` would shorten it.
 */
export function hasFlavorSeparator(bytes: Uint8Array, at: number): boolean {
  const first = bytes[at];
  if (first === undefined || first === 0) return false;
  for (let i = at + 1; ; i++) {
    const c = bytes[i];
    if (c === undefined || c === 0) return false;
    if (c !== UNDERSCORE) continue;
    // bytes[i - 1] is inside the name (i > at) and not NUL: X, if it is not an underscore.
    if (bytes[i - 1] === UNDERSCORE || bytes[i + 1] !== UNDERSCORE || bytes[i + 2] !== UNDERSCORE) continue;
    const y = bytes[i + 3];
    if (y !== undefined && y !== 0 && y !== UNDERSCORE) return true;
  }
}

/**
 * Whether the name at string offset `off` of `strings` (or of one of its bases) is flavored. False for
 * an offset no table holds.
 */
export function isFlavoredName(strings: StringTable, off: number): boolean {
  let table: StringTable | undefined = strings;
  while (table !== undefined && off < table.start) table = table.base;
  if (table === undefined) return false;
  const at = off - table.start;
  return at < table.bytes.length && hasFlavorSeparator(table.bytes, at);
}
