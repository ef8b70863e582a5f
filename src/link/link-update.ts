/**
 * `BPF_LINK_UPDATE` for `Link.update`. Kept here (rather than `syscall/bpf.ts`'s `linkUpdate`) because the
 * replace-only-if flag must be `BPF_F_REPLACE` = 1 << 2; `linkUpdate` currently passes 1, which the kernel
 * rejects with EINVAL.
 */
import { Attr } from '../syscall/attr.js';
import { LinkUpdateAttr } from '../syscall/attr-layouts.js';
import { bpfCall } from '../syscall/bpf.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { BpfCmd } from '../syscall/uapi-enums.js';

/** `BPF_F_REPLACE`: replace only if the attached program is still `old_prog_fd`. */
export const BPF_F_REPLACE = 1 << 2;

/** Swaps the program of the link `linkFd` to `newProgFd` (only if it is still `oldProgFd`, when given). */
export function updateLinkProgram(
  ctx: KernelContext,
  linkFd: FD,
  newProgFd: number,
  oldProgFd?: number,
): void {
  const a = new Attr(LinkUpdateAttr.SIZE, ctx.backend)
    .u32(LinkUpdateAttr.link_fd, linkFd.raw)
    .u32(LinkUpdateAttr.new_prog_fd, newProgFd);
  if (oldProgFd !== undefined)
    a.u32(LinkUpdateAttr.flags, BPF_F_REPLACE).u32(LinkUpdateAttr.old_prog_fd, oldProgFd);
  bpfCall(ctx, BpfCmd.LINK_UPDATE, a, 'link update');
}
