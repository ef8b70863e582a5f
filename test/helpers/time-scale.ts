/**
 * Deadlines of tests that wait for real events (a hook firing, an example printing its first line) scaled for
 * slow machines. The kernel-matrix runner sets `EBPF_TS_TIME_SCALE` in its qemu guests (TCG runs node 4–15×
 * slower than the host); elsewhere the factor is 1.
 */

/** The factor from `EBPF_TS_TIME_SCALE` (a number ≥ 1; anything else counts as 1). */
export function timeScale(): number {
  const v = Number(process.env.EBPF_TS_TIME_SCALE);
  return Number.isFinite(v) && v >= 1 ? v : 1;
}

/** `ms` times the time scale. */
export function scaledMs(ms: number): number {
  return Math.round(ms * timeScale());
}
