/**
 * `Link`: one attachment of a program to a hook. Whatever the kernel mechanism behind it — a bpf_link
 * descriptor, a perf event with the program set by `PERF_EVENT_IOC_SET_BPF`, or a legacy `BPF_PROG_ATTACH`
 * — closing the link detaches the program (unless the link is pinned). A link holds its own duplicate of
 * the program descriptor, so the program stays loaded while the link exists.
 */
import { unlinkSync } from 'node:fs';
import { EbpfError, NotSupportedError, SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { fdById, linkDetach, linkUpdate, objGet, objPin } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { LinkType } from '../syscall/uapi-enums.js';
import { type LinkInfo, linkTypeName, readLinkInfo } from './link-info.js';
import { type LinkProgram, programRawFd } from './program-ref.js';

const { EINVAL, EOPNOTSUPP } = Errno;

/** Link types whose kernel implementation has no program update. */
const NO_UPDATE: ReadonlySet<number> = new Set([
  LinkType.RAW_TRACEPOINT,
  LinkType.TRACING,
  LinkType.PERF_EVENT,
  LinkType.KPROBE_MULTI,
  LinkType.UPROBE_MULTI,
  LinkType.NETFILTER,
]);
/** Link types whose kernel implementation cannot be detached early. */
const NO_DETACH: ReadonlySet<number> = new Set([
  LinkType.RAW_TRACEPOINT,
  LinkType.TRACING,
  LinkType.PERF_EVENT,
  LinkType.KPROBE_MULTI,
  LinkType.UPROBE_MULTI,
  LinkType.ITER,
]);

/**
 * How a link is implemented: `bpf-link` (a bpf_link fd, possibly over a perf event), `perf-event` (a perf
 * event fd with the program attached by ioctl, pre-5.15 kernels), `prog-attach` (legacy BPF_PROG_ATTACH).
 */
export type LinkKind = 'bpf-link' | 'perf-event' | 'prog-attach';

/** What a link owns; the factories in this directory fill it in. */
export interface LinkInit {
  ctx: KernelContext;
  kind: LinkKind;
  /** The bpf_link fd (`bpf-link`) or the perf event fd (`perf-event`); absent for `prog-attach`. */
  fd?: FD | undefined;
  /** The program, duplicated into the link (absent for links opened from a pin or an id). */
  program?: LinkProgram | undefined;
  /** Detaches the program for kinds without a bpf_link (PROG_DETACH, PERF_EVENT_IOC_DISABLE). */
  detach?: (() => void) | undefined;
  /** Releases run after the fd is closed, in order (perf event fd, tracefs probe removal, target fds). */
  release?: Array<() => void> | undefined;
  /** Describes the attachment in messages (`tracepoint syscalls/sys_enter_openat`). */
  label: string;
  /** Path the link is pinned at, when it was loaded from a pin. */
  pinnedPath?: string | undefined;
}

/** Options of `Link.loadPinned`. */
export interface LoadPinnedLinkOptions {
  /** `ObjGetFlags` (read-only / write-only). */
  fileFlags?: number;
  ctx?: KernelContext;
}

/** Options of `Link.update`. */
export interface LinkUpdateOptions {
  /** Only replace the program if it is still this one (`BPF_F_REPLACE`). */
  expected?: LinkProgram;
}

/** An attached program. Close it (or `using` it) to detach. */
export class Link implements Disposable {
  readonly kind: LinkKind;
  /** What the link attaches, for messages. */
  readonly label: string;
  readonly #ctx: KernelContext;
  readonly #fd: FD | undefined;
  #program: FD | undefined;
  readonly #detach: (() => void) | undefined;
  readonly #release: Array<() => void>;
  #pinnedPath: string | undefined;
  #closed = false;

  /** Use the attach functions (`tracepoint`, `attachXDP`, ...) or `Link.loadPinned` instead. */
  constructor(init: LinkInit) {
    this.kind = init.kind;
    this.label = init.label;
    this.#ctx = init.ctx;
    this.#fd = init.fd;
    this.#detach = init.detach;
    this.#release = init.release ?? [];
    this.#pinnedPath = init.pinnedPath;
    if (init.program) {
      try {
        programRawFd(init.program);
        this.#program = init.program.fd.dup('link program');
      } catch (e) {
        this.#closeResources();
        throw e;
      }
    }
  }

  /** Opens the link pinned at `path` (on a bpffs mount). */
  static loadPinned(path: string, opts: LoadPinnedLinkOptions = {}): Link {
    const ctx = opts.ctx ?? defaultContext();
    const fd = objGet(ctx, path, opts.fileFlags ?? 0, 'link');
    const link = new Link({ ctx, kind: 'bpf-link', fd, label: `pinned link ${path}`, pinnedPath: path });
    try {
      link.info();
    } catch (e) {
      link.close();
      throw new EbpfError(`load pinned link ${path}: not a link`, 'EINVAL', { cause: e });
    }
    return link;
  }

  /** Opens an existing link by its id. */
  static fromId(id: number, ctx: KernelContext = defaultContext()): Link {
    return new Link({ ctx, kind: 'bpf-link', fd: fdById(ctx, 'link', id), label: `link ${id}` });
  }

  /** The descriptor behind the link: the bpf_link fd, or the perf event fd for ioctl-attached links. */
  get fd(): FD {
    if (this.#closed) throw new EbpfError(`${this.label}: closed`, 'ECLOSED');
    if (!this.#fd) throw new NotSupportedError(`descriptor of a ${this.kind} link`, undefined, this.label);
    return this.#fd;
  }

  /** True until `close()`. */
  get isOpen(): boolean {
    return !this.#closed;
  }

  /** The path set by `pin()` or `loadPinned()`, if any. */
  get pinnedPath(): string | undefined {
    return this.#pinnedPath;
  }

  #bpfLinkFd(what: string): FD {
    if (this.#closed) throw new EbpfError(`${this.label}: ${what}: closed`, 'ECLOSED');
    if (this.kind !== 'bpf-link' || !this.#fd)
      throw new NotSupportedError(
        `${what} of a ${this.kind} link`,
        this.kind === 'perf-event' ? '5.15' : undefined,
        `${this.label} is not backed by a bpf_link`,
      );
    return this.#fd;
  }

  /**
   * Pins the link at `path` on a bpffs mount: the attachment then outlives this object and the process,
   * until `unpin()` (or removing the file). Only bpf_link-backed links can be pinned.
   */
  pin(path: string): void {
    objPin(this.#ctx, this.#bpfLinkFd('pin'), path);
    this.#pinnedPath = path;
  }

  /** Removes the pin made by `pin()` or found by `loadPinned()`. No-op when not pinned. */
  unpin(): void {
    const path = this.#pinnedPath;
    if (path === undefined) return;
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new EbpfError(`${this.label}: unpin ${path}: ${(e as Error).message}`, 'EIO', { cause: e });
    }
    this.#pinnedPath = undefined;
  }

  /** Atomically replaces the attached program (`BPF_LINK_UPDATE`). bpf_link-backed links only. */
  update(program: LinkProgram, opts: LinkUpdateOptions = {}): void {
    const fd = this.#bpfLinkFd('update');
    const expected = opts.expected === undefined ? undefined : programRawFd(opts.expected);
    try {
      linkUpdate(this.#ctx, fd, programRawFd(program), expected);
    } catch (e) {
      throw this.#unsupported(e, 'update', [EINVAL, EOPNOTSUPP]);
    }
    const old = this.#program;
    this.#program = program.fd.dup('link program');
    old?.close();
  }

  /**
   * Detaches the program now (`BPF_LINK_DETACH`) while keeping the descriptor open, also for pinned links;
   * `info()` still works afterwards. bpf_link-backed links only.
   */
  detach(): void {
    try {
      linkDetach(this.#ctx, this.#bpfLinkFd('detach'));
    } catch (e) {
      throw this.#unsupported(e, 'detach', [EOPNOTSUPP]);
    }
  }

  /**
   * `e` as a NotSupportedError when the kernel refused `what` with one of `errnos` because this type of link
   * cannot do it (perf_event, raw_tracepoint, tracing and multi-probe links have no update or detach);
   * otherwise `e` with the link's label.
   */
  #unsupported(e: unknown, what: string, errnos: number[]): unknown {
    if (!(e instanceof SyscallError) || !errnos.includes(e.errno))
      return e instanceof EbpfError ? e.withContext(this.label) : e;
    let type: number | undefined;
    try {
      type = this.info().type;
    } catch {
      type = undefined;
    }
    const unsupported = what === 'update' ? NO_UPDATE : NO_DETACH;
    if (type === undefined || !unsupported.has(type)) return e.withContext(this.label);
    return new NotSupportedError(`${what} of ${linkTypeName(type)} links`, undefined, this.label, {
      cause: e,
    });
  }

  /** The kernel's information about the link (synchronous). bpf_link-backed links only. */
  info(): LinkInfo {
    return readLinkInfo(this.#ctx, this.#bpfLinkFd('info'), `${this.label}: info`);
  }

  /**
   * Detaches the program (unless the link is pinned) and releases everything the link holds. Idempotent.
   * Every release step runs even when one fails; the first failure is thrown afterwards.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const failure = this.#closeResources();
    if (failure !== undefined) throw failure;
  }

  #closeResources(): unknown {
    let failure: unknown;
    const step = (f: () => void): void => {
      try {
        f();
      } catch (e) {
        failure ??= e;
      }
    };
    if (this.#detach) step(this.#detach);
    if (this.#fd) step(() => this.#fd?.close());
    for (const r of this.#release) step(r);
    step(() => this.#program?.close());
    this.#program = undefined;
    return failure;
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `Link(${this.label}, ${this.kind}${this.#closed ? ', closed' : ''})`;
  }
}
