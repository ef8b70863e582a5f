/**
 * Finding kernel types and attach targets the way libbpf's `find_kernel_btf_id` does: vmlinux first,
 * then the BTF of each loaded module (their own types only), read lazily — module BTF is only parsed
 * when vmlinux has no match. A match in a module says which module, and can open its BTF object (the
 * `attach_btf_obj_fd` of fentry/fexit on a module function, or the `fd_array` entry of a module kfunc).
 */
import { AttachType } from '../syscall/uapi-enums.js';
import { TypeNotFoundError } from './errors.js';
import { BtfHandle } from './kernel-handle.js';
import {
  type KernelModuleOptions,
  kernelBaseSpec,
  kernelModuleSpecs,
  loadKernelModuleSpec,
} from './kernel-spec.js';
import type { Spec } from './spec.js';
import { Func, type Type, type TypeClass, Typedef } from './types.js';

/** A kernel module whose BTF holds a match. */
export interface KernelModuleTarget {
  /** Module name (`nf_conntrack`). */
  readonly name: string;
  /**
   * The kernel id of the module's BTF object (walks BTF object ids on first use; cached per context).
   * Throws `EbpfError` ENOENT when the kernel has no such object.
   */
  objectId(): number;
  /** Opens the module's BTF object; the caller closes the handle after the load that needs its fd. */
  open(): BtfHandle;
}

/** Where a kernel type was found. */
export interface KernelTypeMatch<T extends Type = Type> {
  /** The spec holding it (vmlinux, or the module's split spec). */
  readonly spec: Spec;
  /** Its type id in that spec (the `attach_btf_id`). */
  readonly id: number;
  readonly type: T;
  /** Set when the type lives in a module rather than vmlinux. */
  readonly module: KernelModuleTarget | undefined;
}

/** Options of the kernel lookups. */
export interface FindKernelOptions extends KernelModuleOptions {
  /** Search only this module (its own types), or only `vmlinux`. Default: vmlinux, then every module. */
  module?: string;
}

/** How a BPF program names its kernel attach target. */
export type KernelAttachKind = 'function' | 'lsm' | 'tp_btf' | 'iter';

/** The attach kind for a program's `expected_attach_type` (fentry/fexit/fmod_ret/freplace: `function`). */
export function attachKindOf(attachType: number): KernelAttachKind {
  switch (attachType) {
    case AttachType.TRACE_RAW_TP:
      return 'tp_btf';
    case AttachType.LSM_MAC:
    case AttachType.LSM_CGROUP:
      return 'lsm';
    case AttachType.TRACE_ITER:
      return 'iter';
    default:
      return 'function';
  }
}

/**
 * The BTF name and kind an attach target has in the kernel: `btf_trace_<name>` typedef for tp_btf,
 * `bpf_lsm_<hook>` FUNC for LSM, `bpf_iter_<target>` FUNC for iterators, the FUNC itself otherwise.
 */
export function kernelAttachName(
  name: string,
  kind: KernelAttachKind,
): { name: string; type: typeof Func | typeof Typedef } {
  switch (kind) {
    case 'tp_btf':
      return { name: `btf_trace_${name}`, type: Typedef };
    case 'lsm':
      return { name: `bpf_lsm_${name}`, type: Func };
    case 'iter':
      return { name: `bpf_iter_${name}`, type: Func };
    case 'function':
      return { name, type: Func };
  }
}

function moduleTarget(name: string, opts: FindKernelOptions): KernelModuleTarget {
  const ctx = opts.ctx;
  const objectOpts = ctx === undefined ? {} : { ctx };
  return {
    name,
    objectId: () => BtfHandle.kernel({ ...objectOpts, module: name }).id,
    open: () => BtfHandle.kernel({ ...objectOpts, module: name }),
  };
}

/** The first own type of `spec` named `name` of class `kind`, with its id. */
function firstOwn<T extends Type>(spec: Spec, name: string, kind: TypeClass<T>): [number, T] | undefined {
  for (const id of spec.idsByName(name, kind)) {
    if (id < spec.firstID) continue;
    const t = spec.typeByID(id);
    if (t instanceof kind) return [id, t];
  }
  return undefined;
}

function searchModule<T extends Type>(
  module: string,
  spec: Spec,
  name: string,
  kind: TypeClass<T>,
  opts: FindKernelOptions,
): KernelTypeMatch<T> | undefined {
  const hit = firstOwn(spec, name, kind);
  return hit && { spec, id: hit[0], type: hit[1], module: moduleTarget(module, opts) };
}

/**
 * The kernel type named `name` of class `kind` (`Struct`, `Func`, `Typedef`...): the first (lowest id)
 * in vmlinux, else the first in a loaded module (modules in name order, each parsed only when reached).
 * Throws `TypeNotFoundError` when there is none, `NotSupportedError` without kernel BTF.
 */
export function findKernelType<T extends Type>(
  name: string,
  kind: TypeClass<T>,
  opts: FindKernelOptions = {},
): KernelTypeMatch<T> {
  const label = `${kind.name} ${JSON.stringify(name)}`;
  const only = opts.module;
  if (only !== undefined && only !== 'vmlinux') {
    const hit = searchModule(only, loadKernelModuleSpec(only, opts), name, kind, opts);
    if (hit === undefined) throw new TypeNotFoundError(label, `not in kernel module "${only}"`);
    return hit;
  }
  const vmlinux = kernelBaseSpec(opts);
  const hit = firstOwn(vmlinux, name, kind);
  if (hit !== undefined) return { spec: vmlinux, id: hit[0], type: hit[1], module: undefined };
  if (only === 'vmlinux') throw new TypeNotFoundError(label, 'not in vmlinux');
  for (const m of kernelModuleSpecs(opts)) {
    const found = searchModule(m.name, m.spec, name, kind, opts);
    if (found !== undefined) return found;
  }
  throw new TypeNotFoundError(label, 'not in vmlinux or any loaded module');
}

/**
 * The kernel BTF a tracing-style program attaches to (libbpf's `find_kernel_btf_id`): for `function`
 * (fentry, fexit, fmod_ret) the FUNC `name`; for `lsm` the FUNC `bpf_lsm_<name>`; for `tp_btf` the
 * typedef `btf_trace_<name>`; for `iter` the FUNC `bpf_iter_<name>`. `module:name` restricts the search
 * to one module (or `vmlinux:name` to vmlinux), as in libbpf section names (`fentry/nf_conntrack:f`).
 */
export function findKernelFunction(
  name: string,
  opts: FindKernelOptions & { attach?: KernelAttachKind } = {},
): KernelTypeMatch<Func | Typedef> {
  let target = name;
  let module = opts.module;
  const colon = name.indexOf(':');
  if (colon >= 0) {
    module = name.slice(0, colon);
    target = name.slice(colon + 1);
  }
  const want = kernelAttachName(target, opts.attach ?? 'function');
  const search: FindKernelOptions = { ...opts };
  if (module !== undefined) search.module = module;
  return findKernelType<Func | Typedef>(want.name, want.type, search);
}
