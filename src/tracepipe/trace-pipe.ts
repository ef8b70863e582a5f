/**
 * `tracePipe()`: an async reader of the kernel's `trace_pipe` (where `bpf_printk` writes), one parsed line at a
 * time. Reads are non-blocking and readiness comes from epoll on a worker thread, so the event loop never
 * blocks; `close()` or an `AbortSignal` ends a pending read. Needs tracefs mounted (`/sys/kernel/tracing`)
 * and root. Note that trace_pipe is global and consuming: two readers split the lines between them.
 */
import { closeSync, constants, existsSync, openSync, readSync } from 'node:fs';
import { ClosedError, EbpfError } from '../errors.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { Poller } from '../syscall/poller.js';
import { parseTraceLine, type TraceLine } from './parse.js';

const CANDIDATES = ['/sys/kernel/tracing/trace_pipe', '/sys/kernel/debug/tracing/trace_pipe'];

/** Options of `tracePipe()`. */
export interface TracePipeOptions {
  /** Explicit path of trace_pipe (default: the tracefs mount). */
  path?: string;
  /** Aborting ends pending and future reads with the signal's reason. */
  signal?: AbortSignal;
  /** Also yield lines that do not parse (as `{ message: raw, ... }` with pid -1). Default false. */
  includeUnparsed?: boolean;
  ctx?: KernelContext;
}

/** Finds trace_pipe on a mounted tracefs, or throws an error saying how to mount it. */
export function findTracePipe(): string {
  for (const p of CANDIDATES) if (existsSync(p)) return p;
  throw new EbpfError(
    'trace_pipe: tracefs is not mounted (mount -t tracefs tracefs /sys/kernel/tracing)',
    'ENOENT',
  );
}

/** Reads parsed `bpf_printk` lines from trace_pipe. */
export class TracePipeReader implements AsyncIterable<TraceLine> {
  readonly path: string;
  readonly #fd: number;
  readonly #poller: Poller;
  readonly #signal: AbortSignal | undefined;
  readonly #includeUnparsed: boolean;
  readonly #buf = Buffer.alloc(64 * 1024);
  readonly #lines: string[] = [];
  #partial = '';
  #closed = false;

  constructor(opts: TracePipeOptions = {}) {
    const ctx = opts.ctx ?? defaultContext();
    this.path = opts.path ?? findTracePipe();
    this.#signal = opts.signal;
    this.#includeUnparsed = opts.includeUnparsed ?? false;
    try {
      this.#fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      throw new EbpfError(
        `trace_pipe: open ${this.path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
        (e as NodeJS.ErrnoException).code ?? 'EIO',
        { cause: e },
      );
    }
    try {
      this.#poller = new Poller(ctx, 4);
      this.#poller.add(this.#fd, 0);
    } catch (e) {
      closeSync(this.#fd);
      throw e;
    }
  }

  /** The next line; waits without blocking the event loop. Rejects with `ClosedError` after `close()`. */
  async read(): Promise<TraceLine> {
    for (;;) {
      if (this.#closed) throw new ClosedError('trace_pipe');
      this.#signal?.throwIfAborted();
      const line = this.#nextBuffered();
      if (line) return line;
      if (this.#fill()) continue;
      await this.#poller.wait(-1, this.#signal);
    }
  }

  #nextBuffered(): TraceLine | undefined {
    while (this.#lines.length > 0) {
      const raw = this.#lines.shift() as string;
      const parsed = parseTraceLine(raw);
      if (parsed) return parsed;
      if (this.#includeUnparsed && raw.length > 0) {
        return {
          task: '',
          pid: -1,
          tgid: undefined,
          cpu: -1,
          flags: undefined,
          timestamp: 0,
          event: undefined,
          message: raw,
          raw,
        };
      }
    }
    return undefined;
  }

  /** Reads what is available without blocking; true when it got data. */
  #fill(): boolean {
    let n: number;
    try {
      n = readSync(this.#fd, this.#buf, 0, this.#buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') return false;
      throw e;
    }
    if (n <= 0) return false;
    const text = this.#partial + this.#buf.toString('utf8', 0, n);
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    this.#lines.push(...parts);
    return true;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TraceLine> {
    for (;;) {
      try {
        yield await this.read();
      } catch (e) {
        if (this.#closed && e instanceof ClosedError) return;
        throw e;
      }
    }
  }

  /** Stops reading; a pending `read()` rejects with `ClosedError` and iteration ends. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#poller.close();
    closeSync(this.#fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}

/** Opens trace_pipe for reading parsed `bpf_printk` lines (`for await (const l of tracePipe()) ...`). */
export function tracePipe(opts: TracePipeOptions = {}): TracePipeReader {
  return new TracePipeReader(opts);
}
