/**
 * Command-line parsing for `npm run test:kernels` (pure: no I/O, so it is unit-tested directly).
 */
import { DEFAULT_LANE_NAMES, KERNEL_LANES, type KernelLane, RUNNER_DEFAULTS } from './config.js';

/** A bad command line; the message says what is wrong. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A lane picked on the command line, optionally pinned to one kernel ABI of its suite. */
export interface LaneSelection {
  readonly lane: KernelLane;
  /** Debian kernel ABI (e.g. `6.1.0-47-amd64`); absent: whatever `linux-image-amd64` points at. */
  readonly abi?: string;
}

/** Everything the runner needs from the command line. */
export interface RunnerOptions {
  readonly lanes: readonly LaneSelection[];
  /** Guests at once. */
  readonly jobs: number;
  /** Guests per kernel, each running a share of the files; absent: chosen from jobs and lane count. */
  readonly shards?: number;
  readonly guestTimeoutSec: number;
  /** Deadline for the whole run, preparation included; absent: none. */
  readonly totalTimeoutSec?: number;
  readonly testTimeoutMs: number;
  readonly memMiB: number;
  /** Where logs go; absent: a fresh folder under the temp directory. */
  readonly logDir?: string;
  /** Test paths replacing the configured subset (files, directories or patterns). */
  readonly paths: readonly string[];
  /** Only print the plan (lanes, shards, files); boot nothing. */
  readonly list: boolean;
  /** Stream guest output with a lane prefix. */
  readonly verbose: boolean;
  /** Run the checkout itself instead of a frozen copy of it (see snapshot.ts); for clean CI clones. */
  readonly live: boolean;
  readonly help: boolean;
}

/** Usage text for `--help`. */
export function usageText(): string {
  const lanes = KERNEL_LANES.map((l) => `    ${l.name.padEnd(10)} ${l.description} (suite ${l.suite})`).join(
    '\n',
  );
  return `Usage: npm run test:kernels -- [options] [TEST_PATH...]

Runs the kernel-facing tests (scripts/vmtest/config.ts) inside Debian guest kernels under qemu
(scripts/vmtest/vmrun.sh) and prints a summary per kernel. TEST_PATH replaces the configured subset.

Options:
  --kernel NAME[:ABI]   lane to run, repeatable or comma-separated; 'all' for every lane
                        (default: ${DEFAULT_LANE_NAMES.join(', ')}). ABI pins a kernel of the lane's suite.
${lanes}
  --jobs N              guests at once, 1 vCPU each (default ${RUNNER_DEFAULTS.jobs})
  --shards N            guests per kernel, each running part of the files (default: jobs / kernels)
  --timeout SEC         per guest (default ${RUNNER_DEFAULTS.guestTimeoutSec})
  --total-timeout SEC   for the whole run; guests not finished by then count as failed
  --test-timeout MS     per test inside a guest (default ${RUNNER_DEFAULTS.testTimeoutMs})
  --mem MIB             guest RAM (default ${RUNNER_DEFAULTS.memMiB})
  --log-dir DIR         keep TAP and stderr of every guest here (default: a new temp folder)
  --live                run the checkout itself through tsx, not a frozen copy transpiled for plain
                        node (only when nobody edits it during the run; 8-12 s slower per test file)
  --list                print the plan and exit without booting
  -v, --verbose         stream guest output
  -h, --help            this text
Environment: VMRUN_CACHE (kernel cache, default /var/cache/ebpf-ts-vmrun), VMRUN_ACCEL (tcg|kvm).
Exit code: 0 when every kernel passed with no failure, 1 otherwise, 2 on a usage error.`;
}

/** Options followed by a value (`--jobs 2` or `--jobs=2`). */
const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  '--kernel',
  '--jobs',
  '--shards',
  '--timeout',
  '--total-timeout',
  '--test-timeout',
  '--mem',
  '--log-dir',
]);

function positiveInt(option: string, value: string | undefined): number {
  if (value === undefined || !/^[1-9][0-9]*$/.test(value)) {
    throw new UsageError(
      `${option} needs a positive integer, got ${value === undefined ? 'nothing' : `'${value}'`}`,
    );
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new UsageError(`${option}: ${value} is too large`);
  return n;
}

/** Resolves `NAME[:ABI]` (or `all`) against the configured lanes. */
export function parseLaneSpec(spec: string, lanes: readonly KernelLane[] = KERNEL_LANES): LaneSelection[] {
  if (spec === 'all') return lanes.map((lane) => ({ lane }));
  const colon = spec.indexOf(':');
  const name = colon < 0 ? spec : spec.slice(0, colon);
  const abi = colon < 0 ? undefined : spec.slice(colon + 1);
  const lane = lanes.find((l) => l.name === name);
  if (!lane) {
    throw new UsageError(`unknown kernel '${name}'; known: ${lanes.map((l) => l.name).join(', ')}, all`);
  }
  if (abi === undefined) return [{ lane }];
  if (!/^[0-9][A-Za-z0-9.+~_-]*$/.test(abi))
    throw new UsageError(`'${abi}' is not a kernel ABI (e.g. 6.1.0-47-amd64)`);
  return [{ lane, abi }];
}

/** Parses the arguments after `npm run test:kernels --`. Throws UsageError on anything it does not know. */
export function parseArgs(
  argv: readonly string[],
  lanes: readonly KernelLane[] = KERNEL_LANES,
): RunnerOptions {
  const picked: LaneSelection[] = [];
  const paths: string[] = [];
  let jobs: number = RUNNER_DEFAULTS.jobs;
  let shards: number | undefined;
  let guestTimeoutSec: number = RUNNER_DEFAULTS.guestTimeoutSec;
  let totalTimeoutSec: number | undefined;
  let testTimeoutMs: number = RUNNER_DEFAULTS.testTimeoutMs;
  let memMiB: number = RUNNER_DEFAULTS.memMiB;
  let logDir: string | undefined;
  let list = false;
  let verbose = false;
  let live = false;
  let help = false;
  let onlyPaths = false;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    if (onlyPaths || !raw.startsWith('-')) {
      paths.push(raw);
      continue;
    }
    const eq = raw.indexOf('=');
    const option = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    if (inline !== undefined && !VALUE_OPTIONS.has(option)) throw new UsageError(`${option} takes no value`);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next === '') throw new UsageError(`${option} needs a value`);
      i++;
      return next;
    };
    switch (option) {
      case '--':
        onlyPaths = true;
        break;
      case '--kernel':
        for (const spec of value().split(',')) {
          if (spec === '') continue;
          for (const sel of parseLaneSpec(spec, lanes)) {
            if (!picked.some((p) => p.lane.name === sel.lane.name && p.abi === sel.abi)) picked.push(sel);
          }
        }
        break;
      case '--jobs':
        jobs = positiveInt(option, value());
        break;
      case '--shards':
        shards = positiveInt(option, value());
        break;
      case '--timeout':
        guestTimeoutSec = positiveInt(option, value());
        break;
      case '--total-timeout':
        totalTimeoutSec = positiveInt(option, value());
        break;
      case '--test-timeout':
        testTimeoutMs = positiveInt(option, value());
        break;
      case '--mem':
        memMiB = positiveInt(option, value());
        if (memMiB < 256) throw new UsageError('--mem below 256 MiB cannot run node');
        break;
      case '--log-dir':
        logDir = value();
        break;
      case '--list':
        list = true;
        break;
      case '--live':
        live = true;
        break;
      case '-v':
      case '--verbose':
        verbose = true;
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        throw new UsageError(`unknown option ${option}`);
    }
  }
  const selected =
    picked.length > 0
      ? picked
      : DEFAULT_LANE_NAMES.flatMap((name) => {
          const lane = lanes.find((l) => l.name === name);
          return lane ? [{ lane }] : [];
        });
  return {
    lanes: selected,
    jobs,
    ...(shards !== undefined ? { shards } : {}),
    guestTimeoutSec,
    ...(totalTimeoutSec !== undefined ? { totalTimeoutSec } : {}),
    testTimeoutMs,
    memMiB,
    ...(logDir !== undefined ? { logDir } : {}),
    paths,
    list,
    verbose,
    live,
    help,
  };
}

/** Guests per kernel: the explicit `--shards`, else enough to keep `jobs` guests busy (at least 1). */
export function shardsPerLane(options: Pick<RunnerOptions, 'jobs' | 'shards' | 'lanes'>): number {
  if (options.shards !== undefined) return options.shards;
  return Math.max(1, Math.floor(options.jobs / Math.max(1, options.lanes.length)));
}
