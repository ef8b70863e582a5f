/**
 * `RingBufReader`: reads the records BPF programs submit to a `BPF_MAP_TYPE_RINGBUF` map (kernel 5.8),
 * straight from the shared memory — no syscall per record. Waiting for data uses epoll on a worker thread
 * (`Poller`), so the event loop never blocks; `close()` and an `AbortSignal` end a pending wait.
 *
 * Ending and aborting. `close()` is the owner's "done": a pending `read()` rejects with `ClosedError` and
 * a `for await` loop ends quietly. An `AbortSignal` is cancellation and, as in Node's own APIs
 * (`events.on`, `timers/promises`, `fs.promises.watch`), it makes a pending `read()` reject and a
 * `for await` loop throw; the error is the signal's reason, as everywhere in ebpf-ts (for a plain
 * `controller.abort()` a DOMException named `AbortError`, so `err.name === 'AbortError'` checks work as
 * with Node's). To stop a loop without an exception, `break` out of it or call `close()`.
 *
 * Throughput: `drainInPlace` hands records over where they lie, without allocating (the peer of
 * libbpf's `ring_buffer__consume`); `drain` makes a record object per record; `read()` and `for await`
 * cost a promise per record.
 *
 * SAFETY of zero-copy reads (`copy: false`, `drainInPlace`): the sample is a view of the mapped ring. It
 * is valid until the next read on this reader (the kernel may then overwrite it) and must never be touched
 * after `close()`, which unmaps the memory: JavaScript cannot detach such buffers, so that access would
 * crash the process. The default (copying) mode has no such rule.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { ClosedError, EbpfError, isClosedError } from '../errors.js';
import type { BpfMap } from '../maps/bpf-map.js';
import { pageSize } from '../maps/system-info.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { Poller } from '../syscall/poller.js';
import { MapType } from '../syscall/uapi-enums.js';
import { RingConsumer, type RingRecordCallback } from './ring-consumer.js';
import { mapRing, type RingMapping } from './ring-mapping.js';
import { SampleCopier } from './sample-copier.js';

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
  /** Aborting rejects pending and future reads, and throws out of `for await`, with the signal's reason. */
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
  readonly #copier = new SampleCopier();
  #queue: Promise<unknown> = Promise.resolve();
  /** Reads queued behind `#queue` and not yet settled. */
  #waiting = 0;
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
    // Fast path: nothing queued and a record ready now — hand it over without waiting in line.
    if (this.#waiting === 0 && !this.#closed && opts.signal === undefined && this.#signal?.aborted !== true) {
      try {
        const record = this.#next(opts.copy ?? this.#copy);
        if (record !== undefined) return Promise.resolve(record);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    this.#waiting++;
    const result = this.#queue.then(() => this.#read(opts));
    this.#queue = result.then(
      () => {
        this.#waiting--;
      },
      () => {
        this.#waiting--;
      },
    );
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
   * Hands every record available now to `callback`, up to `max`, synchronously; returns how many. In
   * zero-copy mode each sample is valid only during its callback. Consumed space goes back to the kernel
   * in batches (see `drainInPlace`). If the callback throws, its record counts as consumed and the error
   * propagates.
   */
  drain(callback: (record: RingBufRecord) => void, max = Number.POSITIVE_INFINITY): number {
    this.#checkOpen();
    const copier = this.#copy ? this.#copier : undefined;
    return this.#consumer.drainInPlace((data, offset, length, _view, remaining) => {
      const sample = copier
        ? copier.copy(data, offset, length)
        : new Uint8Array(data.buffer, data.byteOffset + offset, length);
      callback({ sample, remaining });
    }, max);
  }

  /**
   * The fastest way to consume a busy ring: hands up to `max` records to `callback` where they lie in the
   * mapped ring — no copy, no allocation per record — and returns how many. The payload is
   * `data[offset, offset + length)`, contiguous even when it wraps (the data area is mapped twice); `view`
   * is a DataView over the same bytes for typed reads (`view.getUint32(offset, true)`). `data` and `view`
   * are the same objects on every call, valid until `close()`; the payload bytes only until the callback
   * returns (the kernel may then reuse them). Ignores the `copy` option. The consumer position is written
   * back in batches: when everything seen has been read, every quarter ring, and at the end.
   */
  drainInPlace(callback: RingRecordCallback, max = Number.POSITIVE_INFINITY): number {
    this.#checkOpen();
    return this.#consumer.drainInPlace(callback, max);
  }

  #next(copy: boolean): RingBufRecord | undefined {
    const consumer = this.#consumer;
    consumer.release(); // the previous zero-copy record (and skipped discarded ones)
    const slice = consumer.next();
    if (slice === undefined) {
      consumer.release();
      return undefined;
    }
    const data = this.#data;
    const { offset, length, remaining } = slice;
    if (!copy) return { sample: new Uint8Array(data.buffer, data.byteOffset + offset, length), remaining };
    const sample = this.#copier.copy(data, offset, length);
    consumer.release();
    return { sample, remaining };
  }

  #checkOpen(): void {
    if (this.#closed) throw new ClosedError(LABEL);
  }

  /**
   * `for await (const r of reader)`: yields records as `read()` returns them. The loop ends quietly when
   * the reader is closed (from the loop body or from elsewhere); an abort (reader-wide signal) makes it
   * throw the signal's reason, as `read()` does — see the class documentation. Leaving the loop early
   * (`break`) leaves the reader open.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<RingBufRecord> {
    const done: IteratorReturnResult<undefined> = { value: undefined, done: true };
    const iterator: AsyncIterableIterator<RingBufRecord> = {
      next: () =>
        this.read().then(
          (value): IteratorResult<RingBufRecord> => ({ value, done: false }),
          (e: unknown) => {
            if (this.#closed && isClosedError(e)) return done;
            throw e;
          },
        ),
      return: () => Promise.resolve(done),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /**
   * Stops reading: a pending `read()` rejects with `ClosedError`, `for await` loops end, the ring is
   * unmapped and the descriptor closed. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#consumer.detach();
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
