/**
 * Symbolisation for the profile example: kernel addresses through /proc/kallsyms, user addresses through
 * /proc/<pid>/maps and the ELF function symbols (`.symtab` and `.dynsym`) of the mapped executable or
 * library. Addresses without a symbol print as `[module+0xoffset]` or `0xaddress`.
 */
import { readFileSync } from 'node:fs';
import { parseElf } from 'ebpf-ts/elf';
import { functionSymbols } from 'ebpf-ts/link';

/** A symbol covering `[start, end)` in some address space (kernel addresses or file offsets). */
interface SymbolRange {
  start: bigint;
  end: bigint;
  name: string;
}

/** Index of the last range starting at or before `addr`, or -1. */
function floorIndex(ranges: readonly SymbolRange[], addr: bigint): number {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((ranges[mid] as SymbolRange).start <= addr) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** `name+0xoff` for `addr` in `ranges`, or undefined. */
function lookup(ranges: readonly SymbolRange[], addr: bigint): string | undefined {
  const i = floorIndex(ranges, addr);
  if (i < 0) return undefined;
  const r = ranges[i] as SymbolRange;
  if (addr >= r.end) return undefined;
  return `${r.name}+0x${(addr - r.start).toString(16)}`;
}

/** Kernel symbols from /proc/kallsyms (each symbol ends where the next one starts). */
export class KernelSymbols {
  readonly #ranges: SymbolRange[];

  constructor(kallsyms = readFileSync('/proc/kallsyms', 'latin1')) {
    const entries: Array<{ start: bigint; name: string }> = [];
    for (const line of kallsyms.split('\n')) {
      const [addr, type, name, module] = line.split(/\s+/);
      if (addr === undefined || name === undefined || type === undefined) continue;
      if (!'tTwW'.includes(type)) continue;
      const start = BigInt(`0x${addr}`);
      if (start === 0n) continue;
      entries.push({ start, name: module ? `${name} ${module}` : name });
    }
    entries.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    this.#ranges = entries.map((e, i) => ({
      ...e,
      end: entries[i + 1]?.start ?? e.start + 0x1000n,
    }));
  }

  /** `name+0xoff` for a kernel address. */
  symbolize(addr: bigint): string {
    return lookup(this.#ranges, addr) ?? `0x${addr.toString(16)}`;
  }
}

/** One file-backed mapping of /proc/<pid>/maps. */
interface Mapping {
  start: bigint;
  end: bigint;
  fileOffset: bigint;
  path: string;
}

/** Parses the file-backed executable mappings of /proc/<pid>/maps text. */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+\s+(\/.*)$/.exec(line);
    if (!m || !(m[3] as string).includes('x')) continue;
    out.push({
      start: BigInt(`0x${m[1]}`),
      end: BigInt(`0x${m[2]}`),
      fileOffset: BigInt(`0x${m[4]}`),
      path: (m[5] as string).replace(/ \(deleted\)$/, ''),
    });
  }
  return out;
}

/** How long a process's mappings are trusted before an address outside them re-reads /proc/<pid>/maps. */
const MAPS_REFRESH_MS = 1000;

/**
 * User-space symbols of processes, with per-pid mappings and per-file symbol tables cached. Addresses in
 * no file-backed mapping (JIT code, anonymous memory) re-read a process's maps at most once a second, so
 * stacks of JIT runtimes stay cheap.
 */
export class UserSymbols {
  readonly #maps = new Map<number, { read: number; mappings: Mapping[] }>();
  readonly #files = new Map<string, SymbolRange[]>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The function symbols of an ELF file as file-offset ranges (empty when unreadable). */
  #fileSymbols(path: string, pid: number): SymbolRange[] {
    let ranges = this.#files.get(path);
    if (ranges !== undefined) return ranges;
    ranges = [];
    try {
      // Through the process's root, so files of other mount namespaces resolve too.
      const elf = parseElf(readFileSync(`/proc/${pid}/root${path}`));
      for (const s of functionSymbols(elf, path).values()) {
        const start = BigInt(s.offset);
        ranges.push({ start, end: start + (s.size > 0n ? s.size : 1n), name: s.name });
      }
      ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    } catch {
      // Not an ELF file, gone, or not readable: addresses show as module+offset.
    }
    this.#files.set(path, ranges);
    return ranges;
  }

  #mappings(pid: number, refresh: boolean): Mapping[] {
    const cached = this.#maps.get(pid);
    if (cached !== undefined && !(refresh && this.#now() - cached.read >= MAPS_REFRESH_MS))
      return cached.mappings;
    let mappings: Mapping[];
    try {
      mappings = parseMaps(readFileSync(`/proc/${pid}/maps`, 'latin1'));
    } catch {
      mappings = []; // the process is gone
    }
    this.#maps.set(pid, { read: this.#now(), mappings });
    return mappings;
  }

  /** `name+0xoff`, `[file+0xoffset]` or `0xaddr` for a user address of `pid`. */
  symbolize(pid: number, addr: bigint): string {
    let mapping = this.#mappings(pid, false).find((m) => addr >= m.start && addr < m.end);
    mapping ??= this.#mappings(pid, true).find((m) => addr >= m.start && addr < m.end);
    if (mapping === undefined) return `0x${addr.toString(16)}`;
    const offset = addr - mapping.start + mapping.fileOffset;
    const name = lookup(this.#fileSymbols(mapping.path, pid), offset);
    if (name !== undefined) return name;
    const base = mapping.path.slice(mapping.path.lastIndexOf('/') + 1);
    return `[${base}+0x${offset.toString(16)}]`;
  }
}
