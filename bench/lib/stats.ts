/**
 * Timing and statistics for the ebpf-ts side: median, and repeated timed runs with a warmup.
 */
import type { ClockFn } from './clock.js';

/** The median of `xs` (mean of the two middle values for an even count). Throws on an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of no samples');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Runs `body(loops)` once untimed (warmup: JIT, caches), then `reps` timed times on `clock`, and returns the
 * ns per op of each timed repetition (`ops` ops per repetition).
 */
export function timeReps(
  body: (loops: number) => void,
  loops: number,
  ops: number,
  reps: number,
  clock: ClockFn,
): number[] {
  body(loops);
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = clock();
    body(loops);
    const t1 = clock();
    samples.push((t1 - t0) / ops);
  }
  return samples;
}
