/**
 * The kernel context: the syscall backend plus the caches that depend on the running kernel (kernel BTF,
 * feature-probe results, possible CPUs). A default instance is created lazily; tests can swap the backend
 * or reset the caches. This is the only process-wide state in ebpf-ts.
 */
import type { SyscallBackend } from './backend.js';
import { FdTracker } from './fd-tracker.js';
import { createKoffiBackend } from './koffi-backend.js';

/** Backend plus per-kernel caches. */
export class KernelContext {
  #backend: SyscallBackend | undefined;
  readonly #backendFactory: () => SyscallBackend;
  /** Cached results keyed by a stable string (`possibleCpus`, `probe:map:ringbuf`, `kernelBtf`...). */
  readonly cache = new Map<string, unknown>();
  /** Open-descriptor tracking for leak tests (off unless enabled). */
  readonly fds = new FdTracker();

  constructor(backend?: SyscallBackend | (() => SyscallBackend)) {
    if (typeof backend === 'function') this.#backendFactory = backend;
    else {
      this.#backend = backend;
      this.#backendFactory = createKoffiBackend;
    }
  }

  /** The backend, created on first use. */
  get backend(): SyscallBackend {
    if (this.#backend === undefined) this.#backend = this.#backendFactory();
    return this.#backend;
  }

  /** A cached value, computed by `compute` on first request. */
  cached<T>(key: string, compute: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const v = compute();
    this.cache.set(key, v);
    return v;
  }

  /** Drops every cached result (kernel BTF, probes, CPU counts). */
  resetCaches(): void {
    this.cache.clear();
  }
}

let defaultCtx: KernelContext | undefined;

/** The process-wide default context (koffi backend), created on first use. */
export function defaultContext(): KernelContext {
  if (defaultCtx === undefined) defaultCtx = new KernelContext();
  return defaultCtx;
}

/** Replaces the default context (tests use it to install a fake backend); returns the previous one. */
export function setDefaultContext(ctx: KernelContext | undefined): KernelContext | undefined {
  const prev = defaultCtx;
  defaultCtx = ctx;
  return prev;
}
