/**
 * The kernel function doing unlinkat's work, for the examples that hook it (fentry-unlink, kprobe-unlink):
 * `do_unlinkat` until 7.x renamed it `filename_unlinkat`; both take `(int dfd, struct filename *name)`.
 */
import { findKernelFunction, isTypeNotFoundError } from 'ebpf-ts/btf';

/** Candidate names, newest first. */
export const UNLINK_CANDIDATES: readonly string[] = ['filename_unlinkat', 'do_unlinkat'];

/** The first candidate the running kernel's BTF has, or undefined when it has none. */
export function findUnlinkTarget(): string | undefined {
  for (const name of UNLINK_CANDIDATES) {
    try {
      findKernelFunction(name, { attach: 'function' });
      return name;
    } catch (e) {
      if (!isTypeNotFoundError(e)) throw e;
    }
  }
  return undefined;
}
