/**
 * BTF ids of a few kernel symbols used as probe attach targets (a function for fentry/LSM probes, a
 * `btf_trace_*` typedef for tp_btf). Reads `/sys/kernel/btf/vmlinux` once per kernel context.
 */
import { readFileSync } from 'node:fs';
import { Kind, loadSpec, type Spec } from '../btf/index.js';
import type { KernelContext } from '../syscall/context.js';

/** Where the running kernel exposes its BTF. */
export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** BTF kinds a probe target can have. */
export type ProbeTargetKind = 'func' | 'typedef';

function vmlinuxSpec(ctx: KernelContext): Spec | undefined {
  return ctx.cached('features:vmlinux-btf', () => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(VMLINUX_BTF_PATH);
    } catch {
      return undefined;
    }
    return loadSpec(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      section: VMLINUX_BTF_PATH,
    });
  });
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
