/**
 * `kprobeMulti`: one link that runs a program on many kernel functions (fprobe-based, kernel 5.18+),
 * `BPF_LINK_CREATE` with `BPF_TRACE_KPROBE_MULTI` (or `BPF_TRACE_KPROBE_SESSION`). The program must have
 * been loaded with that attach type.
 */

import { EbpfError, NotSupportedError, SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { Attr, cstring } from '../syscall/attr.js';
import { LinkCreateAttr } from '../syscall/attr-layouts.js';
import { linkCreate } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { Link } from './link.js';
import { type LinkProgram, programLabel, programRawFd, requireProgramType } from './program-ref.js';

const { ESRCH, ENOENT, EINVAL, EOPNOTSUPP, ENOTSUPP } = Errno;

/** `BPF_F_KPROBE_MULTI_RETURN`. */
export const KPROBE_MULTI_RETURN = 1;
/** The kernel's limit on functions per kprobe_multi link (`MAX_KPROBE_MULTI_CNT`). */
export const MAX_KPROBE_MULTI_COUNT = 1 << 20;

/** Options of `kprobeMulti`. Give exactly one of `symbols` and `addresses`. */
export interface KprobeMultiOptions {
  program: LinkProgram;
  /** Kernel function names. */
  symbols?: readonly string[];
  /** Kernel function addresses. */
  addresses?: readonly bigint[];
  /** One BPF cookie per function, in the same order. */
  cookies?: readonly bigint[];
  /** Run on function return instead of entry. */
  retprobe?: boolean;
  /** Session mode (entry and return in one program, kernel 6.10+). */
  session?: boolean;
  ctx?: KernelContext;
}

function u64Array(values: readonly bigint[], ctx: KernelContext): Attr {
  const a = new Attr(values.length * 8, ctx.backend);
  values.forEach((v, i) => {
    a.u64(i * 8, v);
  });
  return a;
}

/** Attaches `program` to many kernel functions at once. */
export function kprobeMulti(opts: KprobeMultiOptions): Link {
  const ctx = opts.ctx ?? defaultContext();
  const kind = opts.session ? 'kprobe_session' : opts.retprobe ? 'kretprobe_multi' : 'kprobe_multi';
  const symbols = opts.symbols ?? [];
  const addresses = opts.addresses ?? [];
  const count = symbols.length + addresses.length;
  const label = `${kind} (${count} functions)`;
  requireProgramType(opts.program, label, { KPROBE: ProgramType.KPROBE });
  if (symbols.length > 0 === addresses.length > 0)
    throw new EbpfError(`${kind}: give either symbols or addresses (non-empty)`, 'EINVAL');
  if (count > MAX_KPROBE_MULTI_COUNT)
    throw new EbpfError(`${kind}: ${count} functions, the kernel allows ${MAX_KPROBE_MULTI_COUNT}`, 'E2BIG');
  if (opts.cookies !== undefined && opts.cookies.length !== count)
    throw new EbpfError(`${kind}: ${opts.cookies.length} cookies for ${count} functions`, 'EINVAL');
  if (opts.session && opts.retprobe)
    throw new EbpfError(`${kind}: session and retprobe are exclusive`, 'EINVAL');
  const attachType = opts.session ? AttachType.TRACE_KPROBE_SESSION : AttachType.TRACE_KPROBE_MULTI;
  if (opts.program.attachType !== undefined && opts.program.attachType !== attachType)
    throw new EbpfError(
      `${label}: ${programLabel(opts.program)} was loaded with attach type ${opts.program.attachType}, needs ${attachType}`,
      'EINVAL',
    );

  let syms: Attr | undefined;
  if (symbols.length > 0) {
    syms = new Attr(symbols.length * 8, ctx.backend);
    for (const [i, s] of symbols.entries()) syms.ptr(i * 8, cstring(s));
  }
  const addrs = addresses.length > 0 ? u64Array(addresses, ctx) : undefined;
  const cookies = opts.cookies && opts.cookies.length > 0 ? u64Array(opts.cookies, ctx) : undefined;
  let fd: FD;
  try {
    fd = linkCreate(
      ctx,
      {
        progFd: programRawFd(opts.program),
        targetFd: 0,
        attachType,
        extra: (a) => {
          a.u32(LinkCreateAttr.kprobe_multi_flags, opts.retprobe ? KPROBE_MULTI_RETURN : 0);
          a.u32(LinkCreateAttr.kprobe_multi_cnt, count);
          if (syms) a.ptr(LinkCreateAttr.kprobe_multi_syms, syms.bytes);
          if (addrs) a.ptr(LinkCreateAttr.kprobe_multi_addrs, addrs.bytes);
          if (cookies) a.ptr(LinkCreateAttr.kprobe_multi_cookies, cookies.bytes);
        },
      },
      `${label}: ${programLabel(opts.program)}: link create`,
    );
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
    if (e.errno === EOPNOTSUPP || e.errno === ENOTSUPP)
      throw new NotSupportedError(
        opts.session ? 'kprobe_session' : 'kprobe_multi',
        opts.session ? '6.10' : '5.18',
        'the kernel has no fprobe support (CONFIG_FPROBE)',
        { cause: e },
      );
    if (e.errno === ESRCH || e.errno === ENOENT)
      throw new EbpfError(`${label}: some functions were not found or cannot be probed`, e.code, {
        cause: e,
      });
    if (e.errno === EINVAL)
      throw new EbpfError(
        `${label}: EINVAL: unknown function, a program not loaded for kprobe_multi, or a kernel before 5.18`,
        e.code,
        { cause: e },
      );
    throw e;
  }
  return new Link({ ctx, kind: 'bpf-link', fd, program: opts.program, label });
}
