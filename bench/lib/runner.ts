/**
 * The shape of an ebpf-ts benchmark variant: set up (create and fill maps), then a loop body that the
 * harness times, then close.
 */
import type { BenchParams, CaseName } from './cases.js';

/** A prepared benchmark: `run(loops)` does `loops` ops (or passes over the map); `close()` frees it. */
export interface Runner {
  run(loops: number): void;
  close(): void;
}

/** One way of doing a case with ebpf-ts (e.g. raw bytes or typed codecs). */
export interface TsVariant {
  readonly case: CaseName;
  /** Short label shown in the table. */
  readonly variant: string;
  setup(p: BenchParams): Runner;
}

/** Thrown by a runner whose result does not match what the map holds (a broken benchmark, not a slow one). */
export function checkCount(what: string, seen: number, expected: number): void {
  if (seen !== expected) throw new Error(`bench: ${what} saw ${seen} elements, expected ${expected}`);
}
