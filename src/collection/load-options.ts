/** Options of `newCollection` and `CollectionSpec.loadAndAssign`. */
import type { Spec } from '../btf/index.js';
import type { BpfMap } from '../maps/index.js';
import type { LogOptions } from '../prog/index.js';
import type { KernelContext } from '../syscall/context.js';

/** Options of `newCollection` and `loadAndAssign`. */
export interface CollectionOptions {
  /** Kernel context (backend and caches); the default context when omitted. */
  ctx?: KernelContext;
  maps?: {
    /** Directory on a bpffs where maps with `pinning: LIBBPF_PIN_BY_NAME` are pinned as `<pinPath>/<name>`. */
    pinPath?: string;
  };
  /**
   * Existing maps to use instead of creating the named ones (checked for compatibility). The collection
   * works on duplicates of their descriptors; the caller keeps ownership of the maps passed.
   */
  mapReplacements?: Readonly<Record<string, BpfMap<unknown, unknown>>>;
  /** Verifier log options of every program load. */
  programs?: LogOptions;
  /** BTF to use instead of the running kernel's (CO-RE, ksym/kfunc ids, attach targets). */
  kernelTypes?: Spec;
}
