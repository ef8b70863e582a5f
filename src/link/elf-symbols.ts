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

const STT_FUNC = STT.FUNC;
const STT_GNU_IFUNC = STT.GNU_IFUNC;
const STB_GLOBAL = STB.GLOBAL;
const STB_GNU_UNIQUE = STB.GNU_UNIQUE;
const STB_WEAK = STB.WEAK;

function isFunction(sym: ElfSymbol): boolean {
  return (
    (sym.type === STT_FUNC || sym.type === STT_GNU_IFUNC) &&
    sym.sectionIndex !== undefined &&
    sym.value !== 0n &&
    sym.name !== ''
  );
}

/** Preference among definitions of one name: lower wins (global and unique, then weak, then the rest). */
function bindingRank(binding: number): number {
  if (binding === STB_GLOBAL || binding === STB_GNU_UNIQUE) return 0;
  return binding === STB_WEAK ? 1 : 2;
}

/**
 * Every defined function symbol of `elf` by name (names with a `@VERSION` suffix are also indexed under the
 * bare name when `@@` marks the default version). Throws `EINVAL` for relocatable objects. Built in one
 * pass over both symbol tables; callers keep the map to look names up.
 */
export function functionSymbols(elf: ElfFile, label: string): Map<string, FunctionSymbol> {
  if (elf.header.type !== ET.EXEC && elf.header.type !== ET.DYN)
    throw new EbpfError(
      `${label}: not an executable or shared object (ELF type ${elf.header.type})`,
      'EINVAL',
    );
  const out = new Map<string, FunctionSymbol>();
  /** Records `sym` under `name` unless an equal or better binding holds it; false when unmapped. */
  const add = (name: string, sym: ElfSymbol, rank: number): boolean => {
    const prev = out.get(name);
    if (prev !== undefined && bindingRank(prev.binding) <= rank) return true;
    const offset = elf.virtualAddressToFileOffset(sym.value);
    if (offset === undefined) return false;
    out.set(name, { name, address: sym.value, offset, size: sym.size, binding: sym.binding });
    return true;
  };
  for (const table of [elf.symbols(), elf.dynamicSymbols()]) {
    for (const sym of table) {
      if (!isFunction(sym)) continue;
      const rank = bindingRank(sym.binding);
      if (!add(sym.name, sym, rank)) continue; // not in a file-backed segment: no name of it is either
      const at = sym.name.indexOf('@@');
      if (at > 0) add(sym.name.slice(0, at), sym, rank);
    }
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
