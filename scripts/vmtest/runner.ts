/**
 * The kernel matrix run: select the test files, freeze a copy of the checkout, prepare every kernel on the
 * host (download, unpack, initramfs), run the guests `jobs` at a time, then print one summary row per kernel.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { type LaneSelection, type RunnerOptions, shardsPerLane } from './args.js';
import { KERNEL_TEST_EXCLUDES, KERNEL_TEST_PATHS } from './config.js';
import { type GuestPlan, guestCommand, parseVmrunInfo, prepareCommand } from './guest-command.js';
import { precompileTree } from './precompile.js';
import { fileSizeWeight, selectTestFiles, splitIntoShards } from './select-files.js';
import { snapshotCheckout } from './snapshot.js';
import { spawnToFiles } from './spawn-process.js';
import {
  formatDuration,
  formatSummary,
  type GuestOutcome,
  type LaneSummary,
  summarizeLane,
} from './summary.js';
import { parseTap, stripLocationPrefix } from './tap.js';

/** Where the runner finds things and writes its progress. */
export interface RunnerContext {
  /** Repository root: test paths are relative to it, and guests run it (or a frozen copy of it). */
  readonly root: string;
  /** scripts/vmtest/vmrun.sh. */
  readonly vmrunPath: string;
  /** The node binary the guest runs (the host's own, seen through the shared root). */
  readonly nodePath: string;
  readonly env: NodeJS.ProcessEnv;
  /** Progress and summary output. */
  readonly print: (text: string) => void;
  /** Aborts everything still running (Ctrl-C). */
  readonly signal?: AbortSignal;
}

/** Default kernel cache when VMRUN_CACHE is unset: outside the repository, shared by runs. */
export const DEFAULT_VMRUN_CACHE = '/var/cache/ebpf-ts-vmrun';

const PREPARE_TIMEOUT_MS = 15 * 60_000;
/** Grace after vmrun.sh's own `--timeout` before we kill its process group ourselves. */
const BACKSTOP_MS = 120_000;

interface Job {
  readonly selection: LaneSelection;
  readonly shard: number;
  readonly plan: GuestPlan;
}

interface LaneState {
  release?: string;
  prepareProblem?: string;
  firstStart?: number;
  lastEnd?: number;
  readonly outcomes: GuestOutcome[];
}

function laneKey(s: LaneSelection): string {
  return s.abi === undefined ? s.lane.name : `${s.lane.name}:${s.abi}`;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join(' | ');
}

/** The guests to boot: every lane times every shard of the file list. */
function planJobs(options: RunnerOptions, shards: readonly string[][]): Job[] {
  // a frozen copy is transpiled for plain node; --live runs the checkout through tsx
  const precompiled = !options.live;
  return options.lanes.flatMap((sel) =>
    shards.map((files, i) => ({
      selection: sel,
      shard: i + 1,
      plan: {
        lane: sel.lane,
        ...(sel.abi !== undefined ? { abi: sel.abi } : {}),
        files,
        guestTimeoutSec: options.guestTimeoutSec,
        testTimeoutMs: options.testTimeoutMs,
        memMiB: options.memMiB,
        precompiled,
      },
    })),
  );
}

/** Runs `options` and returns the process exit code (0: every kernel passed, 2: nothing to run). */
export async function runMatrix(options: RunnerOptions, ctx: RunnerContext): Promise<number> {
  const started = Date.now();
  const configured = options.paths.length === 0;
  const selection = configured
    ? selectTestFiles(
        ctx.root,
        KERNEL_TEST_PATHS,
        KERNEL_TEST_EXCLUDES.map((e) => e.path),
      )
    : selectTestFiles(ctx.root, options.paths);
  for (const entry of selection.unmatched) ctx.print(`test:kernels: '${entry}' matches no test file yet`);
  for (const file of selection.excluded) {
    const why = KERNEL_TEST_EXCLUDES.find((e) => e.path === file)?.reason ?? 'excluded in config.ts';
    ctx.print(`test:kernels: not in guests: ${file} (${why})`);
  }
  if (selection.files.length === 0) {
    ctx.print('test:kernels: no test files selected');
    return 2;
  }
  const split = splitIntoShards(selection.files, shardsPerLane(options), fileSizeWeight(ctx.root));
  const jobs = planJobs(options, split);
  ctx.print(
    `test:kernels: ${selection.files.length} files on ${options.lanes.map(laneKey).join(', ')}; ` +
      `${split.length} guest(s) per kernel, ${options.jobs} at a time`,
  );
  if (options.list) {
    for (const job of jobs) {
      ctx.print(`[${laneKey(job.selection)} ${job.shard}/${split.length}] ${job.plan.files.join(' ')}`);
    }
    return 0;
  }

  const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'ebpf-ts-kernels-'));
  mkdirSync(logDir, { recursive: true });
  ctx.print(`test:kernels: logs in ${logDir}`);
  let workDir = ctx.root;
  let vmrunPath = ctx.vmrunPath;
  let snapshotDir: string | undefined;
  if (!options.live) {
    const t0 = Date.now();
    snapshotDir = mkdtempSync(join(tmpdir(), 'ebpf-ts-tree-'));
    const snap = snapshotCheckout(ctx.root, snapshotDir);
    workDir = snap.dir;
    // bash reads a script as it runs: an edit to the checkout's vmrun.sh would break running guests
    const copied = join(workDir, relative(ctx.root, ctx.vmrunPath));
    if (!relative(ctx.root, ctx.vmrunPath).startsWith('..') && existsSync(copied)) vmrunPath = copied;
    ctx.print(
      `test:kernels: guests run a copy of the checkout (${snap.copied} files, ${formatDuration(Date.now() - t0)})`,
    );
    const t1 = Date.now();
    try {
      const pre = await precompileTree(workDir);
      ctx.print(
        `test:kernels: transpiled ${pre.files} TypeScript files for plain node (${formatDuration(Date.now() - t1)})`,
      );
    } catch (err) {
      rmSync(snapshotDir, { recursive: true, force: true });
      throw err;
    }
  }

  const deadline = new AbortController();
  const stopWhy: { reason?: string } = {};
  const stop = (reason: string): void => {
    if (deadline.signal.aborted) return;
    stopWhy.reason = reason;
    deadline.abort();
  };
  const onOuterAbort = (): void => stop('interrupted');
  if (ctx.signal?.aborted) onOuterAbort();
  ctx.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const totalTimer =
    options.totalTimeoutSec !== undefined
      ? setTimeout(
          () => stop(`total timeout of ${options.totalTimeoutSec} s reached`),
          options.totalTimeoutSec * 1000,
        )
      : undefined;

  const lanes = new Map<string, LaneState>(options.lanes.map((s) => [laneKey(s), { outcomes: [] }]));
  const run: RunState = {
    options,
    ctx,
    env: { ...ctx.env, VMRUN_CACHE: ctx.env.VMRUN_CACHE || DEFAULT_VMRUN_CACHE },
    workDir,
    vmrunPath,
    logDir,
    signal: deadline.signal,
    stopWhy,
    shardCount: split.length,
  };
  try {
    await prepareKernels(lanes, run);
    const queue = [...jobs];
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
        await runJob(job, lanes.get(laneKey(job.selection))!, run);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.jobs, jobs.length) }, worker));
  } finally {
    if (totalTimer) clearTimeout(totalTimer);
    ctx.signal?.removeEventListener('abort', onOuterAbort);
    if (snapshotDir !== undefined) rmSync(snapshotDir, { recursive: true, force: true });
  }

  const summaries: LaneSummary[] = options.lanes.map((sel) => {
    const state = lanes.get(laneKey(sel))!;
    return summarizeLane({
      lane: laneKey(sel),
      ...(state.release !== undefined ? { release: state.release } : {}),
      knownAbsentFeatures: sel.lane.knownAbsentFeatures,
      guests: [...state.outcomes].sort((a, b) => a.shard - b.shard),
      wallMs:
        state.firstStart !== undefined && state.lastEnd !== undefined ? state.lastEnd - state.firstStart : 0,
    });
  });
  const text = formatSummary(summaries, Date.now() - started);
  ctx.print(text);
  writeFileSync(join(logDir, 'summary.txt'), `${text}\n`);
  return summaries.every((s) => s.ok) ? 0 : 1;
}

/** What every guest of one run shares. */
interface RunState {
  readonly options: RunnerOptions;
  readonly ctx: RunnerContext;
  readonly env: NodeJS.ProcessEnv;
  /** The guests' working directory: the checkout, or its frozen copy. */
  readonly workDir: string;
  /** vmrun.sh to run: the frozen copy's when there is one. */
  readonly vmrunPath: string;
  readonly logDir: string;
  /** Fires on Ctrl-C or the total deadline; `stopWhy.reason` says which. */
  readonly signal: AbortSignal;
  readonly stopWhy: { reason?: string };
  readonly shardCount: number;
}

/** The host side first: each kernel and its initramfs into the cache (one at a time: vmrun.sh locks it). */
async function prepareKernels(lanes: ReadonlyMap<string, LaneState>, run: RunState): Promise<void> {
  for (const sel of run.options.lanes) {
    if (run.signal.aborted) return;
    const state = lanes.get(laneKey(sel))!;
    const name = laneKey(sel).replace(/[^\w.+-]/g, '_');
    const res = await spawnToFiles('bash', prepareCommand(run.vmrunPath, sel.lane, sel.abi), {
      cwd: run.workDir,
      env: run.env,
      timeoutMs: PREPARE_TIMEOUT_MS,
      signal: run.signal,
      stdoutFile: join(run.logDir, `${name}.prepare.out`),
      stderrFile: join(run.logDir, `${name}.prepare.err`),
    });
    const info = parseVmrunInfo(res.stderr);
    if (info.release !== undefined) state.release = info.release;
    if (res.exitCode !== 0) {
      state.prepareProblem = `preparing the kernel failed (exit ${res.exitCode ?? res.exitSignal}): ${lastLines(res.stderr, 3)}`;
    }
    const what = state.prepareProblem ?? `kernel ${state.release ?? '?'} ready`;
    run.ctx.print(`[${laneKey(sel)}] ${what} (${formatDuration(res.wallMs)})`);
  }
}

/** Boots one guest (unless its kernel failed to prepare or the run is stopping) and records its outcome. */
async function runJob(job: Job, state: LaneState, run: RunState): Promise<void> {
  const { options, ctx, env, workDir, logDir, signal, stopWhy, shardCount } = run;
  const tag = `${laneKey(job.selection)} ${job.shard}/${shardCount}`;
  const base = { shard: job.shard, files: job.plan.files };
  const empty = { results: [], diagnostics: [] };
  if (state.prepareProblem !== undefined) {
    state.outcomes.push({
      ...base,
      exitCode: null,
      timedOut: false,
      problem: state.prepareProblem,
      wallMs: 0,
      report: empty,
    });
    return;
  }
  if (signal.aborted) {
    const problem = `not run: ${stopWhy.reason ?? 'stopped'}`;
    state.outcomes.push({ ...base, exitCode: null, timedOut: false, problem, wallMs: 0, report: empty });
    return;
  }
  const t0 = Date.now();
  state.firstStart = Math.min(state.firstStart ?? t0, t0);
  ctx.print(`[${tag}] booting, ${job.plan.files.length} test file${job.plan.files.length === 1 ? '' : 's'}`);
  const name = `${laneKey(job.selection).replace(/[^\w.+-]/g, '_')}.${job.shard}`;
  const res = await spawnToFiles('bash', guestCommand(run.vmrunPath, ctx.nodePath, job.plan), {
    cwd: workDir,
    env,
    timeoutMs: options.guestTimeoutSec * 1000 + BACKSTOP_MS,
    signal,
    stdoutFile: join(logDir, `${name}.tap`),
    stderrFile: join(logDir, `${name}.stderr`),
    ...(options.verbose
      ? {
          onLine: (stream: string, line: string) =>
            ctx.print(`[${tag}${stream === 'stderr' ? ' err' : ''}] ${line}`),
        }
      : {}),
  });
  state.lastEnd = Math.max(state.lastEnd ?? 0, Date.now());
  const info = parseVmrunInfo(res.stderr);
  if (info.release !== undefined) state.release = info.release;
  const report = stripLocationPrefix(parseTap(res.stdout), `${workDir}/`);
  let problem: string | undefined;
  if (res.aborted) problem = `stopped after ${formatDuration(res.wallMs)}: ${stopWhy.reason ?? 'aborted'}`;
  else if (res.timedOut)
    problem = `killed after ${formatDuration(res.wallMs)} (vmrun.sh did not stop at its own timeout)`;
  else if (res.exitCode === 124) problem = `guest timed out after ${options.guestTimeoutSec} s`;
  else if (res.exitCode === 125) problem = `the VM failed (exit 125): ${lastLines(res.stderr, 4)}`;
  else if (res.exitCode === null) problem = `vmrun.sh ended by ${res.exitSignal}`;
  const outcome: GuestOutcome = {
    ...base,
    exitCode: res.exitCode,
    timedOut: res.timedOut || res.exitCode === 124,
    ...(problem !== undefined ? { problem } : {}),
    wallMs: res.wallMs,
    report,
  };
  state.outcomes.push(outcome);
  const s = summarizeLane({
    lane: tag,
    knownAbsentFeatures: job.plan.lane.knownAbsentFeatures,
    guests: [outcome],
    wallMs: res.wallMs,
  });
  ctx.print(
    `[${tag}] ${problem ?? `exit ${res.exitCode} in ${formatDuration(res.wallMs)}`}${info.accel ? ` (${info.accel})` : ''}: ` +
      `${s.passed} passed, ${s.failed} failed, ${s.cancelled} cancelled, ${s.skipped} skipped`,
  );
}
