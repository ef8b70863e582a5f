/**
 * Test helper for the examples: starts `examples/<name>/main.ts` as a child process (as `ebpf-ts examples/<name>`
 * would), collects its output, waits for lines, and stops it with SIGINT, checking a clean exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** A running example. */
export interface RunningExample {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re` (rejects after `timeoutMs` with the output so far). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGINT and resolves with the exit code. */
  stop(): Promise<number>;
  /** Resolves with the exit code when the process ends by itself. */
  exited(): Promise<number>;
}

/** Starts an example with `args`. */
export function startExample(name: string, args: string[] = []): RunningExample {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'examples', name, 'main.ts'), ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.json') },
    },
  );
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<number>((resolve) =>
    child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1))),
  );
  let ended = false;
  void exit.then(() => {
    ended = true;
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(re, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`timeout waiting for ${re}\nstdout:\n${out}\nstderr:\n${err}`)),
          timeoutMs,
        );
        const check = (): void => {
          const m = out
            .split('\n')
            .map((l) => l.match(re))
            .find((x) => x !== null);
          if (m) {
            clearTimeout(t);
            resolve(m);
          } else if (ended) {
            clearTimeout(t);
            reject(new Error(`exited before ${re}\nstdout:\n${out}\nstderr:\n${err}`));
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      if (!ended) child.kill('SIGINT');
      return exit;
    },
    exited: () => exit,
  };
}

/** Runs an example to completion (use with `--duration`), returning code and output. */
export async function runExampleToEnd(
  name: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = startExample(name, args);
  const code = await r.exited();
  return { code, stdout: r.stdout(), stderr: r.stderr() };
}
