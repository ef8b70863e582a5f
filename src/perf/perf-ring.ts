/**
 * The consumer side of one CPU's perf ring buffer, over memory views only (no syscalls), so the record walk
 * can be tested on plain buffers as well as on the kernel's mapping.
 *
 * The kernel advances `data_head` (u64, read with acquire semantics) as it writes; we advance `data_tail`
 * (u64, stored with release semantics) as we consume, which frees the space. Both are free-running byte
 * counters; the offset in the data area is `pos & (size - 1)`. Unlike the BPF ring buffer, the data area
 * is mapped once, so a record that runs past its end is copied into one contiguous buffer.
 *
 * Speed: the hot path uses no BigInt and allocates nothing. A buffer holds at most 2^30 bytes, so the
 * unread byte count is the difference of the low 32-bit words of head and tail; `data_tail` is published
 * by storing its low word alone (the kernel's 64-bit load sees the old or the new value, never a mix)
 * unless the high word changes, which takes one 64-bit store every 4 GiB. Everything below `data_head` is
 * complete once `data_head` has been loaded (with `Atomics.load`), so records are read with plain loads.
 */
import { ParseError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { SampleCopier } from '../ringbuf/sample-copier.js';
import { PERF_EVENT_HEADER_SIZE, PerfMmapPageLayout, PerfRecordType } from './perf-event-attr.js';

const LE = hostByteOrder === 'little';
/** Index of the low / high 32-bit word of a u64 seen as two u32s. */
const LO = LE ? 0 : 1;
const HI = 1 - LO;
const HEAD_LO = PerfMmapPageLayout.data_head / 4 + LO;
const HEAD_HI = PerfMmapPageLayout.data_head / 4 + HI;
const TAIL_LO = PerfMmapPageLayout.data_tail / 4 + LO;
const TAIL_INDEX = PerfMmapPageLayout.data_tail / 8;
const TWO_32 = 0x100000000;
const SAMPLE_MIN = PERF_EVENT_HEADER_SIZE + 4;
const LOST_SIZE = PERF_EVENT_HEADER_SIZE + 16;
const SAMPLE = PerfRecordType.SAMPLE;
const LOST = PerfRecordType.LOST;
const EMPTY = new Uint8Array(0);
/** Plain module constants for the hot loop: header bytes, header plus raw size, a lost record's bytes. */
const HEADER_BYTES = 8;
const SAMPLE_HEADER_BYTES = 12;
const LOST_BYTES = 24;
/** Most records one `#walk` call handles (keeps its counters in the small-integer range). */
const MAX_WALK = 0x3fffffff;

/** The memory a `PerfRing` works on. */
export interface PerfRingMemory {
  /** The metadata page (`struct perf_event_mmap_page`) as u64s: `data_head` and `data_tail` live here. */
  meta: BigUint64Array;
  /** The data area: `size` bytes, a power of two. */
  data: Uint8Array;
}

/** One record from a perf buffer. */
export interface PerfRecord {
  /** The CPU whose buffer held the record. */
  cpu: number;
  /**
   * The raw sample as the kernel stored it: the program's bytes followed by up to 7 bytes of padding (the
   * kernel pads `u32 size` + data to a multiple of 8 and reports the padded size; it skips the padding
   * without writing it, so those bytes are stale ring contents). Empty for lost records.
   */
  sample: Uint8Array;
  /** Samples the kernel dropped because the buffer was full (a PERF_RECORD_LOST record); 0 for samples. */
  lost: number;
  /** Bytes still unread in this CPU's buffer after this record (as of the last look at `data_head`). */
  remaining: number;
}

/**
 * Called for each sample by `drainInPlace`: the raw sample is `data[offset, offset + length)`; `view` is a
 * DataView over the same bytes as `data`. For samples that lie in the ring, `data` is the mapped data area;
 * a sample that wraps around its end is first copied into a scratch buffer (then `data` is that buffer and
 * `offset` 0). The bytes are only meaningful until the callback returns. `remaining` is the number of bytes
 * still unread in the CPU's buffer after this record.
 */
export type PerfSampleCallback = (
  data: Uint8Array,
  offset: number,
  length: number,
  view: DataView,
  cpu: number,
  remaining: number,
) => void;

/** Walks the records of one CPU's perf buffer. */
export class PerfRing {
  readonly cpu: number;
  readonly #words: Uint32Array;
  readonly #meta: BigUint64Array;
  readonly #data: Uint8Array;
  readonly #view: DataView;
  readonly #size: number;
  readonly #mask: number;
  /** Consumed bytes after which a drain releases without waiting for the end: a quarter buffer. */
  readonly #batch: number;
  readonly #header = new Uint8Array(LOST_SIZE);
  readonly #headerView = new DataView(this.#header.buffer);
  readonly #copier = new SampleCopier();
  #scratch = new Uint8Array(256);
  #scratchView = new DataView(this.#scratch.buffer);
  /** `data_tail` last stored for the kernel, as two u32 words. */
  #publishedHi: number;
  #publishedLo: number;
  /** Bytes consumed since the published tail. */
  #pending = 0;
  #offset: number;
  /** Bytes between the next record and the last `data_head` read. */
  #available = 0;
  /** Set by `detach()`: the memory is gone, touch nothing. */
  #detached = false;
  /** What `#step` found: the record's start, a sample's raw size, a lost record's count. */
  #at = 0;
  #rawSize = 0;
  #lost = 0;
  /** Samples reported lost by PERF_RECORD_LOST records so far. */
  lostSamples = 0;

  constructor(cpu: number, mem: PerfRingMemory) {
    const size = mem.data.byteLength;
    if (size < PERF_EVENT_HEADER_SIZE || size > 2 ** 30 || (size & (size - 1)) !== 0)
      throw new ParseError(`perf buffer cpu ${cpu}`, 0, `data size ${size} is not a power of two up to 2^30`);
    this.cpu = cpu;
    this.#meta = mem.meta;
    this.#words = new Uint32Array(mem.meta.buffer, mem.meta.byteOffset, mem.meta.length * 2);
    this.#data = mem.data;
    this.#view = new DataView(mem.data.buffer, mem.data.byteOffset, size);
    this.#size = size;
    this.#mask = size - 1;
    this.#batch = size >>> 2;
    const tail = Atomics.load(this.#meta, TAIL_INDEX);
    this.#publishedHi = Number(tail >> 32n);
    this.#publishedLo = Number(tail & 0xffffffffn);
    this.#offset = this.#publishedLo & this.#mask;
  }

  /** Bytes known to be unread without reading `data_head` again. */
  get buffered(): number {
    return this.#available;
  }

  /** Reads `data_head` (acquire) and returns the bytes written but not yet consumed. */
  refresh(): number {
    const headLo = Atomics.load(this.#words, HEAD_LO);
    const available = (headLo - this.#publishedLo - this.#pending) >>> 0;
    // The kernel keeps data_head less than a buffer ahead of data_tail (it never fills the last byte).
    if (available >= this.#size) this.#aheadError();
    this.#available = available;
    return available;
  }

  #aheadError(): never {
    const head = Atomics.load(this.#words, HEAD_HI) * TWO_32 + Atomics.load(this.#words, HEAD_LO);
    const tail = this.#publishedHi * TWO_32 + this.#publishedLo + this.#pending;
    throw new ParseError(
      `perf buffer cpu ${this.cpu}`,
      this.#offset,
      `data_head ${head} is a whole buffer (${this.#size} bytes) or more ahead of data_tail ${tail}`,
    );
  }

  /**
   * Steps over the next record among the bytes already known to be there: returns its type, or -1 when
   * there is none. Leaves its start in `#at`; for samples the raw size in `#rawSize`, for lost records the
   * count in `#lost`. Validates everything it reads.
   */
  #step(): number {
    const available = this.#available;
    if (available === 0) return -1;
    const offset = this.#offset;
    if (available < PERF_EVENT_HEADER_SIZE) this.#corrupt(offset, 'truncated record header');
    let hv = this.#view;
    let at = offset;
    if (offset + LOST_SIZE > this.#size) {
      // The header (or a lost record's counts) may run past the end: read it from a copy.
      this.#copyOut(offset, Math.min(LOST_SIZE, available), this.#header);
      hv = this.#headerView;
      at = 0;
    }
    const type = hv.getUint32(at, LE);
    const size = hv.getUint16(at + 6, LE);
    if (size < PERF_EVENT_HEADER_SIZE || size > available)
      this.#corrupt(offset, `record size ${size} outside 8..${available}`);
    this.#offset = (offset + size) & this.#mask;
    this.#available = available - size;
    this.#pending += size;
    this.#at = offset;
    if (type === SAMPLE) {
      if (size < SAMPLE_MIN) this.#corrupt(offset, `sample record of ${size} bytes`);
      const rawSize = hv.getUint32(at + PERF_EVENT_HEADER_SIZE, LE);
      if (rawSize > size - SAMPLE_MIN)
        this.#corrupt(offset, `raw sample size ${rawSize} exceeds its record (${size} bytes)`);
      this.#rawSize = rawSize;
    } else if (type === LOST) {
      if (size < LOST_SIZE) this.#corrupt(offset, `lost record of ${size} bytes`);
      this.#lost = Number(hv.getBigUint64(at + 16, LE));
      this.lostSamples += this.#lost;
    }
    return type;
  }

  /**
   * The next sample or lost record among the bytes already known to be there (see `refresh()`), or
   * undefined. Other record types are skipped. With `copy` false the sample is a view of the ring (or, for
   * a record that wraps, of a scratch buffer) valid until the next call.
   */
  next(copy: boolean): PerfRecord | undefined {
    for (;;) {
      const type = this.#step();
      if (type < 0) return undefined;
      if (type === SAMPLE) {
        const sample = this.#sample((this.#at + SAMPLE_MIN) & this.#mask, this.#rawSize, copy);
        return { cpu: this.cpu, sample, lost: 0, remaining: this.#available };
      }
      if (type === LOST)
        return { cpu: this.cpu, sample: EMPTY, lost: this.#lost, remaining: this.#available };
    }
  }

  /**
   * Hands up to `max` samples among the bytes written when it starts (one look at `data_head`) to
   * `callback` in place and returns how many. Lost records are not handed over: they add to
   * `lostSamples` (and go to `onLost`, if given, counting towards `max`). Space is released every quarter
   * buffer and at the end, including bytes consumed before the call. A callback that throws has its
   * record consumed; the error propagates.
   */
  drainInPlace(
    callback: PerfSampleCallback,
    max = Number.POSITIVE_INFINITY,
    onLost?: (lost: number, remaining: number) => void,
  ): number {
    this.refresh();
    let count = 0;
    try {
      while (count < max && this.#available > 0) {
        if (this.#pending >= this.#batch) this.release();
        const start = this.#offset;
        try {
          count += this.#walk(
            callback,
            Math.min(max - count, MAX_WALK),
            this.#data,
            this.#view,
            this.#mask,
            this.#batch,
            this.#size - LOST_SIZE,
            this.cpu,
            start,
            this.#available,
            this.#pending,
          );
        } finally {
          // The walk stored only the offset; the bytes it stepped over follow from it.
          const walked = (this.#offset - start) & this.#mask;
          this.#available -= walked;
          this.#pending += walked;
        }
        if (this.#detached) return count;
        if (count >= max || this.#available === 0) break;
        // The walk stopped at a record it does not hand over in place.
        const type = this.#step();
        const at = this.#at;
        if (type === SAMPLE) {
          count++;
          const offset = (at + SAMPLE_MIN) & this.#mask;
          const length = this.#rawSize;
          if (offset + length <= this.#size)
            callback(this.#data, offset, length, this.#view, this.cpu, this.#available);
          else
            callback(
              this.#sample(offset, length, false),
              0,
              length,
              this.#scratchView,
              this.cpu,
              this.#available,
            );
        } else if (type === LOST && onLost !== undefined) {
          count++;
          onLost(this.#lost, this.#available);
        }
        if (this.#detached) return count;
      }
    } finally {
      if (!this.#detached) this.release();
    }
    return count;
  }

  /**
   * The hot loop of `drainInPlace`: hands over samples that lie in the ring (header and data) and stops
   * before any other record, leaving it to the caller. Shaped like `RingConsumer`'s walk for V8: inputs as
   * arguments, only the next record's offset stored (before each callback; the caller derives the bytes
   * walked from it, which are less than a buffer), no code before or after the loop that needs feedback.
   */
  #walk(
    callback: PerfSampleCallback,
    max: number,
    data: Uint8Array,
    view: DataView,
    mask: number,
    batch: number,
    limit: number,
    cpu: number,
    offset: number,
    available: number,
    pending: number,
  ): number {
    let count = 0;
    while (available >= SAMPLE_MIN && count < max && pending < batch && offset <= limit) {
      const size = view.getUint16(offset + 6, LE);
      if (view.getUint32(offset, LE) !== SAMPLE || size < SAMPLE_MIN || size > available) break;
      const rawSize = view.getUint32(offset + HEADER_BYTES, LE);
      const payload = (offset + SAMPLE_HEADER_BYTES) | 0;
      if (rawSize > size - SAMPLE_HEADER_BYTES || payload + rawSize > limit + LOST_BYTES) break;
      offset = (offset + size) & mask;
      available = (available - size) | 0;
      pending = (pending + size) | 0;
      this.#offset = offset;
      count = (count + 1) | 0;
      callback(data, payload, rawSize, view, cpu, available);
      if (this.#detached === true) break;
    }
    return count;
  }

  /** Publishes the consumed bytes (`data_tail`, release), freeing their space for the kernel. */
  release(): void {
    const pending = this.#pending;
    if (pending === 0) return;
    this.#pending = 0;
    const lo = this.#publishedLo + pending;
    if (lo < TWO_32) {
      this.#publishedLo = lo;
      Atomics.store(this.#words, TAIL_LO, lo);
      return;
    }
    this.#publishedLo = lo - TWO_32;
    this.#publishedHi = (this.#publishedHi + 1) >>> 0;
    Atomics.store(this.#meta, TAIL_INDEX, (BigInt(this.#publishedHi) << 32n) | BigInt(this.#publishedLo));
  }

  /** True when consumed bytes await `release()`. */
  get unreleased(): boolean {
    return this.#pending > 0;
  }

  /** Marks the memory as gone (unmapped): a running `drainInPlace` returns after the current callback. */
  detach(): void {
    this.#detached = true;
  }

  /** Copies `length` bytes at `offset` (wrapping) into `into` and returns that prefix of it. */
  #copyOut(offset: number, length: number, into: Uint8Array): Uint8Array {
    const first = Math.min(length, this.#size - offset);
    into.set(this.#data.subarray(offset, offset + first), 0);
    if (first < length) into.set(this.#data.subarray(0, length - first), first);
    return into.subarray(0, length);
  }

  #sample(offset: number, length: number, copy: boolean): Uint8Array {
    if (offset + length <= this.#size) {
      const data = this.#data;
      return copy
        ? this.#copier.copy(data, offset, length)
        : new Uint8Array(data.buffer, data.byteOffset + offset, length);
    }
    if (copy) return this.#copyOut(offset, length, new Uint8Array(length));
    if (this.#scratch.byteLength < length) {
      this.#scratch = new Uint8Array(Math.max(length, this.#scratch.byteLength * 2));
      this.#scratchView = new DataView(this.#scratch.buffer);
    }
    return this.#copyOut(offset, length, this.#scratch);
  }

  #corrupt(offset: number, detail: string): never {
    throw new ParseError(`perf buffer cpu ${this.cpu}`, offset, detail);
  }
}
