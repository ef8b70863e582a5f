/**
 * The libbpf side: compiles bench/baseline/map-bench.c with gcc (into the gitignored build dir, only when the
 * source is newer than the binary) and runs it as a child process for one case, parsing its JSON line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchParams, CaseInfo } from './cases.js';
import { loopCount } from './cases.js';
import type { ClockName } from './clock.js';

const BASELINE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'baseline');
/** Path of the C source of the baseline. */
export const BASELINE_SOURCE = join(BASELINE_DIR, 'map-bench.c');
/** Where the compiled baseline goes (gitignored). */
export const BASELINE_BINARY = join(BASELINE_DIR, 'build', 'map-bench');

/** What map-bench prints for one case. */
export interface BaselineResult {
  readonly case: string;
  readonly nsPerOp: number;
  readonly samplesNs: readonly number[];
  readonly opsPerRep: number;
}

/**
 * Compiles the baseline if the binary is missing or older than its source, and returns the binary's path.
 * The compiler output goes to a temporary name first, so concurrent runs never execute a half-written file.
 */
export function buildBaseline(cc = process.env.CC ?? 'gcc'): string {
  const fresh =
    existsSync(BASELINE_BINARY) && statSync(BASELINE_BINARY).mtimeMs >= statSync(BASELINE_SOURCE).mtimeMs;
  if (fresh) return BASELINE_BINARY;
  mkdirSync(dirname(BASELINE_BINARY), { recursive: true });
  const tmp = `${BASELINE_BINARY}.${process.pid}.tmp`;
  try {
    execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-o', tmp, BASELINE_SOURCE, '-lbpf'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(
      `bench: compiling ${BASELINE_SOURCE} with ${cc} -lbpf failed (is libbpf-dev installed?)\n${stderr}`,
      {
        cause: e,
      },
    );
  }
  renameSync(tmp, BASELINE_BINARY);
  return BASELINE_BINARY;
}

function isBaselineResult(x: unknown): x is BaselineResult {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return typeof r.case === 'string' && typeof r.nsPerOp === 'number' && Array.isArray(r.samplesNs);
}

/** Runs the compiled baseline for one case with the same counts and clock as the ebpf-ts side. */
export function runBaseline(
  binary: string,
  info: CaseInfo,
  p: BenchParams,
  clock: ClockName,
): BaselineResult {
  const args = [info.name, loopCount(info, p), p.reps, p.entries, p.batch, clock].map(String);
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 600_000 });
  if (r.error) throw new Error(`bench: running ${binary}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0)
    throw new Error(`bench: ${binary} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.trim()}`);
  const parsed: unknown = JSON.parse(r.stdout);
  if (!isBaselineResult(parsed)) throw new Error(`bench: unexpected baseline output: ${r.stdout}`);
  return parsed;
}
