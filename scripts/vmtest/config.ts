/**
 * The kernel matrix in one place: which test files run inside guest kernels, which guest kernels exist, and
 * what each guest is allowed to lack. `npm run test:kernels` and its unit tests read only this file, so the
 * subset grows by adding a line here.
 */

/**
 * The kernel-facing test subset, relative to the repository root. An entry is a directory (every
 * `*.test.ts` below it), a file, or a pattern whose last segment holds `*` (e.g. `test/btf/kernel*`: every
 * test file or directory in `test/btf` whose name matches). Entries that match nothing yet are reported and
 * skipped, so future folders can be listed ahead of time.
 */
export const KERNEL_TEST_PATHS: readonly string[] = [
  'test/maps',
  'test/prog',
  'test/features',
  'test/link',
  'test/collection',
  'test/ringbuf',
  'test/perf',
  'test/syscall',
  'test/tracepipe',
  'test/btf/kernel*',
  // examples whose hooks the development kernel lacks (kprobe, fentry/fexit, LSM), and one CO-RE-heavy
  // tracepoint example; the others run on the host in CI, where their hooks exist
  'test/examples/kprobe*',
  'test/examples/fentry-unlink.test.ts',
  'test/examples/lsm-connect.test.ts',
  'test/examples/tcp-*',
  'test/examples/tcpconnlat.test.ts',
  'test/examples/execsnoop.test.ts',
];

/** Why a file that never reaches the kernel stays out of the guests. */
const PURE =
  'no kernel call (parsers, attr building on the fake backend, plain-memory walks); runs in npm test';

/**
 * Files under the subset's entries that stay out of the guests, each with why. Only the configured subset is
 * filtered; a path given on the command line runs even if it is listed here.
 */
export const KERNEL_TEST_EXCLUDES: readonly { readonly path: string; readonly reason: string }[] = [
  {
    path: 'test/collection/fuzz.test.ts',
    reason:
      'pure-CPU parser fuzzing (no kernel call) with a 60 s wall-clock budget sized for the host; it took 231 s under TCG',
  },
  // Each guest file costs 15-20 s of start-up under TCG before its first test: files that never reach the
  // kernel stay on the host, so the CI lane fits its budget.
  ...[
    'test/collection/load-collection-spec.test.ts',
    'test/collection/loader-units.test.ts',
    'test/collection/section-names.test.ts',
    'test/features/require-feature.test.ts',
    'test/link/attach-attrs.test.ts',
    'test/link/executable.test.ts',
    'test/link/ld-so-cache.test.ts',
    'test/link/perf-event-attr.test.ts',
    'test/link/sysfs-helpers.test.ts',
    'test/link/usdt-args.test.ts',
    'test/link/usdt-notes.test.ts',
    'test/link/usdt-spec.test.ts',
    'test/maps/codec.test.ts',
    'test/maps/map-fake.test.ts',
    'test/maps/map-spec.test.ts',
    'test/perf/perf-event-attr.test.ts',
    'test/perf/perf-ring.test.ts',
    'test/prog/load-log.test.ts',
    'test/prog/program-spec.test.ts',
    'test/prog/test-run.test.ts',
    'test/ringbuf/ring-consumer.test.ts',
    'test/tracepipe/parse.test.ts',
  ].map((path) => ({ path, reason: PURE })),
];

/** One guest kernel of the matrix. */
export interface KernelLane {
  /** Name used on the command line and in `EBPF_TS_KERNEL_LANE` (e.g. `trixie`). */
  readonly name: string;
  /** Debian suite whose `linux-image-amd64` is booted (vmrun.sh `--suite`). */
  readonly suite: string;
  /** What it is, for `--help` and the summary. */
  readonly description: string;
  /**
   * Features the guest is known to lack (feature names as given to `requireFeature`); any other skip in
   * this guest is a failure. Under qemu TCG there is no PMU, so hardware perf events are absent everywhere.
   */
  readonly knownAbsentFeatures: readonly string[];
}

const TCG_ABSENT_FEATURES: readonly string[] = ['hardware perf events'];

/** The guest kernels, in the order they run. */
export const KERNEL_LANES: readonly KernelLane[] = [
  {
    name: 'bookworm',
    suite: 'bookworm',
    description: 'Debian 12, 6.1 LTS',
    // uprobe_multi links came in 6.6, cgroup/connect_unix hooks in 6.7; Debian's 6.1 has no CONFIG_FPROBE,
    // so no kprobe_multi links
    knownAbsentFeatures: [...TCG_ABSENT_FEATURES, 'uprobe_multi', 'cgroup unix connect', 'kprobe_multi'],
  },
  {
    name: 'trixie',
    suite: 'trixie',
    description: 'Debian 13, 6.12 LTS',
    knownAbsentFeatures: TCG_ABSENT_FEATURES,
  },
  {
    name: 'sid',
    suite: 'sid',
    description: 'Debian unstable, newest kernel (moves under the lane)',
    knownAbsentFeatures: TCG_ABSENT_FEATURES,
  },
];

/** Lanes run when no `--kernel` is given. */
export const DEFAULT_LANE_NAMES: readonly string[] = ['bookworm', 'trixie', 'sid'];

/** Environment variable naming the lane inside a guest (read by test/helpers/require-feature.ts). */
export const LANE_ENV = 'EBPF_TS_KERNEL_LANE';

/** Environment variable listing, comma-separated, the features a guest may lack (see `knownAbsentFeatures`). */
export const KNOWN_ABSENT_ENV = 'EBPF_TS_KNOWN_ABSENT';

/**
 * Environment variable giving guests a factor for tests' own waits (event deadlines, example start-up):
 * TCG runs node 4–15× slower than the host, and starting `node --import tsx` alone takes 8–12 s there.
 */
export const TIME_SCALE_ENV = 'EBPF_TS_TIME_SCALE';

/** The factor guests get in `EBPF_TS_TIME_SCALE`. */
export const GUEST_TIME_SCALE = 10;

/** Defaults of the runner's options (see scripts/vmtest/args.ts). */
export const RUNNER_DEFAULTS = {
  /** Guests running at once; each has 1 vCPU (2 vCPUs under TCG measured slower than 1 on 2 cores). */
  jobs: 2,
  /** Seconds one guest may run before it is killed (vmrun.sh exit 124). */
  guestTimeoutSec: 1500,
  /** Milliseconds one test may run inside a guest (node --test-timeout); TCG is 4–15× slower than the host. */
  testTimeoutMs: 300_000,
  /** Guest RAM in MiB. */
  memMiB: 2048,
} as const;
