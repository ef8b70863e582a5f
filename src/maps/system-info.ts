/**
 * Facts about the machine that map code needs: the number of possible CPUs (per-CPU value layout, default
 * perf event array size) and the page size (ring buffer and mmap sizes). Both are read once and cached on
 * the `KernelContext` (`possibleCpus`, `pageSize`), so tests can preset them for a fake backend.
 */
import { readFileSync } from 'node:fs';
import { EbpfError, ParseError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import type { KernelContext } from '../syscall/context.js';

const POSSIBLE_PATH = '/sys/devices/system/cpu/possible';
const MAX_CPUS = 1 << 16;

/**
 * Parses a kernel CPU list such as `0-1`, `0,2-3` or `0-3,8-11\n` and returns how many CPUs it lists. That
 * is the number of slots in a per-CPU value: the kernel packs one slot per possible CPU
 * (`for_each_possible_cpu`), so holes in the list take no slot. Throws `ParseError` on malformed input.
 */
export function parseCpuList(text: string, section = POSSIBLE_PATH): number {
  const trimmed = text.trim();
  if (trimmed === '') throw new ParseError(section, 0, 'empty CPU list');
  let count = 0;
  let highest = -1;
  let offset = 0;
  for (const part of trimmed.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new ParseError(section, offset, `malformed CPU range ${JSON.stringify(part)}`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi >= MAX_CPUS || lo <= highest)
      throw new ParseError(section, offset, `invalid or unordered CPU range ${part}`);
    highest = hi;
    count += hi - lo + 1;
    offset += part.length + 1;
  }
  return count;
}

/** The number of possible CPUs (slots in a per-CPU value), from /sys/devices/system/cpu/possible; cached. */
export function possibleCpus(ctx: KernelContext): number {
  return ctx.cached('possibleCpus', () => {
    let text: string;
    try {
      text = readFileSync(POSSIBLE_PATH, 'latin1');
    } catch (e) {
      throw new EbpfError(`read ${POSSIBLE_PATH}: ${(e as Error).message}`, 'ENOENT', { cause: e });
    }
    return parseCpuList(text);
  });
}

const AT_PAGESZ = 6n;

/** The system page size, from the auxiliary vector (`AT_PAGESZ`, /proc/self/auxv); 4096 if unreadable. Cached. */
export function pageSize(ctx: KernelContext): number {
  return ctx.cached('pageSize', () => {
    try {
      const auxv = readFileSync('/proc/self/auxv');
      const view = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
      const le = hostByteOrder === 'little';
      for (let o = 0; o + 16 <= auxv.byteLength; o += 16) {
        const type = view.getBigUint64(o, le);
        if (type === 0n) break;
        if (type === AT_PAGESZ) return Number(view.getBigUint64(o + 8, le));
      }
    } catch {
      // fall through to the common default
    }
    return 4096;
  });
}

/** Rounds `n` up to a multiple of `align` (a power of two). */
export function roundUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}
