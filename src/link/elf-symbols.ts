/**
 * Function symbols of an executable or shared library and their file offsets, which is what uprobes take:
 * `st_value - p_vaddr + p_offset` through the `PT_LOAD` segment that maps the symbol. Looks in `.symtab`
 * and `.dynsym`; prefers global over weak definitions; ignores imports.
 */

import { ET, STB, STT } from '../elf/constants.js';
import type { ElfFile } from '../elf/elf-file.js';
import type { ElfSymbol } from '../elf/symbols.js';
import { EbpfError } from '../errors.js';

/** A function symbol and where it is in the file. */
export interface FunctionSymbol {
  name: string;
  /** `st_value` (a virtual address for executables and shared objects). */
  address: bigint;
  /** The file offset uprobes use. */
  offset: number;
  size: bigint;
  binding: number;
}

function isFunction(sym: ElfSymbol): boolean {
  return (
    (sym.type === STT.FUNC || sym.type === STT.GNU_IFUNC) &&
    sym.sectionIndex !== undefined &&
    sym.value !== 0n
  );
}

const BINDING_RANK: Record<number, number> = { [STB.GLOBAL]: 0, [STB.GNU_UNIQUE]: 0, [STB.WEAK]: 1 };

/**
 * Every defined function symbol of `elf` by name (names with a `@VERSION` suffix are also indexed under the
 * bare name when `@@` marks the default version). Throws `EINVAL` for relocatable objects.
 */
export function functionSymbols(elf: ElfFile, label: string): Map<string, FunctionSymbol> {
  if (elf.header.type !== ET.EXEC && elf.header.type !== ET.DYN)
    throw new EbpfError(
      `${label}: not an executable or shared object (ELF type ${elf.header.type})`,
      'EINVAL',
    );
  const out = new Map<string, FunctionSymbol>();
  const add = (name: string, sym: ElfSymbol): void => {
    const prev = out.get(name);
    const rank = BINDING_RANK[sym.binding] ?? 2;
    if (prev !== undefined && (BINDING_RANK[prev.binding] ?? 2) <= rank) return;
    const offset = elf.virtualAddressToFileOffset(sym.value);
    if (offset === undefined) return;
    out.set(name, { name, address: sym.value, offset, size: sym.size, binding: sym.binding });
  };
  for (const sym of [...elf.symbols(), ...elf.dynamicSymbols()]) {
    if (!isFunction(sym) || sym.name === '') continue;
    add(sym.name, sym);
    const at = sym.name.indexOf('@@');
    if (at > 0) add(sym.name.slice(0, at), sym);
  }
  return out;
}

/** Names in `symbols` matching a shell-style glob (`*`, `?`), sorted. */
export function matchGlob(names: Iterable<string>, pattern: string): string[] {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return [...names].filter((n) => re.test(n)).sort();
}
