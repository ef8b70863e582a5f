/**
 * `Poller`: waits for readiness of kernel descriptors (ring buffers, perf buffers, trace_pipe) without
 * blocking the event loop. `epoll_wait` runs on a libuv worker thread; an eventfd in the same epoll set lets
 * `wake()`/`close()`/an `AbortSignal` end a pending wait at once.
 */
import { ClosedError, EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { allocAttr } from './backend.js';
import type { KernelContext } from './context.js';
import { FD } from './fd.js';
import { check } from './result.js';

/** `EPOLLIN`. */
export const EPOLLIN = 0x001;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const WAKE_TOKEN = 0xffffffff;
const LE = hostByteOrder === 'little';

/** Waits for EPOLLIN on a set of descriptors. One `wait()` may be pending at a time. */
export class Poller {
  readonly #ctx: KernelContext;
  readonly #epoll: FD;
  readonly #wakeFd: FD;
  readonly #events: Uint8Array;
  readonly #maxEvents: number;
  #pending: Promise<number[]> | undefined;
  #closed = false;
  readonly #one = allocAttr(8);
  readonly #drain = allocAttr(8);

  constructor(ctx: KernelContext, maxEvents = 64) {
    this.#ctx = ctx;
    const b = ctx.backend;
    this.#epoll = new FD(check('epoll_create1', b.epollCreate()), ctx, 'epoll');
    try {
      this.#wakeFd = new FD(check('eventfd', b.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), ctx, 'eventfd');
      check('epoll_ctl', b.epollCtl(this.#epoll.raw, EPOLL_CTL_ADD, this.#wakeFd.raw, EPOLLIN, WAKE_TOKEN));
    } catch (e) {
      this.#epoll.close();
      throw e;
    }
    this.#maxEvents = maxEvents;
    this.#events = allocAttr(maxEvents * b.epollEventSize);
    new DataView(this.#one.buffer).setBigUint64(0, 1n, LE);
  }

  /** Watches `fd` for EPOLLIN; `token` (0 .. 2^32-2) is reported by `wait()` when it is ready. */
  add(fd: number, token: number, events = EPOLLIN): void {
    if (token < 0 || token >= WAKE_TOKEN)
      throw new EbpfError(`poller: token out of range: ${token}`, 'EINVAL');
    check('epoll_ctl add', this.#ctx.backend.epollCtl(this.#epoll.raw, EPOLL_CTL_ADD, fd, events, token));
  }

  /** Stops watching `fd`. */
  remove(fd: number): void {
    check('epoll_ctl del', this.#ctx.backend.epollCtl(this.#epoll.raw, EPOLL_CTL_DEL, fd, 0, 0));
  }

  /**
   * Resolves with the tokens of ready descriptors (empty after a timeout or `wake()`). Rejects with
   * `ClosedError` once the poller is closed and with the signal's reason when `signal` aborts.
   */
  async wait(timeoutMs = -1, signal?: AbortSignal): Promise<number[]> {
    if (this.#closed) throw new ClosedError('poller');
    signal?.throwIfAborted();
    if (this.#pending) throw new EbpfError('poller: a wait is already pending', 'EBUSY');
    const onAbort = (): void => this.wake();
    signal?.addEventListener('abort', onAbort, { once: true });
    const b = this.#ctx.backend;
    this.#pending = b.epollWaitAsync(this.#epoll.raw, this.#events, this.#maxEvents, timeoutMs).then((n) => {
      if (n < 0 && n !== -4 /* EINTR */) check('epoll_wait', n);
      return this.#tokens(Math.max(0, n));
    });
    try {
      const tokens = await this.#pending;
      signal?.throwIfAborted();
      if (this.#closed) throw new ClosedError('poller');
      return tokens;
    } finally {
      this.#pending = undefined;
      signal?.removeEventListener('abort', onAbort);
      if (this.#closed) this.#release();
    }
  }

  #tokens(n: number): number[] {
    const size = this.#ctx.backend.epollEventSize;
    const dv = new DataView(this.#events.buffer);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const token = Number(dv.getBigUint64(i * size + (size === 12 ? 4 : 8), LE));
      if (token === WAKE_TOKEN) this.#ctx.backend.read(this.#wakeFd.raw, this.#drain);
      else out.push(token);
    }
    return out;
  }

  /** Ends a pending `wait()` early (it resolves with whatever is ready, possibly nothing). */
  wake(): void {
    if (this.#wakeFd.isOpen) this.#ctx.backend.write(this.#wakeFd.raw, this.#one);
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the poller; a pending `wait()` rejects with `ClosedError`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pending) this.wake();
    else this.#release();
  }

  #release(): void {
    this.#wakeFd.close();
    this.#epoll.close();
  }
}
