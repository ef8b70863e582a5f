/**
 * Test helpers for collections: fixture paths, and an oracle over `llvm-objdump -dr` (the relocations
 * clang emitted, per program section) to check the references the parser attaches.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { ByteOrder } from '../../src/internal/bytes.js';

/** Repository root (tests run from it, see scripts/test.sh). */
export const ROOT = process.cwd();

/** The collection fixtures (`bpf/test/coll_*.bpf.c`), by base name. */
export const COLLECTION_FIXTURES = [
  'coll_globals',
  'coll_calls',
  'coll_maps',
  'coll_legacy',
  'coll_iproute2',
  'coll_externs',
  'coll_verifier',
] as const;

/** Path of a fixture object, e.g. `fixture('coll_maps', 'big')`. */
export function fixture(name: string, order: ByteOrder = 'little'): string {
  return join(ROOT, 'bpf', 'test', `${name}${order === 'little' ? '.bpf.o' : '.bpfeb.o'}`);
}

/** One relocation as llvm-objdump prints it. */
export interface ObjdumpRelocation {
  section: string;
  /** Byte offset in the section. */
  offset: number;
  type: string;
  symbol: string;
}

/** Every relocation of the code sections of `obj`, from `llvm-objdump-19 -dr`. */
export function objdumpRelocations(obj: string): ObjdumpRelocation[] {
  const out = execFileSync('llvm-objdump-19', ['-dr', '--no-show-raw-insn', obj], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const relocations: ObjdumpRelocation[] = [];
  let section = '';
  for (const line of out.split('\n')) {
    const sec = /^Disassembly of section (.+):$/.exec(line);
    if (sec) section = sec[1] as string;
    const rel = /^\s+([0-9a-f]+):\s+(R_BPF_\w+)\s+(\S+)/.exec(line);
    if (rel)
      relocations.push({
        section,
        offset: Number.parseInt(rel[1] as string, 16),
        type: rel[2] as string,
        symbol: rel[3] as string,
      });
  }
  return relocations;
}
