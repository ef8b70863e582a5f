/**
 * `RingBufReader`: reads the records BPF programs submit to a `BPF_MAP_TYPE_RINGBUF` map (kernel 5.8),
 * straight from the shared memory — no syscall per record. Waiting for data uses epoll on a worker thread
 * (`Poller`), so the event loop never blocks; `close()` and an `AbortSignal` end a pending wait.
 *
 * SAFETY of zero-copy reads (`copy: false`): the sample is a view of the mapped ring. It is valid until the
 * next read on this reader (the kernel may then overwrite it) and must never be touched after `close()`,
 * which unmaps the memory: JavaScript cannot detach such buffers, so that access would crash the process.
 * The default (copying) mode has no such rule.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ClosedError, EbpfError, isClosedError } from '../errors.js';
import type { BpfMap } from '../maps/bpf-map.js';
import { pageSize } from '../maps/system-info.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { Poller } from '../syscall/poller.js';
import { MapType } from '../syscall/uapi-enums.js';
import { RingConsumer } from './ring-consumer.js';
import { mapRing, type RingMapping } from './ring-mapping.js';

/** One record read from a ring buffer. */
export interface RingBufRecord {
  /** The bytes the program submitted (exactly its length; no padding). */
  sample: Uint8Array;
  /** Bytes still unread in the ring after this record (as of the last look at the producer position). */
  remaining: number;
}

/** What a reader needs from a map (every `BpfMap` of type RINGBUF has it). */
export type RingBufMap = Pick<
  BpfMap<unknown, unknown>,
  'fd' | 'type' | 'name' | 'maxEntries' | 'closed' | 'ctx'
>;

/** Options of `new RingBufReader()`. */
export interface RingBufReaderOptions {
  /** Aborting ends pending and future reads with the signal's reason. */
  signal?: AbortSignal;
  /** Copy samples out of the ring (default true). With false, samples are views: see the safety note. */
  copy?: boolean;
  /** Kernel context (backend and caches); the map's own context when omitted. */
  ctx?: KernelContext;
}

/** Options of one `read()`/`tryRead()`. */
export interface RingBufReadOptions {
  /** Overrides the reader's `copy` setting for this read. */
  copy?: boolean;
  /** Aborts this read only (in addition to the reader's signal). */
  signal?: AbortSignal;
}

const LABEL = 'ringbuf reader';
/** Pause before looking again when the next record is reserved but not yet submitted. */
const BUSY_RETRY_MS = 1;

/** Combines the reader's and the call's signals. */
function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return AbortSignal.any([a, b]);
}

/** Reads records from a ring buffer map. One reader per map: readers of the same map steal records. */
export class RingBufReader implements AsyncIterable<RingBufRecord>, Disposable, AsyncDisposable {
  /** Data area size in bytes (the map's max_entries). */
  readonly size: number;
  readonly #fd: FD;
  readonly #mapping: RingMapping;
  readonly #data: Uint8Array;
  readonly #consumer: RingConsumer;
  readonly #poller: Poller;
  readonly #signal: AbortSignal | undefined;
  readonly #copy: boolean;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  /**
   * Maps the ring of `map` (which must be a RINGBUF map) and watches it for data. The reader holds its own
   * duplicate of the map's descriptor, so closing the map does not disturb it, and it never touches the
   * map object again. Synchronous.
   */
  constructor(map: RingBufMap, opts: RingBufReaderOptions = {}) {
    if (map.closed) throw new ClosedError(`${LABEL}: map "${map.name}"`);
    if (map.type !== MapType.RINGBUF)
      throw new EbpfError(
        `${LABEL}: map "${map.name}" has type ${map.type}, not RINGBUF (${MapType.RINGBUF})`,
        'EINVAL',
      );
    const ctx = opts.ctx ?? map.ctx;
    const page = pageSize(ctx);
    const size = map.maxEntries;
    if (size < page || (size & (size - 1)) !== 0)
      throw new EbpfError(
        `${LABEL}: ring size ${size} is not a power-of-two multiple of the page size`,
        'EINVAL',
      );
    this.size = size;
    this.#signal = opts.signal;
    this.#copy = opts.copy ?? true;
    this.#fd = map.fd.dup(`${LABEL} "${map.name}"`);
    let mapping: RingMapping | undefined;
    try {
      mapping = mapRing(ctx.backend, this.#fd.raw, size, page);
      this.#consumer = new RingConsumer(mapping.memory);
      this.#poller = new Poller(ctx, 1);
      try {
        this.#poller.add(this.#fd.raw, 0);
      } catch (e) {
        this.#poller.close();
        throw e;
      }
    } catch (e) {
      mapping?.unmap();
      this.#fd.close();
      throw e;
    }
    this.#mapping = mapping;
    this.#data = mapping.memory.data;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Bytes written by producers and not yet read (including records still being written or discarded).
   * Does not release a zero-copy sample.
   */
  available(): number {
    this.#checkOpen();
    return this.#consumer.refresh();
  }

  /** The next record if one is ready, else undefined. Never waits. */
  tryRead(opts: RingBufReadOptions = {}): RingBufRecord | undefined {
    this.#checkOpen();
    return this.#next(opts.copy ?? this.#copy);
  }

  /**
   * The next record, waiting (without blocking the event loop) until one is submitted. Rejects with
   * `ClosedError` when the reader is closed, with the signal's reason when aborted. Concurrent calls are
   * served in order.
   */
  read(opts: RingBufReadOptions = {}): Promise<RingBufRecord> {
    const result = this.#queue.then(() => this.#read(opts));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #read(opts: RingBufReadOptions): Promise<RingBufRecord> {
    const signal = eitherSignal(this.#signal, opts.signal);
    const copy = opts.copy ?? this.#copy;
    for (;;) {
      this.#checkOpen();
      signal?.throwIfAborted();
      const record = this.#next(copy);
      if (record) return record;
      try {
        if (this.#consumer.stop === 'busy') await delay(BUSY_RETRY_MS, undefined, signal ? { signal } : {});
        else await this.#poller.wait(-1, signal);
      } catch (e) {
        if (this.#closed) throw new ClosedError(LABEL, { cause: e });
        if (signal?.aborted) throw signal.reason;
        throw e;
      }
    }
  }

  /**
   * Hands every record available now to `callback`, up to `max`, synchronously; returns how many. The
   * fastest way to consume a busy ring. In zero-copy mode each sample is valid only during its callback.
   * If the callback throws, its record counts as consumed and the error propagates.
   */
  drain(callback: (record: RingBufRecord) => void, max = Number.POSITIVE_INFINITY): number {
    this.#checkOpen();
    const consumer = this.#consumer;
    const copy = this.#copy;
    consumer.release();
    let count = 0;
    while (count < max) {
      const slice = consumer.next();
      if (slice === undefined) break;
      const view = this.#data.subarray(slice.offset, slice.offset + slice.length);
      count++;
      try {
        callback({ sample: copy ? view.slice() : view, remaining: slice.remaining });
      } finally {
        // The callback may have closed the reader: the memory is gone then.
        if (!this.#closed) consumer.release();
      }
      if (this.#closed) break;
    }
    if (!this.#closed) consumer.release();
    return count;
  }

  #next(copy: boolean): RingBufRecord | undefined {
    const consumer = this.#consumer;
    consumer.release(); // the previous zero-copy record (and skipped discarded ones)
    const slice = consumer.next();
    if (slice === undefined) {
      consumer.release();
      return undefined;
    }
    const view = this.#data.subarray(slice.offset, slice.offset + slice.length);
    if (!copy) return { sample: view, remaining: slice.remaining };
    const sample = view.slice();
    consumer.release();
    return { sample, remaining: slice.remaining };
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError(LABEL);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RingBufRecord> {
    for (;;) {
      let record: RingBufRecord;
      try {
        record = await this.read();
      } catch (e) {
        if (this.#closed && isClosedError(e)) return;
        throw e;
      }
      yield record;
    }
  }

  /**
   * Stops reading: a pending `read()` rejects with `ClosedError`, `for await` loops end, the ring is
   * unmapped and the descriptor closed. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#poller.close();
    this.#mapping.unmap();
    this.#fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
