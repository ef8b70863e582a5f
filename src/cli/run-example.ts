/**
 * `ebpf-ts examples/<name> [args]`: runs an example's `main.ts` from a checkout through tsx, forwarding signals
 * so the example can shut down cleanly.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor of this file (or of cwd) with an `examples/` directory. */
export function findExamplesRoot(start = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (const base of [process.cwd(), start]) {
    let dir = resolve(base);
    for (;;) {
      if (existsSync(join(dir, 'examples')) && existsSync(join(dir, 'package.json'))) return dir;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/** Runs `examples/<name>/main.ts`; resolves with its exit code. */
export function runExample(name: string, args: readonly string[]): Promise<number> {
  const root = findExamplesRoot();
  const file = root ? join(root, 'examples', name, 'main.ts') : undefined;
  if (!file || !existsSync(file)) {
    process.stderr.write(`ebpf-ts: no example "${name}" (try: ebpf-ts list)\n`);
    return Promise.resolve(2);
  }
  // tsx is resolved from this package, not from the user's cwd; the repo tsconfig maps 'ebpf-ts' to src/.
  const tsx = import.meta.resolve('tsx');
  const env = { ...process.env, TSX_TSCONFIG_PATH: join(root as string, 'tsconfig.json') };
  const child = spawn(process.execPath, ['--import', tsx, file, ...args], {
    stdio: 'inherit',
    cwd: process.cwd(),
    env,
  });
  const forward = (sig: NodeJS.Signals): void => {
    child.kill(sig);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((res) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      res(code ?? (signal ? 128 + 2 : 1));
    });
  });
}
