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
  // A few names against ~200k lines: find each name with indexOf (native, linear) and check the line it
  // sits on, instead of splitting every line of a 5 MB file.
  for (const name of names) {
    if (name === '' || /\s/.test(name)) continue;
    const needle = ` ${name}`;
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      const after = at + needle.length;
      const next = after < text.length ? text.charCodeAt(after) : 10;
      if (next !== 10 && next !== 9 && next !== 32 && next !== 13) continue; // a longer name
      const lineStart = text.lastIndexOf('\n', at) + 1;
      const head = text.slice(lineStart, at); // "<addr> <type>"
      const m = /^([0-9a-fA-F]{1,16}) \S$/.exec(head);
      if (!m) continue; // the name appeared as a module name or inside another field
      const addr = BigInt(`0x${m[1]}`);
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
