/**
 * `BtfHandle`: a BTF object in the kernel, owned through its fd. `BtfHandle.load(spec)` marshals a spec
 * (an object's BTF) in host byte order, rewrites the kinds the running kernel lacks (probed once per
 * context), and loads it with BPF_BTF_LOAD; when the kernel rejects it, the load is repeated with the
 * BTF verifier log on and the error carries that log. Handles can also be opened by id, and for the
 * kernel's own BTF (vmlinux, modules: `info().kernelBtf`). Every method is a short synchronous syscall.
 */
import { EbpfError, VerifierError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { Errno } from '../internal/errno.js';
import { btfLoadRaw, fdById } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { FD } from '../syscall/fd.js';
import { syscallError } from '../syscall/result.js';
import { BtfError } from './errors.js';
import {
  type BtfObjectInfo,
  type BtfObjectOptions,
  openKernelBtfObject,
  readBtfBytes,
  readBtfInfo,
} from './kernel-objects.js';
import { kernelSanitizeOptions } from './kernel-sanitize.js';
import { type MarshalOptions, marshalSpec, type SanitizeOptions } from './marshal.js';
import { loadSpec, type Spec } from './spec.js';

/** Options of `BtfHandle.load` / `BtfHandle.loadBytes`. */
export interface BtfLoadOptions {
  /** Kernel context (the default context when omitted). */
  ctx?: KernelContext;
  /**
   * Kinds to rewrite before loading. Default: whatever the running kernel lacks (probed and cached);
   * `{}` loads the types as they are.
   */
  sanitize?: SanitizeOptions;
  /** Size of the first log buffer used after a rejection (default 64 KiB; grown up to 16 MiB). */
  logSize?: number;
}

/** First log buffer tried after a rejected load. */
const DEFAULT_LOG_SIZE = 64 * 1024;
/** Largest log buffer (libbpf's BPF_LOG_BUF_SIZE is 16 MiB). */
const MAX_LOG_SIZE = 16 * 1024 * 1024;

/** BPF_BTF_LOAD of `bytes`: the new fd, or the error (a `VerifierError` carrying the log if rejected). */
function loadRaw(ctx: KernelContext, bytes: Uint8Array, logSize: number, what: string): FD {
  const first = btfLoadRaw(ctx, { btf: bytes });
  if (first.fd >= 0) return new FD(first.fd, ctx, what);
  const op = `${what}: load BTF`;
  let errno = -first.fd;
  // Only a rejection by the BTF verifier produces a log worth fetching.
  if (errno !== Errno.EINVAL && errno !== Errno.E2BIG) throw syscallError(op, errno);
  let size = Math.max(1024, Math.min(logSize, MAX_LOG_SIZE));
  for (;;) {
    const retry = btfLoadRaw(ctx, { btf: bytes, logLevel: 1, logSize: size });
    if (retry.fd >= 0) return new FD(retry.fd, ctx, what); // accepted on retry (a transient failure)
    errno = -retry.fd;
    if (errno === Errno.ENOSPC && size < MAX_LOG_SIZE) {
      size = Math.min(size * 4, MAX_LOG_SIZE);
      continue;
    }
    const truncated = errno === Errno.ENOSPC;
    if (truncated) errno = -first.fd;
    if (retry.log.trim() === '' && !truncated) throw syscallError(op, errno);
    throw new VerifierError(op, errno, retry.log, truncated);
  }
}

/** A BTF object in the kernel. Close it (or `using` it) when done. */
export class BtfHandle {
  /** The descriptor (pass `fd.raw` as `btf_fd`, `attach_btf_obj_fd` or in `fd_array`). */
  readonly fd: FD;
  readonly #ctx: KernelContext;
  #info: BtfObjectInfo | undefined;

  private constructor(fd: FD, ctx: KernelContext, info?: BtfObjectInfo) {
    this.fd = fd;
    this.#ctx = ctx;
    this.#info = info;
  }

  /**
   * Loads `spec`'s types into the kernel (marshalled in host byte order, sanitized for the running
   * kernel unless `opts.sanitize` says otherwise). The spec must be standalone (not split BTF). Throws
   * `VerifierError` (with the kernel's BTF log in `.log`) when the kernel rejects the BTF,
   * `NotSupportedError` when it cannot load BTF at all, `SyscallError` for other failures.
   */
  static load(spec: Spec, opts: BtfLoadOptions = {}): BtfHandle {
    if (spec.base !== undefined) {
      throw new BtfError('BtfHandle.load: split BTF cannot be loaded on its own; load a standalone spec');
    }
    const ctx = opts.ctx ?? defaultContext();
    const marshal: MarshalOptions = {
      byteOrder: hostByteOrder,
      sanitize: opts.sanitize ?? kernelSanitizeOptions(ctx),
    };
    return BtfHandle.loadBytes(marshalSpec(spec, marshal), { ...opts, ctx });
  }

  /** Loads a wire-format BTF blob as is (host byte order). Errors as for `load`. */
  static loadBytes(bytes: Uint8Array, opts: Omit<BtfLoadOptions, 'sanitize'> = {}): BtfHandle {
    const ctx = opts.ctx ?? defaultContext();
    return new BtfHandle(loadRaw(ctx, bytes, opts.logSize ?? DEFAULT_LOG_SIZE, 'btf'), ctx);
  }

  /** Opens the BTF object with kernel id `id` (SyscallError ENOENT when there is none). */
  static fromId(id: number, opts: BtfObjectOptions = {}): BtfHandle {
    const ctx = opts.ctx ?? defaultContext();
    return new BtfHandle(fdById(ctx, 'btf', id), ctx);
  }

  /**
   * Opens the kernel's own BTF object: vmlinux, or the module `module`. Throws `EbpfError` with code
   * `ENOENT` when the module is not loaded or has no BTF (or, before 5.11, when objects have no names).
   */
  static kernel(opts: BtfObjectOptions & { module?: string } = {}): BtfHandle {
    const ctx = opts.ctx ?? defaultContext();
    const name = opts.module ?? 'vmlinux';
    const obj = openKernelBtfObject(name, { ctx });
    if (obj === undefined) {
      throw new EbpfError(`kernel BTF object "${name}": not found among the kernel's BTF objects`, 'ENOENT');
    }
    return new BtfHandle(obj.fd, ctx, obj.info);
  }

  /** What the kernel reports about this object (read once, then cached: BTF objects are immutable). */
  info(): BtfObjectInfo {
    this.#info ??= readBtfInfo(this.#ctx, this.fd);
    return this.#info;
  }

  /** The kernel-wide id of this BTF object. */
  get id(): number {
    return this.info().id;
  }

  /** True for vmlinux's BTF object (`kernel_btf` and named `vmlinux`). */
  get isVmlinux(): boolean {
    const i = this.info();
    return i.kernelBtf && i.name === 'vmlinux';
  }

  /** True for a kernel module's BTF object. */
  get isModule(): boolean {
    const i = this.info();
    return i.kernelBtf && i.name !== 'vmlinux';
  }

  /**
   * The types of this object, read back from the kernel. Module BTF is split: pass the kernel's spec as
   * `base` (`loadKernelSpec()`).
   */
  spec(base?: Spec): Spec {
    const bytes = readBtfBytes(this.#ctx, this.fd);
    const section = `btf object ${this.id}`;
    return loadSpec(bytes, base === undefined ? { section } : { base, section });
  }

  /** Closes the descriptor (idempotent). */
  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
