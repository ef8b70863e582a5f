/**
 * Transpiles the TypeScript of a frozen checkout copy to JavaScript next to each source (`x.ts` → `x.js`), so
 * that guests run the tests with plain `node --test` instead of `node --import tsx`. Under qemu TCG, starting
 * tsx costs 8–12 s per process (its loader thread and esbuild service start for every test file and every
 * example a test spawns); plain node starts in about 1 s. The output is what tsx would produce on the fly
 * (esbuild, one file at a time, no bundling), plus the one thing tsx takes from tsconfig that a bare
 * transpile loses: the `ebpf-ts` and `ebpf-ts/<entry>` path aliases, rewritten to relative imports of
 * `src/index.js` and `src/<entry>/index.js`.
 *
 * Only ever run this on a snapshot (see snapshot.ts): it writes `.js` files beside the sources.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { transform } from 'esbuild';

/** Environment variable set in guests that run precompiled tests; test helpers then spawn `.js` entries. */
export const PRECOMPILED_ENV = 'EBPF_TS_PRECOMPILED';

/** Top-level folders of the checkout whose TypeScript is transpiled. */
export const PRECOMPILED_DIRS: readonly string[] = ['src', 'test', 'examples', 'bench', 'scripts'];

/** What `precompileTree` did. */
export interface PrecompileResult {
  /** `.ts` files transpiled. */
  readonly files: number;
  /** Alias imports rewritten. */
  readonly aliases: number;
}

/** A transpile failure, naming the file. */
export class PrecompileError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`precompile ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PrecompileError';
  }
}

/** `x.ts` → `x.js` (also `.gen.ts`); declaration files have no output. */
export function outputPath(tsFile: string): string | undefined {
  if (tsFile.endsWith('.d.ts') || !tsFile.endsWith('.ts')) return undefined;
  return `${tsFile.slice(0, -3)}.js`;
}

const ALIAS_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"ebpf-ts(\/[\w-]+)?"/g;

/**
 * Rewrites `"ebpf-ts"` and `"ebpf-ts/<entry>"` in import/export statements and dynamic imports of the
 * transpiled `file` (path relative to the root) into relative specifiers of the transpiled sources, the way
 * tsconfig's `paths` map them. String literals that merely contain the name (single-quoted in our sources,
 * and kept so by esbuild unless they hold a double quote) are left alone.
 */
export function rewriteAliases(code: string, file: string): { code: string; count: number } {
  let count = 0;
  const fromDir = dirname(file);
  const out = code.replace(ALIAS_IMPORT, (_m, lead: string, entry: string | undefined) => {
    count++;
    const target = entry === undefined ? join('src', 'index.js') : join('src', entry.slice(1), 'index.js');
    let spec = relative(fromDir, target).split(sep).join('/');
    if (!spec.startsWith('.')) spec = `./${spec}`;
    return `${lead}"${spec}"`;
  });
  return { code: out, count };
}

function listTs(root: string, dir: string, into: string[]): void {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const rel = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') listTs(root, rel, into);
    } else if (e.isFile() && outputPath(rel) !== undefined) {
      into.push(rel);
    }
  }
}

/**
 * Transpiles every `.ts` under `PRECOMPILED_DIRS` of `root` to a `.js` beside it (ESM, node 20, inline
 * source maps so stack traces name the `.ts` lines). Throws PrecompileError on the first file esbuild
 * rejects.
 */
export async function precompileTree(root: string): Promise<PrecompileResult> {
  const files: string[] = [];
  for (const d of PRECOMPILED_DIRS) listTs(root, d, files);
  let aliases = 0;
  const work = files.map(async (rel) => {
    const src = readFileSync(join(root, rel), 'utf8');
    let code: string;
    try {
      const res = await transform(src, {
        loader: 'ts',
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcemap: 'inline',
        sourcefile: rel,
        tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
      });
      code = res.code;
    } catch (err) {
      throw new PrecompileError(rel, err);
    }
    const rewritten = rewriteAliases(code, rel);
    aliases += rewritten.count;
    const out = join(root, outputPath(rel)!);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, rewritten.code);
  });
  await Promise.all(work);
  return { files: files.length, aliases };
}

/** The `.js` test files a guest runs for the given `.ts` test files. */
export function precompiledTestFiles(files: readonly string[]): string[] {
  return files.map((f) => outputPath(f) ?? f);
}
