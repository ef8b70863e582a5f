/**
 * The clocks the benchmarks can measure with, the same on both sides:
 * - `wall`: monotonic time (`process.hrtime`, CLOCK_MONOTONIC in map-bench.c), what a user waits for;
 * - `cpu`: CPU time of the measuring thread (CLOCK_THREAD_CPUTIME_ID), user plus kernel. Time spent
 *   preempted by other processes does not count, so figures stay steady on a busy machine; work that V8
 *   does on its background GC threads does not count either, so it is a lower bound for ebpf-ts.
 * The thread clock is read through koffi (loaded only when `cpu` is chosen): it is the benchmark's own
 * instrument, not part of the library, and Node 20 has no per-thread CPU clock of its own.
 */
import { createRequire } from 'node:module';

/** Names accepted by `--clock`. */
export const CLOCK_NAMES = ['wall', 'cpu'] as const;
/** A clock name. */
export type ClockName = (typeof CLOCK_NAMES)[number];

/** Reads a clock in nanoseconds (an arbitrary origin; only differences matter). */
export type ClockFn = () => number;

const CLOCK_THREAD_CPUTIME_ID = 3;

interface KoffiClockLib {
  func(decl: string): (clockId: number, ts: BigInt64Array) => number;
}

function threadCpuClock(): ClockFn {
  const koffi = createRequire(import.meta.url)('koffi') as { load(path: string): KoffiClockLib };
  const clockGettime = koffi.load('libc.so.6').func('int clock_gettime(int clk, _Out_ int64 *ts)');
  const ts = new BigInt64Array(2);
  return () => {
    if (clockGettime(CLOCK_THREAD_CPUTIME_ID, ts) !== 0) throw new Error('bench: clock_gettime failed');
    return Number(ts[0]!) * 1e9 + Number(ts[1]!);
  };
}

/** The reader of clock `name`. */
export function clockFor(name: ClockName): ClockFn {
  if (name === 'cpu') return threadCpuClock();
  const origin = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - origin);
}
