/**
 * `uprobe_multi` links (kernel 6.6+): one link running a program at many offsets of one file,
 * `BPF_LINK_CREATE` with `BPF_TRACE_UPROBE_MULTI` (or `BPF_TRACE_UPROBE_SESSION`). The program must have
 * been loaded with that attach type. Used by `Executable.uprobeMulti`.
 */

import { EbpfError, NotSupportedError, SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { Attr, cstring } from '../syscall/attr.js';
import { LinkCreateAttr } from '../syscall/attr-layouts.js';
import { linkCreate } from '../syscall/bpf.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { Link } from './link.js';
import { type LinkProgram, programLabel, programRawFd, requireProgramType } from './program-ref.js';

const { EINVAL, EOPNOTSUPP, ENOTSUPP, ESRCH } = Errno;

/** `BPF_F_UPROBE_MULTI_RETURN`. */
export const UPROBE_MULTI_RETURN = 1;
/** Most probes per link we accept (the kernel's own limit is its memory; libbpf does not cap). */
export const MAX_UPROBE_MULTI_COUNT = 1 << 20;

/** What `attachUprobeMulti` attaches. */
export interface UprobeMultiRequest {
  program: LinkProgram;
  path: string;
  offsets: readonly bigint[];
  refCtrOffsets?: readonly bigint[] | undefined;
  cookies?: readonly bigint[] | undefined;
  pid?: number | undefined;
  retprobe?: boolean | undefined;
  session?: boolean | undefined;
  label: string;
}

function u64Array(values: readonly bigint[], ctx: KernelContext): Attr {
  const a = new Attr(values.length * 8, ctx.backend);
  values.forEach((v, i) => {
    a.u64(i * 8, v);
  });
  return a;
}

/** Creates a uprobe_multi link. */
export function attachUprobeMulti(ctx: KernelContext, r: UprobeMultiRequest): Link {
  requireProgramType(r.program, r.label, { KPROBE: ProgramType.KPROBE });
  const count = r.offsets.length;
  if (count === 0) throw new EbpfError(`${r.label}: no offsets`, 'EINVAL');
  if (count > MAX_UPROBE_MULTI_COUNT) throw new EbpfError(`${r.label}: too many probes (${count})`, 'E2BIG');
  for (const [what, arr] of [
    ['ref_ctr_offsets', r.refCtrOffsets],
    ['cookies', r.cookies],
  ] as const)
    if (arr !== undefined && arr.length !== count)
      throw new EbpfError(`${r.label}: ${arr.length} ${what} for ${count} offsets`, 'EINVAL');
  if (r.session && r.retprobe)
    throw new EbpfError(`${r.label}: session and retprobe are exclusive`, 'EINVAL');
  const attachType = r.session ? AttachType.TRACE_UPROBE_SESSION : AttachType.TRACE_UPROBE_MULTI;
  if (r.program.attachType !== undefined && r.program.attachType !== attachType)
    throw new EbpfError(
      `${r.label}: ${programLabel(r.program)} was loaded with attach type ${r.program.attachType}, needs ${attachType}`,
      'EINVAL',
    );
  const path = cstring(r.path);
  const offsets = u64Array(r.offsets, ctx);
  const refs = r.refCtrOffsets ? u64Array(r.refCtrOffsets, ctx) : undefined;
  const cookies = r.cookies ? u64Array(r.cookies, ctx) : undefined;
  let fd: FD;
  try {
    fd = linkCreate(
      ctx,
      {
        progFd: programRawFd(r.program),
        targetFd: 0,
        attachType,
        extra: (a) => {
          a.ptr(LinkCreateAttr.uprobe_multi_path, path);
          a.ptr(LinkCreateAttr.uprobe_multi_offsets, offsets.bytes);
          if (refs) a.ptr(LinkCreateAttr.uprobe_multi_ref_ctr_offsets, refs.bytes);
          if (cookies) a.ptr(LinkCreateAttr.uprobe_multi_cookies, cookies.bytes);
          a.u32(LinkCreateAttr.uprobe_multi_cnt, count);
          a.u32(LinkCreateAttr.uprobe_multi_flags, r.retprobe ? UPROBE_MULTI_RETURN : 0);
          a.u32(LinkCreateAttr.uprobe_multi_pid, r.pid ?? 0);
        },
      },
      `${r.label}: ${programLabel(r.program)}: link create`,
    );
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
    if (e.errno === EOPNOTSUPP || e.errno === ENOTSUPP)
      throw new NotSupportedError(
        r.session ? 'uprobe_session' : 'uprobe_multi',
        r.session ? '6.13' : '6.6',
        r.label,
        {
          cause: e,
        },
      );
    if (e.errno === ESRCH) throw new EbpfError(`${r.label}: no process ${r.pid}`, e.code, { cause: e });
    if (e.errno === EINVAL)
      throw new EbpfError(
        `${r.label}: EINVAL: bad offset, a program not loaded for uprobe_multi, or a kernel before 6.6`,
        e.code,
        { cause: e },
      );
    throw e;
  }
  return new Link({ ctx, kind: 'bpf-link', fd, program: r.program, label: r.label });
}
