/**
 * The vmrun.sh command lines of the matrix (pure, so the exact arguments are unit-tested), and what the
 * runner reads back from vmrun.sh's `-v` lines.
 */
import { GUEST_TIME_SCALE, type KernelLane, KNOWN_ABSENT_ENV, LANE_ENV, TIME_SCALE_ENV } from './config.js';
import { PRECOMPILED_ENV, precompiledTestFiles } from './precompile.js';

/** One guest to boot: a kernel, the test files it runs and its limits. */
export interface GuestPlan {
  readonly lane: KernelLane;
  /** Pinned kernel ABI; absent: the suite's `linux-image-amd64`. */
  readonly abi?: string;
  readonly files: readonly string[];
  readonly guestTimeoutSec: number;
  readonly testTimeoutMs: number;
  readonly memMiB: number;
  /**
   * The tree was transpiled beforehand (precompile.ts): run the `.js` beside each test file with plain node
   * and tell the tests so through `EBPF_TS_PRECOMPILED=1` (their child processes skip tsx too).
   */
  readonly precompiled?: boolean;
}

function kernelArgs(lane: KernelLane, abi: string | undefined): string[] {
  return ['--suite', lane.suite, ...(abi !== undefined ? ['--kernel', abi] : [])];
}

/** Arguments (after `bash`) that only fetch the kernel and build the initramfs (vmrun.sh `--prepare`). */
export function prepareCommand(vmrunPath: string, lane: KernelLane, abi?: string): string[] {
  return [vmrunPath, ...kernelArgs(lane, abi), '--prepare', '-v'];
}

/**
 * Arguments (after `bash`) that boot the guest and run `node --test` with the TAP reporter over the plan's
 * files, one file at a time (like `npm test`, so fd-leak checks stay per file), through tsx or, for a
 * precompiled tree, plain node over the `.js` files. The guest learns its lane,
 * its allowed absences and how much slower it is through `EBPF_TS_KERNEL_LANE`, `EBPF_TS_KNOWN_ABSENT` and
 * `EBPF_TS_TIME_SCALE`.
 */
export function guestCommand(vmrunPath: string, nodePath: string, plan: GuestPlan): string[] {
  return [
    vmrunPath,
    ...kernelArgs(plan.lane, plan.abi),
    '--timeout',
    String(plan.guestTimeoutSec),
    '--mem',
    String(plan.memMiB),
    '-v',
    '--env',
    `${LANE_ENV}=${plan.lane.name}`,
    '--env',
    `${KNOWN_ABSENT_ENV}=${plan.lane.knownAbsentFeatures.join(',')}`,
    '--env',
    `${TIME_SCALE_ENV}=${GUEST_TIME_SCALE}`,
    ...(plan.precompiled ? ['--env', `${PRECOMPILED_ENV}=1`] : []),
    '--',
    nodePath,
    ...(plan.precompiled ? [] : ['--import', 'tsx']),
    '--test',
    '--test-concurrency=1',
    '--test-reporter=tap',
    `--test-timeout=${plan.testTimeoutMs}`,
    ...(plan.precompiled ? precompiledTestFiles(plan.files) : plan.files),
  ];
}

/** What vmrun.sh's verbose lines say about the guest. */
export interface VmrunInfo {
  /** Kernel release booted (e.g. `6.12.117+deb13-amd64`). */
  readonly release?: string;
  /** `tcg` or `kvm`. */
  readonly accel?: string;
}

/**
 * Reads `vmrun.sh: kernel X, accel Y, ...` (after a boot) or `vmrun.sh: kernel X ready` (after
 * `--prepare`) from vmrun.sh's stderr.
 */
export function parseVmrunInfo(stderr: string): VmrunInfo {
  let release: string | undefined;
  let accel: string | undefined;
  for (const line of stderr.split('\n')) {
    const boot = /^vmrun\.sh: kernel (\S+), accel (\w+),/.exec(line);
    if (boot) {
      release = boot[1];
      accel = boot[2];
      continue;
    }
    const ready = /^vmrun\.sh: kernel (\S+) ready\b/.exec(line);
    if (ready && release === undefined) release = ready[1];
  }
  return { ...(release !== undefined ? { release } : {}), ...(accel !== undefined ? { accel } : {}) };
}
