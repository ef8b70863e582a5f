/**
 * The verifier-log policy of `BPF_PROG_LOAD`. The first load runs without a log (fast, no allocation).
 * If it fails, the load is repeated with `log_level` 1 and a buffer that starts at 64 KiB and grows while
 * the kernel says the log was truncated (ENOSPC): to exactly `log_true_size` when the kernel reports it
 * (6.4+), else ×4, up to the kernel's maximum (1 GiB - 1; 16 MiB - 1 before 5.2, detected by EINVAL).
 * EAGAIN (verification interrupted) is retried a few times.
 */

import { Errno } from '../internal/errno.js';
import type { Attr } from '../syscall/attr.js';
import { ProgLoadAttr } from '../syscall/attr-layouts.js';
import { allocAttr } from '../syscall/backend.js';
import { decodeLog } from '../syscall/bpf.js';
import { BpfCmd } from '../syscall/uapi-enums.js';
import type { BpfSteps } from './bpf-steps.js';

/** Verifier log options of a load. */
export interface LogOptions {
  /** Request the log from the first attempt at this level (1, 2, |4 for stats) and keep it on success. */
  logLevel?: number | undefined;
  /** Initial log buffer size in bytes (default 64 KiB; at least 128). */
  logSize?: number | undefined;
  /** Never request a log (errors then carry none). */
  logDisabled?: boolean | undefined;
}

/** Default first log buffer size. */
export const DEFAULT_LOG_SIZE = 64 * 1024;
/** Largest log buffer current kernels accept (`UINT_MAX >> 2`). */
export const MAX_LOG_SIZE = 0x3fffffff;
/** Largest log buffer kernels before 5.2 accept (`UINT_MAX >> 8`). */
export const OLD_KERNEL_MAX_LOG_SIZE = 0xffffff;
/** Smallest log buffer the kernel accepts. */
const MIN_LOG_SIZE = 128;
/** How often an EAGAIN from the verifier is retried. */
const EAGAIN_RETRIES = 5;

/** What the attempts came to. */
export type LoadOutcome =
  | { ok: true; fd: number; log: string | undefined }
  | { ok: false; errno: number; log: string; truncated: boolean };

/** The size of the next log buffer after a truncated log of `size` bytes, or undefined at the maximum. */
export function nextLogSize(size: number, trueSize: number): number | undefined {
  if (size >= MAX_LOG_SIZE) return undefined;
  const want = trueSize > size ? trueSize : size * 4;
  return Math.min(want, MAX_LOG_SIZE);
}

function setLog(attr: Attr, level: number, buf: Uint8Array | undefined): void {
  attr
    .u32(ProgLoadAttr.log_level, buf ? level : 0)
    .u32(ProgLoadAttr.log_size, buf?.byteLength ?? 0)
    .ptr(ProgLoadAttr.log_buf, buf)
    .u32(ProgLoadAttr.log_true_size, 0);
}

/** Runs `attr` (a BPF_PROG_LOAD attr without log fields) under the log policy. */
export function* loadAttempts(attr: Attr, opts: LogOptions = {}): BpfSteps<LoadOutcome> {
  const level = opts.logLevel && opts.logLevel > 0 ? opts.logLevel : 1;
  let size = Math.max(MIN_LOG_SIZE, Math.min(opts.logSize ?? DEFAULT_LOG_SIZE, MAX_LOG_SIZE));
  let buf = opts.logLevel && !opts.logDisabled ? allocAttr(size) : undefined;
  // The errno of the first failure (the verifier's verdict), kept while the log buffer grows.
  let verdict: number | undefined;
  let lastLog = '';
  let again = 0;
  for (;;) {
    setLog(attr, level, buf);
    const r = yield { cmd: BpfCmd.PROG_LOAD, attr };
    if (r >= 0) return { ok: true, fd: r, log: buf ? decodeLog(buf) : undefined };
    const errno = -r;
    if (errno === Errno.EAGAIN && again++ < EAGAIN_RETRIES) continue;
    if (opts.logDisabled) return { ok: false, errno, log: '', truncated: false };
    if (buf === undefined) {
      verdict = errno;
      buf = allocAttr(size);
      continue;
    }
    if (errno === Errno.ENOSPC) {
      lastLog = decodeLog(buf);
      const next = nextLogSize(size, attr.getU32(ProgLoadAttr.log_true_size));
      if (next === undefined) return { ok: false, errno: verdict ?? errno, log: lastLog, truncated: true };
      size = next;
      buf = allocAttr(size);
      continue;
    }
    const log = decodeLog(buf);
    if (errno === Errno.EINVAL && log === '' && lastLog !== '' && size > OLD_KERNEL_MAX_LOG_SIZE) {
      // An old kernel refusing the buffer size: report the truncated log we have.
      return { ok: false, errno: verdict ?? errno, log: lastLog, truncated: true };
    }
    return { ok: false, errno, log, truncated: false };
  }
}
