/**
 * Test helper: compiles `fixtures/uprobe-target.c` with gcc into a temporary directory (once per process) and
 * runs it as a child that waits for a go line on stdin before calling its probed functions.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let built: { dir: string; path: string } | undefined;

/** Path of the compiled uprobe target (built on first call). */
export function uprobeTarget(): string {
  if (built) return built.path;
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-uprobe-'));
  const path = join(dir, 'uprobe-target');
  execFileSync('gcc', ['-O1', '-o', path, join(import.meta.dirname, 'fixtures', 'uprobe-target.c')]);
  built = { dir, path };
  return path;
}

/** Removes the temporary build directory. */
export function removeUprobeTarget(): void {
  if (built) rmSync(built.dir, { recursive: true, force: true });
  built = undefined;
}

/** A started target: its pid, and `go()` which lets it run and resolves with its output. */
export interface RunningTarget {
  pid: number;
  go(): Promise<string>;
}

/** Starts the target (it calls its functions `iterations` times once `go()` is called). */
export function startTarget(iterations: number): RunningTarget {
  const child: ChildProcessWithoutNullStreams = spawn(uprobeTarget(), [String(iterations)]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`target exited ${code}`))));
  });
  if (child.pid === undefined) throw new Error('target did not start');
  return {
    pid: child.pid,
    go: () => {
      child.stdin.end('go\n');
      return done;
    },
  };
}
