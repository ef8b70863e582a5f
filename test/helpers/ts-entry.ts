/**
 * How a test starts a TypeScript entry point (an example's `main.ts`, a bench script) in a child node process.
 * On the host that is `node --import tsx file.ts`. In kernel-matrix guests the runner transpiles the tree
 * beforehand (scripts/vmtest/precompile.ts) and sets `EBPF_TS_PRECOMPILED=1`: the child then runs the `.js`
 * beside the source with plain node, which under qemu TCG starts 8–12 s faster than tsx.
 */
import { existsSync } from 'node:fs';

/** Node arguments (before the entry's own arguments) that run `tsFile`. */
export function nodeArgsForTs(tsFile: string): string[] {
  if (process.env.EBPF_TS_PRECOMPILED === '1' && tsFile.endsWith('.ts')) {
    const js = `${tsFile.slice(0, -3)}.js`;
    if (existsSync(js)) return [js];
  }
  return ['--import', 'tsx', tsFile];
}
