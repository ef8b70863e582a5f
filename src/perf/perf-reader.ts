/**
 * `PerfReader`: reads what BPF programs write with `bpf_perf_event_output` into a
 * `BPF_MAP_TYPE_PERF_EVENT_ARRAY` (kernel 4.4). For each possible CPU it opens a `PERF_COUNT_SW_BPF_OUTPUT`
 * event on that CPU, maps its ring and stores the event in the array at the CPU's index, so programs that
 * pass `BPF_F_CURRENT_CPU` write to the buffer of the CPU they run on. Records are read from the shared
 * memory; waiting uses epoll on a worker thread (`Poller`), so the event loop never blocks.
 *
 * Ending and aborting work as for `RingBufReader`: `close()` rejects a pending `read()` with `ClosedError`
 * and ends `for await` quietly; an aborted `AbortSignal` rejects reads and throws out of `for await` with
 * the signal's reason (Node's convention: cancellation is an exception).
 *
 * SAFETY of zero-copy reads (`copy: false`, `drainInPlace`): a sample is a view of the mapped ring (or of a
 * scratch buffer for records that wrap), valid until the next read, and never to be touched after
 * `close()`, which unmaps the memory (touching it would crash the process). The default copying mode has
 * no such rule.
 */
import { ClosedError, EbpfError, isClosedError, isKeyNotFoundError } from '../errors.js';
import { BpfMap } from '../maps/bpf-map.js';
import { u32 } from '../maps/codec.js';
import { pageSize, possibleCpus } from '../maps/system-info.js';
import { SampleCopier } from '../ringbuf/sample-copier.js';
import type { KernelContext } from '../syscall/context.js';
import { Poller } from '../syscall/poller.js';
import { MapType } from '../syscall/uapi-enums.js';
import { PerfCpuBuffer } from './perf-cpu-buffer.js';
import { type BpfOutputWakeup, bpfOutputAttr } from './perf-event-attr.js';
import type { PerfRecord, PerfRing, PerfSampleCallback } from './perf-ring.js';

/** What a reader needs from a map (every `BpfMap` of type PERF_EVENT_ARRAY has it). */
export type PerfEventArrayMap = Pick<
  BpfMap<unknown, unknown>,
  'fd' | 'type' | 'name' | 'maxEntries' | 'closed' | 'ctx'
>;

/** Options of `new PerfReader()`. */
export interface PerfReaderOptions extends BpfOutputWakeup {
  /** Size of each CPU's ring, rounded up to a power-of-two number of pages (default 64 KiB). */
  perCpuBufferBytes?: number;
  /** Aborting rejects pending and future reads, and throws out of `for await`, with the signal's reason. */
  signal?: AbortSignal;
  /** Copy samples out of the rings (default true). With false, samples are views: see the safety note. */
  copy?: boolean;
  /** Kernel context (backend and caches); the map's own context when omitted. */
  ctx?: KernelContext;
}

/** Options of one `read()`/`tryRead()`. */
export interface PerfReadOptions {
  /** Overrides the reader's `copy` setting for this read. */
  copy?: boolean;
  /** Aborts this read only (in addition to the reader's signal). */
  signal?: AbortSignal;
}

const LABEL = 'perf reader';
const EMPTY = new Uint8Array(0);
const DEFAULT_BUFFER_BYTES = 64 * 1024;
const MAX_BUFFER_BYTES = 1 << 30;

function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return AbortSignal.any([a, b]);
}

/** Pages of ring per CPU: `bytes` rounded up to whole pages, then to a power of two. */
export function perCpuDataPages(bytes: number, page: number): number {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_BUFFER_BYTES)
    throw new EbpfError(`${LABEL}: perCpuBufferBytes must be 1..${MAX_BUFFER_BYTES}, not ${bytes}`, 'EINVAL');
  let pages = 1;
  while (pages * page < bytes) pages *= 2;
  return pages;
}

/** Reads samples from a perf event array, one buffer per CPU. */
export class PerfReader implements AsyncIterable<PerfRecord>, Disposable, AsyncDisposable {
  /** Bytes of ring per CPU. */
  readonly perCpuBufferBytes: number;
  readonly #array: BpfMap<number, number>;
  readonly #buffers: PerfCpuBuffer[] = [];
  readonly #poller: Poller;
  readonly #signal: AbortSignal | undefined;
  readonly #copy: boolean;
  readonly #copier = new SampleCopier();
  #cursor = 0;
  #queue: Promise<unknown> = Promise.resolve();
  /** Reads queued behind `#queue` and not yet settled. */
  #waiting = 0;
  #paused = false;
  #closed = false;

  /**
   * Opens and maps one buffer per possible CPU (up to the array's size; offline CPUs are skipped), puts
   * them into `map` and enables them. The reader works on its own duplicate of the map's descriptor.
   * Synchronous.
   */
  constructor(map: PerfEventArrayMap, opts: PerfReaderOptions = {}) {
    if (map.closed) throw new ClosedError(`${LABEL}: map "${map.name}"`);
    if (map.type !== MapType.PERF_EVENT_ARRAY)
      throw new EbpfError(
        `${LABEL}: map "${map.name}" has type ${map.type}, not PERF_EVENT_ARRAY (${MapType.PERF_EVENT_ARRAY})`,
        'EINVAL',
      );
    const ctx = opts.ctx ?? map.ctx;
    const page = pageSize(ctx);
    const pages = perCpuDataPages(opts.perCpuBufferBytes ?? DEFAULT_BUFFER_BYTES, page);
    const attr = bpfOutputAttr(opts);
    this.perCpuBufferBytes = pages * page;
    this.#signal = opts.signal;
    this.#copy = opts.copy ?? true;
    const cpus = Math.min(possibleCpus(ctx), map.maxEntries);
    this.#array = BpfMap.fromFd(map.fd.dup(`${LABEL} map "${map.name}"`), { key: u32, value: u32, ctx });
    let poller: Poller | undefined;
    try {
      for (let cpu = 0; cpu < cpus; cpu++) {
        const buffer = PerfCpuBuffer.open(ctx, cpu, attr, pages, page);
        if (buffer === undefined) continue;
        this.#buffers.push(buffer);
        this.#array.update(cpu, buffer.fd.raw);
        buffer.enable();
      }
      if (this.#buffers.length === 0)
        throw new EbpfError(`${LABEL}: no online CPU among the first ${cpus}`, 'ENODEV');
      poller = new Poller(ctx, this.#buffers.length);
      for (const [i, buffer] of this.#buffers.entries()) poller.add(buffer.fd.raw, i);
    } catch (e) {
      poller?.close();
      this.#release();
      throw e;
    }
    this.#poller = poller;
  }

  /** The CPUs that have a buffer, in order. */
  get cpus(): number[] {
    return this.#buffers.map((b) => b.cpu);
  }

  /** Samples the kernel reported lost (PERF_RECORD_LOST records read so far), over all CPUs. */
  get lostSamples(): number {
    let n = 0;
    for (const b of this.#buffers) n += b.ring.lostSamples;
    return n;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True between `pause()` and `resume()`. */
  get paused(): boolean {
    return this.#paused;
  }

  /** The next record if one is ready in any CPU's buffer, else undefined. Never waits. */
  tryRead(opts: PerfReadOptions = {}): PerfRecord | undefined {
    this.#checkOpen();
    return this.#next(opts.copy ?? this.#copy);
  }

  /**
   * The next record (a sample, or a lost-samples report with `lost > 0`), waiting without blocking the
   * event loop. CPUs are served round-robin. Rejects with `ClosedError` when the reader is closed, with the
   * signal's reason when aborted. Concurrent calls are served in order.
   */
  read(opts: PerfReadOptions = {}): Promise<PerfRecord> {
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

  async #read(opts: PerfReadOptions): Promise<PerfRecord> {
    const signal = eitherSignal(this.#signal, opts.signal);
    const copy = opts.copy ?? this.#copy;
    for (;;) {
      this.#checkOpen();
      signal?.throwIfAborted();
      const record = this.#next(copy);
      if (record) return record;
      try {
        await this.#poller.wait(-1, signal);
      } catch (e) {
        if (this.#closed) throw new ClosedError(LABEL, { cause: e });
        throw e;
      }
    }
  }

  /**
   * Hands every record available now to `callback`, up to `max`, synchronously; returns how many. Lost
   * records count as records. In zero-copy mode each sample is valid only during its callback. Each CPU's
   * buffer is read up to the `data_head` seen when its turn comes, starting where the last read stopped.
   */
  drain(callback: (record: PerfRecord) => void, max = Number.POSITIVE_INFINITY): number {
    this.#checkOpen();
    const copier = this.#copy ? this.#copier : undefined;
    return this.#eachRing(max, (ring, left) =>
      ring.drainInPlace(
        (data, offset, length, _view, cpu, remaining) => {
          const sample = copier
            ? copier.copy(data, offset, length)
            : new Uint8Array(data.buffer, data.byteOffset + offset, length);
          callback({ cpu, sample, lost: 0, remaining });
        },
        left,
        (lost, remaining) => callback({ cpu: ring.cpu, sample: EMPTY, lost, remaining }),
      ),
    );
  }

  /**
   * The fastest way to consume busy buffers: hands up to `max` samples to `callback` where they lie in the
   * mapped rings — no copy, no allocation per sample — and returns how many. The raw sample (with the
   * kernel's padding, as in `PerfRecord.sample`) is `data[offset, offset + length)`; `view` is a DataView
   * over the same bytes; `cpu` is the buffer's CPU. A sample that wraps around the end of its ring is
   * handed over from a scratch copy instead (`data` is then that buffer). The bytes are valid only until
   * the callback returns. Lost-sample reports are not handed over; they add to `lostSamples`. Ignores the
   * `copy` option. Each buffer's `data_tail` is written back every quarter buffer and at the end.
   */
  drainInPlace(callback: PerfSampleCallback, max = Number.POSITIVE_INFINITY): number {
    this.#checkOpen();
    return this.#eachRing(max, (ring, left) => ring.drainInPlace(callback, left));
  }

  /** Runs `drainOne` on each CPU's ring in turn from the cursor, while the reader is open and `max` allows. */
  #eachRing(max: number, drainOne: (ring: PerfRing, left: number) => number): number {
    this.#releaseAll(); // the previous zero-copy record
    const buffers = this.#buffers;
    const n = buffers.length;
    let count = 0;
    for (let k = 0; k < n && count < max && !this.#closed; k++) {
      const ring = (buffers[this.#cursor] as PerfCpuBuffer).ring;
      count += drainOne(ring, max - count);
      if (count < max) this.#cursor = (this.#cursor + 1) % n;
    }
    return count;
  }

  #next(copy: boolean): PerfRecord | undefined {
    this.#releaseAll(); // the previous zero-copy record and skipped records
    const buffers = this.#buffers;
    const n = buffers.length;
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < n; k++) {
        const ring = (buffers[this.#cursor] as PerfCpuBuffer).ring;
        const record = ring.next(copy);
        if (record) {
          if (copy) ring.release();
          return record;
        }
        this.#cursor = (this.#cursor + 1) % n;
      }
      // Everything seen so far is consumed: look at every CPU's data_head again, once.
      this.#releaseAll();
      let any = false;
      for (const b of buffers) if (b.ring.refresh() > 0) any = true;
      if (!any) return undefined;
    }
    this.#releaseAll(); // only records of other types were there
    return undefined;
  }

  #releaseAll(): void {
    for (const b of this.#buffers) if (b.ring.unreleased) b.ring.release();
  }

  /**
   * Takes the buffers out of the array: until `resume()`, bpf_perf_event_output fails with ENOENT and
   * nothing is written. Records already in the buffers can still be read.
   */
  pause(): void {
    this.#checkOpen();
    for (const b of this.#buffers) {
      try {
        this.#array.delete(b.cpu);
      } catch (e) {
        if (!isKeyNotFoundError(e)) throw e;
      }
    }
    this.#paused = true;
  }

  /** Puts the buffers back into the array after `pause()`. */
  resume(): void {
    this.#checkOpen();
    for (const b of this.#buffers) this.#array.update(b.cpu, b.fd.raw);
    this.#paused = false;
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
  [Symbol.asyncIterator](): AsyncIterableIterator<PerfRecord> {
    const done: IteratorReturnResult<undefined> = { value: undefined, done: true };
    const iterator: AsyncIterableIterator<PerfRecord> = {
      next: () =>
        this.read().then(
          (value): IteratorResult<PerfRecord> => ({ value, done: false }),
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
   * Stops reading: a pending `read()` rejects with `ClosedError`, `for await` loops end, the buffers are
   * removed from the array (so programs stop writing to them), unmapped and closed. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#poller.close();
    this.#release();
  }

  #release(): void {
    for (const b of this.#buffers) {
      try {
        if (!this.#array.closed) this.#array.delete(b.cpu);
      } catch {
        // already removed (pause) or replaced: nothing to undo
      }
      b.close();
    }
    this.#array.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }
}
