/**
 * Event reader benchmark: how fast ebpf-ts drains a BPF ring buffer and a perf buffer, against libbpf's
 * `ring_buffer__consume` / `perf_buffer__consume` (bench/baseline/reader-bench.c, compiled with gcc -lbpf
 * into a temporary directory) in the same run.
 *
 * Workload (bpf/bench/reader-producer.bpf.o): program `ring<B>` / `perf<B>` writes one B-byte record
 * (B = 16, 64, 256: a u64 sequence number, then a fill pattern) per run; one BPF_PROG_TEST_RUN with
 * `repeat` = N leaves N records waiting, which the consumer then drains. Both sides use the same object,
 * the same 32 MiB ring / 32 MiB per-CPU perf buffers (woken at half a buffer), the same N, and the same
 * work per record (count it, add its length, sum the low 32 bits of its sequence number — checked after
 * every repetition, with no record lost). "drain" times the consumer alone; "total" times producing plus
 * draining.
 *
 * Every measurement runs in a fresh child process — libbpf's reader-bench, or this file with `--child` —
 * that loads the object, drains untimed a few times (warmup, see `warmupReps`), then `reps` timed times;
 * the per-repetition median is kept. Rounds alternate which side goes first; the figures are medians over rounds and the ratio is the
 * median of the per-round ratios ebpf-ts rate / libbpf rate (> 1: ebpf-ts faster). ebpf-ts variants:
 *   in-place  `drainInPlace` (offset into the mapped ring, no allocation: the peer of libbpf's callback)
 *   view      `drain` with `copy: false` (a Uint8Array view and a record object per record)
 *   copy      `drain` with the default copying mode
 *   for-await `for await (const r of reader)` (a promise per record)
 * `--quick` (a smoke run: a tenth of the records, one round, in-place and view only).
 *
 *   npx tsx bench/readers.ts [--quick] [--rounds N] [--reps N] [--clock wall|cpu] [--filter s] [--json]
 *
 * Needs root, gcc and libbpf-dev. The machine is usually shared: the load average is printed with the figures.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCollectionSpec, newCollection } from '../src/collection/index.js';
import { pageSize } from '../src/maps/system-info.js';
import { PerfReader } from '../src/perf/index.js';
import { RingBufReader } from '../src/ringbuf/index.js';
import { defaultContext } from '../src/syscall/context.js';
import { type ClockName, clockFor } from './lib/clock.js';
import { median } from './lib/stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const OBJECT = resolve(HERE, '..', 'bpf', 'bench', 'reader-producer.bpf.o');
const C_SOURCE = join(HERE, 'baseline', 'reader-bench.c');
/** Target: ebpf-ts ring buffer drain rate / libbpf's. */
export const RINGBUF_TARGET = 0.8;
const RING_BYTES = 32 << 20;
const PERF_BUFFER_BYTES = 32 << 20;
const KINDS = ['ring', 'perf'] as const;
type Kind = (typeof KINDS)[number];
const SIZES = [16, 64, 256] as const;
const MODES = ['in-place', 'view', 'copy', 'for-await'] as const;
type Mode = (typeof MODES)[number];
/** Records per repetition: as many as fit comfortably in 32 MiB, for each record size. */
const FULL_RECORDS: Record<number, number> = { 16: 1_000_000, 64: 400_000, 256: 120_000 };

interface Params {
  rounds: number;
  reps: number;
  scale: number;
  modes: readonly Mode[];
  clock: ClockName;
  filters: string[];
  json: boolean;
}

/** What one child (either side) reports: ns per repetition. */
interface ChildResult {
  drainNs: number[];
  totalNs: number[];
}

/** What a consumer adds up per record (object fields: updating them allocates nothing). */
class Tally {
  count = 0;
  bytes = 0;
  seqSum = 0;
  lost = 0;
  reset(): void {
    this.count = 0;
    this.bytes = 0;
    this.seqSum = 0;
    this.lost = 0;
  }
}

/** Sequence numbers `start .. start + n - 1`, low 32 bits, summed (what the consumers must add up to). */
function seqSum(start: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (start + i) % 0x100000000;
  return sum;
}

/** The ebpf-ts side of one measurement, run inside a child process. */
async function child(
  kind: Kind,
  size: number,
  records: number,
  warmups: number,
  reps: number,
  mode: Mode,
  clock: ClockName,
) {
  const now = clockFor(clock);
  const coll = newCollection(loadCollectionSpec(OBJECT));
  const prog = coll.programs[`${kind}${size}`];
  const map = coll.maps[kind === 'ring' ? 'ring' : 'events'];
  if (prog === undefined || map === undefined) throw new Error(`bench: ${OBJECT} lacks ${kind}${size}`);
  if (kind === 'ring' && map.maxEntries !== RING_BYTES)
    throw new Error(`bench: ${OBJECT}: ring of ${map.maxEntries} bytes, expected ${RING_BYTES}`);
  const perCpu = PERF_BUFFER_BYTES;
  const copy = mode === 'copy';
  const reader =
    kind === 'ring'
      ? new RingBufReader(map, { copy })
      : new PerfReader(map, { copy, perCpuBufferBytes: perCpu, watermark: perCpu / 2 });
  const tally = new Tally();
  const onBytes = (_data: Uint8Array, offset: number, length: number, view: DataView): void => {
    tally.count++;
    tally.bytes += length;
    tally.seqSum += view.getUint32(offset, true);
  };
  const onRecord = (r: { sample: Uint8Array; lost?: number }): void => {
    if (r.lost) {
      tally.lost += r.lost;
      return;
    }
    const s = r.sample;
    tally.count++;
    tally.bytes += s.length;
    tally.seqSum +=
      ((s[0] as number) | ((s[1] as number) << 8) | ((s[2] as number) << 16) | ((s[3] as number) << 24)) >>>
      0;
  };
  const drain = async (): Promise<void> => {
    if (mode === 'in-place') reader.drainInPlace(onBytes);
    else if (mode !== 'for-await') {
      if (reader instanceof RingBufReader) reader.drain(onRecord);
      else reader.drain(onRecord);
    } else
      for await (const r of reader) {
        onRecord(r);
        if (tally.count + tally.lost >= records) break;
      }
  };
  const packet = new Uint8Array(64);
  const out: ChildResult = { drainNs: [], totalNs: [] };
  let next = 0;
  for (let r = -warmups; r < reps; r++) {
    tally.reset();
    const t0 = now();
    prog.testRun({ data: packet, repeat: records, dataOutSize: 0, contextOutSize: 0 });
    const t1 = now();
    await drain();
    const t2 = now();
    const want = seqSum(next, records);
    next += records;
    if (tally.count !== records || tally.seqSum !== want || tally.lost !== 0)
      throw new Error(
        `bench: got ${tally.count} records (sequence sum ${tally.seqSum}, lost ${tally.lost}), want ${records} (sum ${want})`,
      );
    if (r >= 0) {
      out.drainNs.push(t2 - t1);
      out.totalNs.push(t2 - t0);
    }
  }
  reader.close();
  coll.close();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function parseChild(what: string, r: ReturnType<typeof spawnSync>): ChildResult {
  if (r.error) throw new Error(`bench: ${what}: ${r.error.message}`, { cause: r.error });
  if (r.status !== 0)
    throw new Error(`bench: ${what} exited ${r.status ?? r.signal}: ${String(r.stderr).trim()}`);
  const parsed = JSON.parse(String(r.stdout)) as Partial<ChildResult>;
  if (!Array.isArray(parsed.drainNs) || !Array.isArray(parsed.totalNs))
    throw new Error(`bench: ${what}: unexpected output ${String(r.stdout)}`);
  return { drainNs: parsed.drainNs, totalNs: parsed.totalNs };
}

/**
 * Untimed repetitions before the timed ones, on both sides: at least 2 and at least 300,000 records, so
 * that V8 has compiled the drain loop (on a background thread, which a busy machine slows down) before
 * the clock runs.
 */
function warmupReps(records: number): number {
  return Math.max(2, Math.ceil(300_000 / records));
}

/** Runs one side in a fresh process; returns the median drain and total ns over its repetitions. */
function measure(
  binary: string,
  side: 'libbpf' | Mode,
  kind: Kind,
  size: number,
  records: number,
  p: Params,
): { drainNs: number; totalNs: number } {
  const pages = PERF_BUFFER_BYTES / pageSize(defaultContext());
  const counts = [records, warmupReps(records), p.reps];
  const args =
    side === 'libbpf'
      ? [OBJECT, kind, size, ...counts, pages, p.clock]
      : ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, size, ...counts, side, p.clock];
  const cmd = side === 'libbpf' ? binary : process.execPath;
  const r = spawnSync(cmd, args.map(String), {
    encoding: 'utf8',
    timeout: 600_000,
    cwd: resolve(HERE, '..'),
  });
  const res = parseChild(`${side} ${kind}${size}`, r);
  return { drainNs: median(res.drainNs), totalNs: median(res.totalNs) };
}

/** Compiles reader-bench.c into `dir`. */
function buildBaseline(dir: string): string {
  const binary = join(dir, 'reader-bench');
  try {
    execFileSync(process.env.CC ?? 'gcc', ['-O2', '-Wall', '-Wextra', '-o', binary, C_SOURCE, '-lbpf'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`bench: compiling ${C_SOURCE} failed (is libbpf-dev installed?)\n${stderr}`, {
      cause: e,
    });
  }
  return binary;
}

/** One side's figures for a case: medians over rounds. */
interface SideFigures {
  side: string;
  drainNs: number;
  totalNs: number;
  recordsPerSec: number;
  mbPerSec: number;
  totalRecordsPerSec: number;
  /** Median over rounds of this side's drain rate / libbpf's in the same round (1 for libbpf). */
  ratio: number;
  roundsDrainNs: number[];
}

/** Figures of one case (kind and record size). */
interface CaseFigures {
  kind: Kind;
  recordBytes: number;
  records: number;
  sides: SideFigures[];
}

function runCase(binary: string, kind: Kind, size: number, p: Params): CaseFigures {
  const records = Math.max(1000, Math.round((FULL_RECORDS[size] as number) * p.scale));
  const sides: Array<'libbpf' | Mode> = ['libbpf', ...p.modes];
  const rounds = new Map<string, Array<{ drainNs: number; totalNs: number }>>(sides.map((s) => [s, []]));
  for (let round = 0; round < p.rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) rounds.get(side)?.push(measure(binary, side, kind, size, records, p));
  }
  const base = rounds.get('libbpf') ?? [];
  const figures = sides.map((side): SideFigures => {
    const rs = rounds.get(side) ?? [];
    const drainNs = median(rs.map((r) => r.drainNs));
    const totalNs = median(rs.map((r) => r.totalNs));
    return {
      side: side === 'libbpf' ? 'libbpf' : `ebpf-ts ${side}`,
      drainNs,
      totalNs,
      recordsPerSec: records / (drainNs / 1e9),
      mbPerSec: (records * size) / (drainNs / 1e9) / 1e6,
      totalRecordsPerSec: records / (totalNs / 1e9),
      ratio: median(rs.map((r, i) => (base[i] as { drainNs: number }).drainNs / r.drainNs)),
      roundsDrainNs: rs.map((r) => r.drainNs),
    };
  });
  return { kind, recordBytes: size, records, sides: figures };
}

function fmtRate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${(n / 1e3).toFixed(0)}k`;
}

function printCase(c: CaseFigures): void {
  const name = c.kind === 'ring' ? 'ring buffer' : 'perf buffer';
  process.stdout.write(`\n${name}, ${c.recordBytes}-byte records, ${c.records} per repetition\n`);
  process.stdout.write(
    `  ${'consumer'.padEnd(20)}${'records/s'.padStart(11)}${'MB/s'.padStart(9)}${'drain ms'.padStart(10)}${'ratio'.padStart(8)}${'total rec/s'.padStart(13)}\n`,
  );
  for (const s of c.sides)
    process.stdout.write(
      `  ${s.side.padEnd(20)}${fmtRate(s.recordsPerSec).padStart(11)}${s.mbPerSec.toFixed(0).padStart(9)}${(s.drainNs / 1e6).toFixed(2).padStart(10)}${s.ratio.toFixed(2).padStart(8)}${fmtRate(s.totalRecordsPerSec).padStart(13)}\n`,
    );
}

function parseArgs(argv: readonly string[]): Params {
  const p: Params = { rounds: 3, reps: 5, scale: 1, modes: MODES, clock: 'wall', filters: [], json: false };
  let quick = false;
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench: ${flag} needs a positive integer`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--json') p.json = true;
    else if (a === '--rounds') p.rounds = int(a, argv[++i]);
    else if (a === '--reps') p.reps = int(a, argv[++i]);
    else if (a === '--filter') p.filters.push(...(argv[++i] ?? '').split(',').filter(Boolean));
    else if (a === '--clock') {
      const v = argv[++i];
      if (v !== 'wall' && v !== 'cpu') throw new Error('bench: --clock needs wall or cpu');
      p.clock = v;
    } else throw new Error(`bench: unknown option ${a}`);
  }
  if (quick) {
    p.rounds = Math.min(p.rounds, 1);
    p.reps = Math.min(p.reps, 3);
    p.scale = 0.1;
    p.modes = ['in-place', 'view'];
  }
  return p;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    const [kind, size, records, warmups, reps, mode, clock] = argv.slice(1);
    if (
      !KINDS.includes(kind as Kind) ||
      !MODES.includes(mode as Mode) ||
      (clock !== 'wall' && clock !== 'cpu')
    )
      throw new Error(`bench: bad child arguments ${argv.join(' ')}`);
    await child(
      kind as Kind,
      Number(size),
      Number(records),
      Number(warmups),
      Number(reps),
      mode as Mode,
      clock,
    );
    return;
  }
  const p = parseArgs(argv);
  const dir = mkdtempSync(join(tmpdir(), 'reader-bench-'));
  const loadStart = loadavg();
  const results: CaseFigures[] = [];
  try {
    const binary = buildBaseline(dir);
    if (!p.json)
      process.stdout.write(
        `reader bench: ${p.rounds} rounds x ${p.reps} reps, clock ${p.clock}, ${cpus().length} CPUs, load average ${loadStart.map((l) => l.toFixed(2)).join(' ')}\n`,
      );
    for (const kind of KINDS)
      for (const size of SIZES) {
        const name = `${kind}${size}`;
        if (p.filters.length > 0 && !p.filters.some((f) => name.includes(f))) continue;
        const c = runCase(binary, kind, size, p);
        results.push(c);
        if (!p.json) printCase(c);
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loadEnd = loadavg();
  if (p.json) {
    const meta = {
      node: process.version,
      kernel: release(),
      cpus: cpus().length,
      loadStart,
      loadEnd,
      params: p,
    };
    process.stdout.write(`${JSON.stringify({ meta, target: RINGBUF_TARGET, results }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `\nratio = ebpf-ts drain rate / libbpf drain rate, median of per-round ratios (target for the ring buffer in-place drain: >= ${RINGBUF_TARGET})\nload average at the end ${loadEnd.map((l) => l.toFixed(2)).join(' ')}\n`,
  );
}

await main();
