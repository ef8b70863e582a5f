/**
 * `ebpf-ts/rlimit`: `removeMemlock()`. Kernels before 5.11 charge BPF maps and programs against
 * RLIMIT_MEMLOCK, whose default (64 KiB to 8 MiB) is far too small; since 5.11 BPF memory is charged to the
 * memory cgroup and RLIMIT_MEMLOCK no longer matters. `removeMemlock` therefore first finds out whether the
 * kernel does memcg accounting and only raises the limit when it does not:
 *
 * 1. A kernel release >= 5.11 (from uname) is accepted as doing memcg accounting.
 * 2. Otherwise (or with `probe: true`) it lowers the *soft* limit to 0 — always allowed — creates a
 *    one-entry array map, and restores the soft limit. If the map was created, memory is not charged to
 *    RLIMIT_MEMLOCK. (Distribution kernels backport memcg accounting, which is why it probes.)
 * 3. Without memcg accounting it sets the limit to infinity, which needs CAP_SYS_RESOURCE unless the hard
 *    limit already is infinite; EPERM becomes a clear `SyscallError`.
 *
 * The outcome is cached on the kernel context, so later calls are free.
 */
import { SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { compareKernelRelease, runningKernelRelease } from '../prog/kernel-release.js';
import { Attr } from '../syscall/attr.js';
import { MapCreateAttr } from '../syscall/attr-layouts.js';
import { RLIM_INFINITY, RLIMIT_MEMLOCK, type Rlimit } from '../syscall/backend.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { BpfCmd, MapType } from '../syscall/uapi-enums.js';

/** Why `removeMemlock` did or did not change the limit. */
export type MemlockReason = 'memcg-accounting' | 'already-unlimited' | 'raised';

/** What `removeMemlock` did. */
export interface MemlockResult {
  /** True when RLIMIT_MEMLOCK was changed. */
  changed: boolean;
  reason: MemlockReason;
  /** How memcg accounting was established, for `memcg-accounting`. */
  detectedBy?: 'kernel-version' | 'probe';
  /** The limit before the call (`cur`/`max`, RLIM_INFINITY = 2^64-1). */
  before: Rlimit;
  /** A sentence saying what happened. */
  description: string;
}

/** Options of `removeMemlock`. */
export interface RemoveMemlockOptions {
  ctx?: KernelContext;
  /** Skip the kernel-version shortcut and always run the map-creation probe. */
  probe?: boolean;
}

/** 5.11 introduced memcg-based accounting of BPF memory. */
const MEMCG_KERNEL = '5.11';

function formatLimit(v: bigint): string {
  return v === RLIM_INFINITY ? 'unlimited' : `${v} bytes`;
}

function getMemlock(ctx: KernelContext): Rlimit {
  const r = ctx.backend.getrlimit(RLIMIT_MEMLOCK);
  if (typeof r === 'number') throw new SyscallError('rlimit: getrlimit(RLIMIT_MEMLOCK)', -r);
  return r;
}

/**
 * True when creating a map succeeds with the soft RLIMIT_MEMLOCK at 0 (the soft limit is restored).
 * A map creation failing with anything but EPERM is a real error and is thrown.
 */
function mapCreatesWithoutMemlock(ctx: KernelContext, before: Rlimit): boolean {
  const lowered = ctx.backend.setrlimit(RLIMIT_MEMLOCK, { cur: 0n, max: before.max });
  if (lowered < 0) throw new SyscallError('rlimit: lower RLIMIT_MEMLOCK for the memcg probe', -lowered);
  let fd: number;
  let restored = 0;
  try {
    const a = new Attr(MapCreateAttr.SIZE, ctx.backend)
      .u32(MapCreateAttr.map_type, MapType.ARRAY)
      .u32(MapCreateAttr.key_size, 4)
      .u32(MapCreateAttr.value_size, 4)
      .u32(MapCreateAttr.max_entries, 1);
    fd = ctx.backend.bpf(BpfCmd.MAP_CREATE, a.bytes, a.size);
  } finally {
    restored = ctx.backend.setrlimit(RLIMIT_MEMLOCK, before);
  }
  if (restored < 0) {
    if (fd >= 0) ctx.backend.close(fd);
    throw new SyscallError('rlimit: restore RLIMIT_MEMLOCK after the memcg probe', -restored);
  }
  if (fd >= 0) {
    ctx.backend.close(fd);
    return true;
  }
  if (fd === -Errno.EPERM) return false;
  throw new SyscallError('rlimit: memcg probe: map create', -fd);
}

function detect(ctx: KernelContext, opts: RemoveMemlockOptions): MemlockResult {
  const before = getMemlock(ctx);
  if (before.cur === RLIM_INFINITY) {
    return {
      changed: false,
      reason: 'already-unlimited',
      before,
      description: 'RLIMIT_MEMLOCK is already unlimited; nothing to do',
    };
  }
  const release = runningKernelRelease(ctx);
  if (!opts.probe && release && compareKernelRelease(release, MEMCG_KERNEL) >= 0) {
    return {
      changed: false,
      reason: 'memcg-accounting',
      detectedBy: 'kernel-version',
      before,
      description: `kernel ${release.major}.${release.minor} (>= ${MEMCG_KERNEL}) charges BPF memory to the memory cgroup; RLIMIT_MEMLOCK left at ${formatLimit(before.cur)}`,
    };
  }
  if (mapCreatesWithoutMemlock(ctx, before)) {
    return {
      changed: false,
      reason: 'memcg-accounting',
      detectedBy: 'probe',
      before,
      description: `a map was created with RLIMIT_MEMLOCK at 0, so the kernel charges BPF memory to the memory cgroup; RLIMIT_MEMLOCK left at ${formatLimit(before.cur)}`,
    };
  }
  const r = ctx.backend.setrlimit(RLIMIT_MEMLOCK, { cur: RLIM_INFINITY, max: RLIM_INFINITY });
  if (r < 0) {
    throw new SyscallError(
      'rlimit: raise RLIMIT_MEMLOCK to unlimited',
      -r,
      `this kernel charges BPF memory against RLIMIT_MEMLOCK (soft ${formatLimit(before.cur)}, hard ${formatLimit(before.max)}) ` +
        'and raising it needs CAP_SYS_RESOURCE; run as root, or raise the limit before starting ' +
        '(`ulimit -l unlimited`, systemd `LimitMEMLOCK=infinity`, docker `--ulimit memlock=-1`)',
    );
  }
  return {
    changed: true,
    reason: 'raised',
    before,
    description: `the kernel charges BPF memory against RLIMIT_MEMLOCK; raised it from ${formatLimit(before.cur)} to unlimited`,
  };
}

/**
 * Makes sure RLIMIT_MEMLOCK will not stop BPF map and program creation, changing it only on kernels that
 * need it (see the module comment). Returns what it did; the result is cached per kernel context.
 */
export function removeMemlock(opts: RemoveMemlockOptions = {}): MemlockResult {
  const ctx = opts.ctx ?? defaultContext();
  const key = opts.probe ? 'rlimit:memlock:probe' : 'rlimit:memlock';
  return ctx.cached(key, () => detect(ctx, opts));
}
