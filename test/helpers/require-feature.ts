/**
 * Test helper: the one way a kernel test may skip. `requireFeature(t, 'ringbuf maps', () => haveMapType(...))`
 * runs the probe; when it throws `NotSupportedError` the test is skipped with "kernel lacks <feature> (needs
 * >= X)". On CI (CI=true) and on this project's known kernel (release containing "-fc-") only the known
 * absences below may skip: any other missing feature fails the test, so a broken probe cannot hide tests.
 * Inside a kernel-matrix guest (`EBPF_TS_KERNEL_LANE` set) the allow-list is the lane's own
 * (`EBPF_TS_KNOWN_ABSENT`, from scripts/vmtest/config.ts): there kprobes, fentry and LSM must run.
 * Errors other than NotSupportedError are rethrown.
 */
import { release } from 'node:os';
import type { TestContext } from 'node:test';
import { isNotSupportedError } from '../../src/errors.js';

/** Features known to be absent on the project's CI kernel (no kprobes, trampolines refused, no PMU). */
export const KNOWN_ABSENT_FEATURES: ReadonlySet<string> = new Set([
  'kprobe',
  'kretprobe',
  'kprobe_multi',
  'fentry',
  'fexit',
  'fmod_ret',
  'freplace',
  'lsm',
  'hardware perf events',
]);

/**
 * The features that may be missing here: a kernel-matrix guest's own list (`EBPF_TS_KNOWN_ABSENT`,
 * comma-separated, possibly empty) when `EBPF_TS_KERNEL_LANE` is set, else KNOWN_ABSENT_FEATURES.
 */
export function allowedAbsences(env: NodeJS.ProcessEnv = process.env): ReadonlySet<string> {
  if (!env.EBPF_TS_KERNEL_LANE) return KNOWN_ABSENT_FEATURES;
  return new Set(
    (env.EBPF_TS_KNOWN_ABSENT ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== ''),
  );
}

/** The part of TestContext this helper uses (so it can be tested with a stand-in). */
export interface SkippableTest {
  skip(message?: string): void;
}

/** Where skips are restricted to the allow-list: CI, the project's known kernel, or a kernel-matrix guest. */
export function strictSkips(env: NodeJS.ProcessEnv = process.env, kernelRelease = release()): boolean {
  return env.CI === 'true' || kernelRelease.includes('-fc-') || Boolean(env.EBPF_TS_KERNEL_LANE);
}

/**
 * Runs `probe`; returns true when the feature is there. On NotSupportedError skips `t` and returns false,
 * unless skips are strict here and `feature` is not a known absence — then it throws, failing the test.
 */
export function requireFeature(
  t: TestContext | SkippableTest,
  feature: string,
  probe: () => void,
  strict: boolean = strictSkips(),
  allowed: ReadonlySet<string> = allowedAbsences(),
): boolean {
  try {
    probe();
    return true;
  } catch (e) {
    if (!isNotSupportedError(e)) throw e;
    const why = `kernel lacks ${feature}${e.minKernel ? ` (needs >= ${e.minKernel})` : ''}`;
    if (strict && !allowed.has(feature)) {
      throw new Error(`${why}, which is not a known absence on this kernel: ${e.message}`, { cause: e });
    }
    t.skip(why);
    return false;
  }
}
