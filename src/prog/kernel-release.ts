/**
 * The running kernel's version from `uname -r`: parsing (`6.18.44-fc-v595` → 6.18.44), comparison with a
 * `"5.11"`-style minimum, and `LINUX_VERSION_CODE` for the `kern_version` field of old KPROBE loads.
 */
import type { KernelContext } from '../syscall/context.js';

/** A kernel version as three numbers. */
export interface KernelRelease {
  major: number;
  minor: number;
  patch: number;
}

/** Parses the leading `major.minor[.patch]` of a release string; undefined when it does not start so. */
export function parseKernelRelease(release: string): KernelRelease | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? 0) };
}

/** Negative, zero or positive as `release` is older than, equal to or newer than `min` (`"5.11"`). */
export function compareKernelRelease(release: KernelRelease, min: string): number {
  const want = parseKernelRelease(min);
  if (!want) throw new RangeError(`invalid kernel version ${JSON.stringify(min)}`);
  return release.major - want.major || release.minor - want.minor || release.patch - want.patch;
}

/** `KERNEL_VERSION(major, minor, patch)` as the kernel encodes it (patch saturates at 255). */
export function kernelVersionCode(release: KernelRelease): number {
  return ((release.major << 16) + (release.minor << 8) + Math.min(release.patch, 255)) >>> 0;
}

/** The running kernel's release (cached on the context); undefined when uname's string is unparsable. */
export function runningKernelRelease(ctx: KernelContext): KernelRelease | undefined {
  return ctx.cached('kernel:release', () => parseKernelRelease(ctx.backend.uname().release));
}
