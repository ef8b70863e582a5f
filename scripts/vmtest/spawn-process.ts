/**
 * Runs one child command in its own process group, saving stdout and stderr to files while collecting
 * them, with a hard time limit and an AbortSignal. On either, the whole group gets SIGTERM and, if still
 * alive 10 s later, SIGKILL — so a guest's qemu never outlives the runner's decision to stop it.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** How the child is run. */
export interface SpawnOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Kill the group after this many milliseconds. */
  readonly timeoutMs: number;
  /** Kill the group when this aborts (Ctrl-C, total deadline). */
  readonly signal?: AbortSignal;
  readonly stdoutFile: string;
  readonly stderrFile: string;
  /** Called with each complete stdout / stderr line (for `--verbose` streaming). */
  readonly onLine?: (stream: 'stdout' | 'stderr', line: string) => void;
}

/** How the child ended. */
export interface SpawnResult {
  /** Exit code, or null when a signal ended it. */
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  /** Our time limit hit (we killed it). */
  readonly timedOut: boolean;
  /** The AbortSignal fired (we killed it). */
  readonly aborted: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

const KILL_GRACE_MS = 10_000;

function lineSplitter(emit: (line: string) => void): { push(chunk: string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) emit(p);
    },
    end() {
      if (rest !== '') emit(rest);
      rest = '';
    },
  };
}

/** Spawns `command args` (no shell) and resolves when it exits and its output files are flushed. */
export function spawnToFiles(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<SpawnResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // own process group: we can signal qemu and its helpers together
    });
    const stdoutFile = createWriteStream(options.stdoutFile);
    const stderrFile = createWriteStream(options.stderrFile);
    const chunks = { stdout: [] as string[], stderr: [] as string[] };
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return; // already gone
      }
      killTimer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, KILL_GRACE_MS);
      killTimer.unref();
    };
    const limit = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    for (const stream of ['stdout', 'stderr'] as const) {
      const file = stream === 'stdout' ? stdoutFile : stderrFile;
      const split = lineSplitter((line) => options.onLine?.(stream, line));
      const source = child[stream];
      source.setEncoding('utf8');
      source.on('data', (chunk: string) => {
        chunks[stream].push(chunk);
        file.write(chunk);
        if (options.onLine) split.push(chunk);
      });
      source.on('end', () => split.end());
    }
    child.on('error', (err) => {
      clearTimeout(limit);
      options.signal?.removeEventListener('abort', onAbort);
      stdoutFile.end();
      stderrFile.end();
      reject(err);
    });
    child.on('close', (exitCode, exitSignal) => {
      clearTimeout(limit);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      let pending = 2;
      const done = (): void => {
        if (--pending > 0) return;
        resolve({
          exitCode,
          exitSignal,
          timedOut,
          aborted,
          stdout: chunks.stdout.join(''),
          stderr: chunks.stderr.join(''),
          wallMs: Date.now() - started,
        });
      };
      stdoutFile.end(done);
      stderrFile.end(done);
    });
  });
}
