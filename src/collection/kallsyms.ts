/**
 * Kernel symbol addresses from /proc/kallsyms, for typeless `__ksym` externs. Only the requested names
 * are kept; a name listed with two different addresses is ambiguous (as in libbpf). Addresses read as 0
 * when the process may not see them (kptr_restrict, no CAP_SYSLOG).
 */
import { readFileSync } from 'node:fs';
import { EbpfError } from '../errors.js';

/** Path of the kernel symbol table. */
export const KALLSYMS_PATH = '/proc/kallsyms';

/**
 * The addresses of `names` in kallsyms-formatted `text` (`<addr> <type> <name> [module]`). Names not
 * listed are absent from the result; a name with two different addresses throws `EbpfError` (EINVAL).
 */
export function parseKallsyms(text: string, names: ReadonlySet<string>): Map<string, bigint> {
  const out = new Map<string, bigint>();
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const a = text.indexOf(' ', pos);
    const b = a < 0 ? -1 : text.indexOf(' ', a + 1);
    if (b >= 0 && b < end) {
      let nameEnd = text.indexOf('\t', b + 1);
      if (nameEnd < 0 || nameEnd > end) nameEnd = end;
      const name = text.slice(b + 1, nameEnd).trimEnd();
      const hex = text.slice(pos, a);
      if (names.has(name) && /^[0-9a-fA-F]{1,16}$/.test(hex)) {
        const addr = BigInt(`0x${hex}`);
        const prev = out.get(name);
        if (prev !== undefined && prev !== addr) {
          throw new EbpfError(
            `kallsyms: symbol ${JSON.stringify(name)} is ambiguous (0x${prev.toString(16)} and 0x${addr.toString(16)})`,
            'EINVAL',
          );
        }
        out.set(name, addr);
      }
    }
    pos = end + 1;
  }
  return out;
}

/** Reads the addresses of `names` from /proc/kallsyms. */
export function readKallsyms(names: ReadonlySet<string>, path = KALLSYMS_PATH): Map<string, bigint> {
  if (names.size === 0) return new Map();
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new EbpfError(`kallsyms: read ${path}: ${(e as Error).message}`, code, { cause: e });
  }
  return parseKallsyms(text, names);
}
