/**
 * The consumer side of one CPU's perf ring buffer, over memory views only (no syscalls), so the record walk
 * can be tested on plain buffers as well as on the kernel's mapping.
 *
 * The kernel advances `data_head` (u64, read with acquire semantics) as it writes; we advance `data_tail`
 * (u64, stored with release semantics) as we consume, which frees the space. Both are free-running byte
 * counters; the offset in the data area is `pos & (size - 1)`. Unlike the BPF ring buffer, the data area
 * is mapped once, so a record that runs past its end is copied into one contiguous buffer.
 */
import { ParseError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { PERF_EVENT_HEADER_SIZE, PerfMmapPageLayout, PerfRecordType } from './perf-event-attr.js';

const U64 = 64;
const LE = hostByteOrder === 'little';
const HEAD_INDEX = PerfMmapPageLayout.data_head / 8;
const TAIL_INDEX = PerfMmapPageLayout.data_tail / 8;
const SAMPLE_MIN = PERF_EVENT_HEADER_SIZE + 4;
const LOST_SIZE = PERF_EVENT_HEADER_SIZE + 16;
const EMPTY = new Uint8Array(0);

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

/** Walks the records of one CPU's perf buffer. */
export class PerfRing {
  readonly cpu: number;
  readonly #meta: BigUint64Array;
  readonly #data: Uint8Array;
  readonly #size: number;
  readonly #mask: number;
  readonly #header = new Uint8Array(LOST_SIZE);
  readonly #headerView = new DataView(this.#header.buffer);
  #scratch = new Uint8Array(256);
  /** `data_tail` last stored for the kernel. */
  #published: bigint;
  /** Bytes consumed since `#published`. */
  #pending = 0;
  #offset: number;
  /** Bytes between the next record and the last `data_head` read. */
  #available = 0;
  /** Samples reported lost by PERF_RECORD_LOST records so far. */
  lostSamples = 0;

  constructor(cpu: number, mem: PerfRingMemory) {
    const size = mem.data.byteLength;
    if (size < PERF_EVENT_HEADER_SIZE || (size & (size - 1)) !== 0)
      throw new ParseError(`perf buffer cpu ${cpu}`, 0, `data size ${size} is not a power of two`);
    this.cpu = cpu;
    this.#meta = mem.meta;
    this.#data = mem.data;
    this.#size = size;
    this.#mask = size - 1;
    this.#published = Atomics.load(this.#meta, TAIL_INDEX);
    this.#offset = Number(this.#published & BigInt(this.#mask));
  }

  /** Bytes known to be unread without reading `data_head` again. */
  get buffered(): number {
    return this.#available;
  }

  /** Reads `data_head` (acquire) and returns the bytes written but not yet consumed. */
  refresh(): number {
    const head = Atomics.load(this.#meta, HEAD_INDEX);
    const tail = BigInt.asUintN(U64, this.#published + BigInt(this.#pending));
    const available = BigInt.asUintN(U64, head - tail);
    if (available > BigInt(this.#size))
      throw new ParseError(
        `perf buffer cpu ${this.cpu}`,
        this.#offset,
        `data_head ${head} is more than the buffer size ahead of data_tail ${tail}`,
      );
    this.#available = Number(available);
    return this.#available;
  }

  /**
   * The next sample or lost record among the bytes already known to be there (see `refresh()`), or
   * undefined. Other record types are skipped. With `copy` false the sample is a view of the ring (or, for
   * a record that wraps, of a scratch buffer) valid until the next call.
   */
  next(copy: boolean): PerfRecord | undefined {
    while (this.#available > 0) {
      const offset = this.#offset;
      if (this.#available < PERF_EVENT_HEADER_SIZE) this.#corrupt(offset, 'truncated record header');
      this.#bytes(offset, Math.min(LOST_SIZE, this.#available), this.#header);
      const hv = this.#headerView;
      const type = hv.getUint32(0, LE);
      const size = hv.getUint16(6, LE);
      if (size < PERF_EVENT_HEADER_SIZE || size > this.#available)
        this.#corrupt(offset, `record size ${size} outside 8..${this.#available}`);
      this.#offset = (offset + size) & this.#mask;
      this.#available -= size;
      this.#pending += size;
      if (type === PerfRecordType.SAMPLE) {
        if (size < SAMPLE_MIN) this.#corrupt(offset, `sample record of ${size} bytes`);
        const rawSize = hv.getUint32(PERF_EVENT_HEADER_SIZE, LE);
        if (rawSize > size - SAMPLE_MIN)
          this.#corrupt(offset, `raw sample size ${rawSize} exceeds its record (${size} bytes)`);
        const sample = this.#sample((offset + SAMPLE_MIN) & this.#mask, rawSize, copy);
        return { cpu: this.cpu, sample, lost: 0, remaining: this.#available };
      }
      if (type === PerfRecordType.LOST) {
        if (size < LOST_SIZE) this.#corrupt(offset, `lost record of ${size} bytes`);
        const lost = Number(hv.getBigUint64(16, LE));
        this.lostSamples += lost;
        return { cpu: this.cpu, sample: EMPTY, lost, remaining: this.#available };
      }
    }
    return undefined;
  }

  /** Publishes the consumed bytes (`data_tail`, release), freeing their space for the kernel. */
  release(): void {
    if (this.#pending === 0) return;
    this.#published = BigInt.asUintN(U64, this.#published + BigInt(this.#pending));
    this.#pending = 0;
    Atomics.store(this.#meta, TAIL_INDEX, this.#published);
  }

  /** True when consumed bytes await `release()`. */
  get unreleased(): boolean {
    return this.#pending > 0;
  }

  /** Copies `length` bytes at `offset` (wrapping) into `into` and returns that prefix of it. */
  #bytes(offset: number, length: number, into: Uint8Array): Uint8Array {
    const first = Math.min(length, this.#size - offset);
    into.set(this.#data.subarray(offset, offset + first), 0);
    if (first < length) into.set(this.#data.subarray(0, length - first), first);
    return into.subarray(0, length);
  }

  #sample(offset: number, length: number, copy: boolean): Uint8Array {
    if (offset + length <= this.#size) {
      const view = this.#data.subarray(offset, offset + length);
      return copy ? view.slice() : view;
    }
    if (copy) return this.#bytes(offset, length, new Uint8Array(length));
    if (this.#scratch.byteLength < length)
      this.#scratch = new Uint8Array(Math.max(length, this.#scratch.byteLength * 2));
    return this.#bytes(offset, length, this.#scratch);
  }

  #corrupt(offset: number, detail: string): never {
    throw new ParseError(`perf buffer cpu ${this.cpu}`, offset, detail);
  }
}
