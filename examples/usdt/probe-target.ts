/**
 * The usdt example's default target: builds the bundled `gc-probes.c` (HotSpot-style `hotspot:gc__begin` /
 * `hotspot:gc__end` USDT probes from <sys/sdt.h>) into a temporary directory and runs it, so the example
 * shows collections without a JVM. Disposing it stops the program (waiting for its exit) and removes the build.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The source of the stand-in program, next to this file. */
const SOURCE = join(import.meta.dirname, 'gc-probes.c');

/** Compilers tried in turn (scripts/setup.sh installs gcc and systemtap-sdt-dev). */
const COMPILERS = ['cc', 'gcc', 'clang-19', 'clang'];

/** A running copy of the bundled probe program. */
export interface ProbeTarget extends AsyncDisposable {
  /** The executable with the probes. */
  readonly path: string;
  /** Its process id. */
  readonly pid: number;
}

/** Compiles `SOURCE` to `out` with the first compiler that works; throws one line naming why none did. */
function build(out: string): void {
  const failures: string[] = [];
  for (const cc of COMPILERS) {
    try {
      execFileSync(cc, ['-O1', '-o', out, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'] });
      return;
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stderr?: Buffer };
      if (err.code === 'ENOENT') continue; // compiler not installed
      const firstLine =
        err.stderr
          ?.toString()
          .split('\n')
          .find((l) => /error/.test(l)) ?? err.message;
      failures.push(`${cc}: ${firstLine.trim()}`);
    }
  }
  throw new Error(
    `no --pid or --path given and the bundled probe program ${SOURCE} could not be built ` +
      `(${failures.length > 0 ? failures.join('; ') : 'no C compiler found'}); it needs a C compiler and ` +
      '<sys/sdt.h> (Debian: gcc systemtap-sdt-dev, installed by scripts/setup.sh)',
  );
}

/** Builds and starts the bundled probe program; it fires gc__begin/gc__end about eight times a second. */
export function startProbeTarget(): ProbeTarget {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-usdt-'));
  const path = join(dir, 'gc-probes');
  let child: ChildProcess;
  try {
    build(path);
    child = spawn(path, [], { stdio: 'ignore' });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  child.on('error', () => {}); // a failed start shows as pid undefined below
  const pid = child.pid;
  if (pid === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start ${path}`);
  }
  return {
    path,
    pid,
    async [Symbol.asyncDispose](): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
