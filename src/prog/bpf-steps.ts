/**
 * Sync and async drivers for retry loops written once as generators: the generator yields each `bpf()`
 * call to make (command plus attr) and receives its raw result (`fd`/0 or `-errno`), so the retry policy
 * (log growth, output buffer growth, EAGAIN) is shared by `Program.load` and `Program.loadAsync`.
 */
import type { Attr } from '../syscall/attr.js';
import type { KernelContext } from '../syscall/context.js';

/** One `bpf()` call requested by a step generator. */
export interface BpfStep {
  cmd: number;
  attr: Attr;
}

/** A retry loop: yields calls, receives raw results, returns its outcome. */
export type BpfSteps<T> = Generator<BpfStep, T, number>;

/** Runs `steps` with blocking `bpf()` calls. */
export function runSteps<T>(ctx: KernelContext, steps: BpfSteps<T>): T {
  let next = steps.next();
  while (!next.done) {
    const { cmd, attr } = next.value;
    next = steps.next(ctx.backend.bpf(cmd, attr.bytes, attr.size));
  }
  return next.value;
}

/** Runs `steps` with `bpf()` on the libuv thread pool, so the event loop keeps running meanwhile. */
export async function runStepsAsync<T>(ctx: KernelContext, steps: BpfSteps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const { cmd, attr } = next.value;
    next = steps.next(await ctx.backend.bpfAsync(cmd, attr.bytes, attr.size));
  }
  return next.value;
}
