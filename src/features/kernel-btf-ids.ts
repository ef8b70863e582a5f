/**
 * BTF ids of a few kernel symbols used as probe attach targets (a function for fentry/LSM probes, a
 * `btf_trace_*` typedef for tp_btf), looked up in the kernel BTF that `loadKernelSpec` caches per context.
 */

import { Kind, loadKernelSpec, type Spec } from '../btf/index.js';
import { isNotSupportedError } from '../errors.js';
import type { KernelContext } from '../syscall/context.js';

/** BTF kinds a probe target can have. */
export type ProbeTargetKind = 'func' | 'typedef';

/** The running kernel's BTF (shared with the loader through the context cache), or undefined without it. */
function vmlinuxSpec(ctx: KernelContext): Spec | undefined {
  try {
    return loadKernelSpec({ ctx });
  } catch (e) {
    if (isNotSupportedError(e)) return undefined;
    throw e;
  }
}

/** True when the kernel exposes BTF (needed by every trampoline-based program). */
export function haveKernelBtf(ctx: KernelContext): boolean {
  return vmlinuxSpec(ctx) !== undefined;
}

/** The id of the first of `names` that exists in vmlinux BTF with the given kind, with its name. */
export function findKernelBtfId(
  ctx: KernelContext,
  kind: ProbeTargetKind,
  names: readonly string[],
): { id: number; name: string } | undefined {
  const spec = vmlinuxSpec(ctx);
  if (!spec) return undefined;
  const want = kind === 'func' ? Kind.Func : Kind.Typedef;
  for (const name of names) {
    const id = spec.idsByName(name).find((i) => spec.kindOfID(i) === want);
    if (id !== undefined) return { id, name };
  }
  return undefined;
}
