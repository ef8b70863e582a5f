/**
 * Small feature probes the loader needs (cached per kernel context): whether the kernel has the
 * `bpf_get_attach_cookie` helper (libbpf's `LINUX_HAS_BPF_COOKIE`), probed by loading a tracepoint
 * program that calls it.
 */
import { call, exit, HelperId, mov64Imm, R0 } from '../asm/index.js';
import { isEbpfError } from '../errors.js';
import { Program, ProgramSpec } from '../prog/index.js';
import type { KernelContext } from '../syscall/context.js';
import { ProgramType } from '../syscall/uapi-enums.js';

/** True when a tracepoint program may call `bpf_get_attach_cookie` (5.15+). */
export function hasBpfCookie(ctx: KernelContext): boolean {
  return ctx.cached('collection:probe:bpf-cookie', () => {
    const spec = new ProgramSpec({
      name: 'probe_cookie',
      type: ProgramType.TRACEPOINT,
      license: 'GPL',
      instructions: [call(HelperId.get_attach_cookie), mov64Imm(R0, 0), exit()],
    });
    try {
      Program.load(spec, { ctx, logDisabled: true }).close();
      return true;
    } catch (e) {
      if (isEbpfError(e)) return false;
      throw e;
    }
  });
}
