/**
 * Test helper: compiles `fixtures/usdt-target.c` (USDT probes from <sys/sdt.h>) with gcc into a temporary
 * directory, once per process and per flag set, and runs it as a child that waits for a go line on stdin.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const built = new Map<string, string>();
let dir: string | undefined;

/** Path of the USDT target compiled with `flags` (default `-O2`, a PIE). */
export function usdtTarget(flags: readonly string[] = ['-O2']): string {
  const key = flags.join(' ');
  const hit = built.get(key);
  if (hit !== undefined) return hit;
  dir ??= mkdtempSync(join(tmpdir(), 'ebpf-ts-usdt-'));
  const path = join(dir, `usdt-target-${built.size}`);
  execFileSync('gcc', [
    ...flags,
    '-Wall',
    '-o',
    path,
    join(import.meta.dirname, 'fixtures', 'usdt-target.c'),
  ]);
  built.set(key, path);
  return path;
}

/** Removes the temporary build directory. */
export function removeUsdtTargets(): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  built.clear();
}

/** A started target: its pid, and `go()` which lets it run and resolves with its output. */
export interface RunningUsdtTarget {
  pid: number;
  go(): Promise<string>;
}

/** Starts `path` (it fires its probes `iterations` times once `go()` is called). */
export function startUsdtTarget(path: string, iterations: number): RunningUsdtTarget {
  const child: ChildProcessWithoutNullStreams = spawn(path, [String(iterations)]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`usdt target exited ${code}`)),
    );
  });
  if (child.pid === undefined) throw new Error('usdt target did not start');
  return {
    pid: child.pid,
    go: () => {
      child.stdin.end('go\n');
      return done;
    },
  };
}
