/**
 * Test helper for the examples: starts `examples/<name>/main.ts` as a child process (as `ebpf-ts examples/<name>`
 * would), collects its output, waits for lines, and stops it with SIGINT, checking a clean exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { scaledMs } from '../helpers/time-scale.js';
import { nodeArgsForTs } from '../helpers/ts-entry.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** A running example. */
export interface RunningExample {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /**
   * Resolves with the first stdout line matching `re` (rejects after `timeoutMs`, times EBPF_TS_TIME_SCALE,
   * with the output so far).
   */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGINT and resolves with the exit code; rejects with the error of a failed `waitFor` instead. */
  stop(): Promise<number>;
  /** Resolves with the exit code when the process ends by itself. */
  exited(): Promise<number>;
}

/** Starts an example with `args`. */
export function startExample(name: string, args: string[] = []): RunningExample {
  const child = spawn(
    process.execPath,
    [...nodeArgsForTs(join(ROOT, 'examples', name, 'main.ts')), ...args],
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
  let waitError: Error | undefined;
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
        const fail = (why: string): void => {
          child.kill('SIGKILL'); // never leave a hung example behind a failed wait
          waitError ??= new Error(`${why} ${re}\nstdout:\n${out}\nstderr:\n${err}`);
          reject(waitError);
        };
        const t = setTimeout(() => fail('timeout waiting for'), scaledMs(timeoutMs));
        let scanned = 0; // complete lines already matched, so each line is checked once
        const check = (): void => {
          let m: RegExpMatchArray | null = null;
          for (let nl = out.indexOf('\n', scanned); nl >= 0 && !m; nl = out.indexOf('\n', scanned)) {
            m = out.slice(scanned, nl).match(re);
            scanned = nl + 1;
          }
          if (!m && ended) m = out.slice(scanned).match(re);
          if (m) {
            clearTimeout(t);
            resolve(m);
          } else if (ended) {
            clearTimeout(t);
            fail('exited before');
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      // after a failed wait killed the child, its exit code says nothing: report why it was killed instead
      // (tests stop examples in `finally`, where a bare 128 would hide the wait's error)
      if (waitError) throw waitError;
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

/**
 * Runs the `ebpf-ts` CLI from this checkout (`src/cli/main.ts` through tsx, as `npx ebpf-ts` does) with `args`
 * and returns code and output. The CLI runs in its own process group: after `timeoutMs` the whole group (the
 * CLI and the example it started) is killed, so a hung example cannot outlive the test.
 */
export function runCli(
  args: string[],
  timeoutMs = 90_000,
): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, timedOut });
    });
  });
}
