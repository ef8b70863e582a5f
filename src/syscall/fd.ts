/**
 * `FD`: ownership of one kernel file descriptor (map, program, link, BTF, perf event...). Closing is
 * idempotent; `Symbol.dispose` closes; a FinalizationRegistry closes descriptors whose owner was dropped
 * without `close()`. Descriptors 0-2 are never handed out: a new fd below 3 is duplicated above 2 first.
 */
import { ClosedError, EbpfError } from '../errors.js';
import type { KernelContext } from './context.js';
import { syscallError } from './result.js';

interface Held {
  fd: number;
  ctx: KernelContext;
}

const registry = new FinalizationRegistry<Held>((held) => {
  held.ctx.fds.closed(held.fd);
  held.ctx.backend.close(held.fd);
});

/** An owned file descriptor. */
export class FD {
  #fd: number;
  readonly #ctx: KernelContext;
  readonly #held: Held;
  /** What the descriptor is (`map "counts"`, `program`), for messages and leak reports. */
  readonly label: string;

  /**
   * Takes ownership of `raw`. If `raw` is 0, 1 or 2 it is duplicated above 2 (O_CLOEXEC) and the original
   * closed, so a stray close of stdio can never hit a BPF object and vice versa.
   */
  constructor(raw: number, ctx: KernelContext, label = 'fd') {
    if (!Number.isInteger(raw) || raw < 0) throw new EbpfError(`${label}: invalid fd ${raw}`, 'EBADF');
    let fd = raw;
    if (fd <= 2) {
      const dup = ctx.backend.dupCloexec(fd, 3);
      ctx.backend.close(fd);
      if (dup < 0) throw syscallError(`${label}: dup above stdio`, -dup);
      fd = dup;
    }
    this.#fd = fd;
    this.#ctx = ctx;
    this.label = label;
    this.#held = { fd, ctx };
    registry.register(this, this.#held, this);
    ctx.fds.opened(fd, label);
  }

  /** The raw descriptor number. Throws `ClosedError` after `close()`/`disown()`. */
  get raw(): number {
    if (this.#fd < 0) throw new ClosedError(this.label);
    return this.#fd;
  }

  /** True until `close()` or `disown()`. */
  get isOpen(): boolean {
    return this.#fd >= 0;
  }

  /** A new owned descriptor for the same object (`F_DUPFD_CLOEXEC` above 2). */
  dup(label = this.label): FD {
    const r = this.#ctx.backend.dupCloexec(this.raw, 3);
    if (r < 0) throw syscallError(`${this.label}: dup`, -r);
    return new FD(r, this.#ctx, label);
  }

  /** Gives up ownership: returns the raw number, which the caller must close. */
  disown(): number {
    const fd = this.raw;
    this.#fd = -1;
    registry.unregister(this);
    this.#ctx.fds.closed(fd);
    return fd;
  }

  /** Closes the descriptor. Safe to call more than once. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    registry.unregister(this);
    this.#ctx.fds.closed(fd);
    this.#ctx.backend.close(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `${this.label} (fd ${this.#fd})`;
  }
}
