/**
 * What one collection load learns about the running kernel, lazily and at most once: its BTF (or the
 * caller's `kernelTypes`) for CO-RE and for the BTF ids of ksyms, kfuncs and attach targets, the kernel
 * configuration, kallsyms addresses, and the BTF objects of modules that must be passed by fd (closed by
 * `close()` once the programs are loaded).
 */
import { Func, type Spec, type Type, type TypeClass, TypeNotFoundError, Var } from '../btf/index.js';
import type { BtfHandle } from '../btf/kernel.js';
import {
  findKernelFunction,
  findKernelType,
  type KernelAttachKind,
  type KernelTypeMatch,
  kernelAttachName,
  loadKernelSpec,
} from '../btf/kernel.js';
import { kernelVersionCode, runningKernelRelease } from '../prog/index.js';
import type { KernelContext } from '../syscall/context.js';
import { readKallsyms } from './kallsyms.js';
import type { KconfigSources } from './kconfig-values.js';
import { kernelConfig } from './kernel-config.js';
import { hasBpfCookie } from './kernel-probes.js';

/** A kernel type found for an extern or attach target: its id, and the module holding it (if any). */
export interface KernelTypeRef<T extends Type = Type> {
  readonly id: number;
  readonly type: T;
  /** Module name, when the type lives in a module's BTF. */
  readonly module: string | undefined;
}

/** The arch prefix of syscall wrappers (`__x64_sys_bpf`), by Node's `process.arch`. */
const SYSCALL_PREFIX: Readonly<Record<string, string>> = {
  x64: '__x64_',
  ia32: '__ia32_',
  arm64: '__arm64_',
  s390x: '__s390x_',
  riscv64: '__riscv_',
  loong64: '__loongarch_',
  ppc64: 'sys_',
};

function firstOwn<T extends Type>(spec: Spec, name: string, kind: TypeClass<T>): [number, T] | undefined {
  for (const id of spec.idsByName(name)) {
    const t = spec.typeByID(id);
    if (t instanceof kind) return [id, t as T];
  }
  return undefined;
}

/** Lazy access to the running kernel for one load. */
export class KernelResolver {
  readonly ctx: KernelContext;
  readonly #kernelTypes: Spec | undefined;
  readonly #modules = new Map<string, KernelTypeMatch['module']>();
  readonly #handles = new Map<string, BtfHandle>();
  #kallsyms = new Map<string, bigint>();
  readonly #kallsymsAsked = new Set<string>();

  /** `kernelTypes` replaces the running kernel's BTF (CO-RE, ksym/kfunc ids, attach targets; no modules). */
  constructor(ctx: KernelContext, kernelTypes: Spec | undefined) {
    this.ctx = ctx;
    this.#kernelTypes = kernelTypes;
  }

  /** The BTF CO-RE relocations resolve against. */
  coreTargets(): Spec[] {
    return [this.#kernelTypes ?? loadKernelSpec({ ctx: this.ctx })];
  }

  #remember<T extends Type>(m: KernelTypeMatch<T>): KernelTypeRef<T> {
    if (m.module !== undefined) this.#modules.set(m.module.name, m.module);
    return { id: m.id, type: m.type, module: m.module?.name };
  }

  /** The kernel type `name` of class `kind`, or undefined when the kernel has none. */
  findType<T extends Type>(name: string, kind: TypeClass<T>): KernelTypeRef<T> | undefined {
    if (this.#kernelTypes !== undefined) {
      const hit = firstOwn(this.#kernelTypes, name, kind);
      return hit && { id: hit[0], type: hit[1], module: undefined };
    }
    try {
      return this.#remember(findKernelType(name, kind, { ctx: this.ctx }));
    } catch (e) {
      if (e instanceof TypeNotFoundError) return undefined;
      throw e;
    }
  }

  /** A kernel variable (typed ksym). */
  findVariable(name: string): KernelTypeRef<Var> | undefined {
    return this.findType(name, Var);
  }

  /** A kernel function (kfunc). */
  findFunction(name: string): KernelTypeRef<Func> | undefined {
    return this.findType(name, Func);
  }

  /** The BTF of a tracing program's attach target (`fentry/x`, `tp_btf/x`, `lsm/x`, `iter/x`). */
  findAttachTarget(target: string, kind: KernelAttachKind): KernelTypeRef {
    if (this.#kernelTypes !== undefined) {
      const want = kernelAttachName(target, kind);
      const hit = firstOwn<Type>(this.#kernelTypes, want.name, want.type);
      if (hit === undefined)
        throw new TypeNotFoundError(`${want.type.name} ${JSON.stringify(want.name)}`, 'not in kernelTypes');
      return { id: hit[0], type: hit[1], module: undefined };
    }
    return this.#remember(findKernelFunction(target, { ctx: this.ctx, attach: kind }));
  }

  /** An open handle on module `name`'s BTF object (opened once per load). */
  moduleHandle(name: string): BtfHandle {
    let h = this.#handles.get(name);
    if (h === undefined) {
      const m = this.#modules.get(name);
      if (m === undefined)
        throw new TypeNotFoundError(`module ${JSON.stringify(name)}`, 'no type was found in it');
      h = m.open();
      this.#handles.set(name, h);
    }
    return h;
  }

  /** Addresses of `names` in /proc/kallsyms (the file is read again only for names not asked before). */
  kallsyms(names: ReadonlySet<string>): ReadonlyMap<string, bigint> {
    if ([...names].some((n) => !this.#kallsymsAsked.has(n))) {
      for (const n of names) this.#kallsymsAsked.add(n);
      this.#kallsyms = readKallsyms(this.#kallsymsAsked);
    }
    return this.#kallsyms;
  }

  /** Values for `__kconfig` externs. */
  kconfigSources(): KconfigSources {
    const ctx = this.ctx;
    return {
      config: () => kernelConfig(ctx).values,
      kernelVersion: () => {
        const release = runningKernelRelease(ctx);
        return release === undefined ? 0 : kernelVersionCode(release);
      },
      hasSyscallWrapper: () => {
        const prefix = SYSCALL_PREFIX[process.arch];
        if (prefix === undefined) return false;
        const name = `${prefix}sys_bpf`;
        return readKallsyms(new Set([name])).has(name);
      },
      hasBpfCookie: () => hasBpfCookie(ctx),
    };
  }

  /** Closes the module BTF handles opened for this load. */
  close(): void {
    for (const h of this.#handles.values()) h.close();
    this.#handles.clear();
  }
}
