/**
 * The consumer side of a BPF ring buffer (`BPF_MAP_TYPE_RINGBUF`, kernel 5.8), over memory views only — no
 * syscalls — so the record walk can be tested on plain buffers as well as on the kernel's mapping.
 *
 * Layout (kernel/bpf/ringbuf.c): a consumer page holding `consumer_pos` (u64, written by us), a producer page
 * holding `producer_pos` (u64, written by the kernel), then the data area of `size` bytes (a power of two)
 * mapped twice in a row, so a record that runs past the end can be read as one contiguous slice. Each record
 * is an 8-byte header (`len` u32 with BUSY bit 31 and DISCARD bit 30, `pg_off` u32) followed by `len` bytes,
 * padded to 8. Positions are free-running u64 byte counters; offsets are `pos & (size - 1)`.
 *
 * Speed: the hot path uses no BigInt and allocates nothing. A ring holds at most 2^31 bytes, so the
 * distance from consumer to producer is the difference of the positions' low 32-bit words; the consumer
 * position is published by storing its low word alone (the kernel's 64-bit load then sees either the old or
 * the new position, never a mix) unless the high word changes, which takes one 64-bit store every 4 GiB.
 * Memory ordering: `producer_pos` and record headers are read with `Atomics.load` (acquire or stronger),
 * `consumer_pos` is written with `Atomics.store` (release or stronger), as the kernel's
 * `smp_store_release`/`smp_load_acquire` pairs require.
 */
import { EbpfError, ParseError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';

/** `BPF_RINGBUF_BUSY_BIT`: the record is reserved but not yet submitted or discarded. */
export const RINGBUF_BUSY_BIT = 0x80000000;
/** `BPF_RINGBUF_DISCARD_BIT`: the record was discarded; consumers skip it. */
export const RINGBUF_DISCARD_BIT = 0x40000000;
/** `BPF_RINGBUF_HDR_SZ`: bytes of the record header. */
export const RINGBUF_HEADER_SIZE = 8;

/** The header as an int32: bit 31 (busy) makes it negative. */
const DISCARD = 0x40000000;
const LENGTH_MASK = 0x3fffffff;
const TWO_32 = 0x100000000;
/** The header size, and header size plus 7 (for rounding up to 8), as plain module constants. */
const HEADER_BYTES = 8;
const HEADER_PAD = 15;
/** Most records one `#walk` call handles (keeps its counters in the small-integer range). */
const MAX_WALK = 0x3fffffff;
/** Index of the low / high 32-bit word of a u64 seen as two u32s. */
const LO = hostByteOrder === 'little' ? 0 : 1;
const HI = 1 - LO;
/**
 * On x86-64 every load has acquire semantics (TSO) and V8 keeps typed-array loads in program order, so
 * record headers are read with plain loads there: `Atomics.load` is not inlined by V8 and would cost more
 * than the rest of a record's handling. Elsewhere (arm64) headers are read with `Atomics.load`.
 */
const PLAIN_LOADS_ACQUIRE = process.arch === 'x64';

/** The memory a `RingConsumer` works on. */
export interface RingMemory {
  /** `consumer_pos` at index 0 (stored with `Atomics.store`, i.e. release). */
  consumerPos: BigUint64Array;
  /** `producer_pos` at index 0 (loaded with `Atomics.load`, i.e. acquire). */
  producerPos: BigUint64Array;
  /** The data area followed by its second mapping: `2 * size` bytes, 8-byte aligned. */
  data: Uint8Array;
  /** Data area size in bytes: a power of two (the map's max_entries). */
  size: number;
}

/** Where the next record's payload is inside `RingMemory.data`. */
export interface RingSlice {
  /** Offset of the payload in `data` (may run into the second mapping). */
  offset: number;
  /** Payload length in bytes. */
  length: number;
  /** Bytes still unread after this record (as of the last producer position read). */
  remaining: number;
}

/** Why `next()` found no record: nothing written yet, or the next record is still being written. */
export type RingStop = 'empty' | 'busy';

/**
 * Called for each record by `RingConsumer.drainInPlace`: the payload is `data[offset, offset + length)`
 * (contiguous, thanks to the second mapping); `view` is a DataView over the same bytes as `data`; `remaining`
 * is the number of bytes still unread after this record. `data` and `view` stay the same objects for the
 * life of the consumer, so a callback may keep them; the payload bytes are only meaningful until the
 * callback returns.
 */
export type RingRecordCallback = (
  data: Uint8Array,
  offset: number,
  length: number,
  view: DataView,
  remaining: number,
) => void;

/**
 * Walks the records of one ring. `next()` returns the next submitted record and marks it consumed; the
 * consumer position reaches the kernel on `release()` (copying readers release at once, zero-copy readers
 * when the caller is done with the payload). `drainInPlace()` is the allocation-free batch path. Discarded
 * records are skipped; a busy record stops the walk.
 */
export class RingConsumer {
  readonly #data: Uint8Array;
  readonly #view: DataView;
  readonly #headers: Int32Array;
  readonly #producer: Uint32Array;
  readonly #consumer: Uint32Array;
  readonly #consumer64: BigUint64Array;
  readonly #size: number;
  readonly #mask: number;
  /** Consumer position last stored for the kernel, as two u32 words. */
  #publishedHi: number;
  #publishedLo: number;
  /** Bytes consumed since the published position. */
  #pending = 0;
  /** Offset (masked) of the next record. */
  #offset: number;
  /** Payload length of the record `#step` stepped over last. */
  #length = 0;
  /** Bytes between the next record and the last producer position read. */
  #available = 0;
  /** Consumed bytes after which `drainInPlace` releases without waiting for the end: a quarter ring. */
  readonly #batch: number;
  /** True while `#walk` runs (its state is in locals). */
  #walking = false;
  /** Set by `detach()`: the memory is gone, touch nothing. */
  #detached = false;
  /** Why the last `next()` or `drainInPlace()` stopped. */
  stop: RingStop = 'empty';

  constructor(mem: RingMemory) {
    const { size, data } = mem;
    if (!Number.isInteger(size) || size < 8 || size > 2 ** 31 || (size & (size - 1)) !== 0)
      throw new EbpfError(`ringbuf: data size ${size} is not a power of two up to 2^31`, 'EINVAL');
    if (data.byteLength < 2 * size || data.byteOffset % 8 !== 0)
      throw new EbpfError('ringbuf: the data area must be mapped twice and 8-byte aligned', 'EINVAL');
    this.#data = data;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.#headers = new Int32Array(data.buffer, data.byteOffset, (2 * size) / 4);
    this.#producer = new Uint32Array(mem.producerPos.buffer, mem.producerPos.byteOffset, 2);
    this.#consumer = new Uint32Array(mem.consumerPos.buffer, mem.consumerPos.byteOffset, 2);
    this.#consumer64 = mem.consumerPos;
    this.#size = size;
    this.#mask = size - 1;
    this.#batch = size >>> 2;
    const start = Atomics.load(mem.consumerPos, 0);
    this.#publishedHi = Number(start >> 32n);
    this.#publishedLo = Number(start & 0xffffffffn);
    this.#offset = this.#publishedLo & this.#mask;
  }

  /** The consumer position as the reader sees it (published plus consumed-but-unreleased bytes). */
  get position(): bigint {
    return BigInt.asUintN(
      64,
      (BigInt(this.#publishedHi) << 32n) + BigInt(this.#publishedLo) + BigInt(this.#pending),
    );
  }

  /** Reads `producer_pos` (acquire) and returns the bytes written but not yet consumed. */
  refresh(): number {
    this.#checkNotWalking();
    const producerLo = Atomics.load(this.#producer, LO);
    const available = (producerLo - this.#publishedLo - this.#pending) >>> 0;
    // The kernel keeps the producer less than a ring ahead (it refuses reservations that would fill it).
    if (available >= this.#size) this.#aheadError();
    this.#available = available;
    return available;
  }

  #aheadError(): never {
    const producer = Atomics.load(this.#producer, HI) * TWO_32 + Atomics.load(this.#producer, LO);
    throw new ParseError(
      'ringbuf',
      this.#offset,
      `producer position ${producer} is a whole ring (${this.#size} bytes) or more ahead of consumer position ${this.position}`,
    );
  }

  /**
   * Bytes known to be available without reading the producer position again. Inside a `drainInPlace`
   * callback this (like `position`) still describes the start of the current batch: use the callback's
   * `remaining` argument there.
   */
  get available(): number {
    return this.#available;
  }

  /** True when consumed bytes await `release()`. */
  get unreleased(): boolean {
    return this.#pending > 0;
  }

  /**
   * Steps over the next submitted record, or returns -1 (see `stop`). On success the payload starts at
   * the returned offset and is `#length` bytes long. Re-reads the producer position when needed; with
   * `releaseFirst`, releases what was consumed before looking again, so the producer gets the space back.
   */
  #step(releaseFirst: boolean): number {
    for (;;) {
      if (this.#available === 0) {
        if (releaseFirst && this.#pending > 0) this.release();
        if (this.refresh() === 0) {
          this.stop = 'empty';
          return -1;
        }
      }
      const offset = this.#offset;
      const header = PLAIN_LOADS_ACQUIRE
        ? (this.#headers[offset >>> 2] as number)
        : Atomics.load(this.#headers, offset >>> 2);
      if (header < 0) {
        this.stop = 'busy';
        return -1;
      }
      const length = header & LENGTH_MASK;
      const total = (length + RINGBUF_HEADER_SIZE + 7) & ~7;
      if (total > this.#available) this.#lengthError(offset, length);
      this.#offset = (offset + total) & this.#mask;
      this.#available -= total;
      this.#pending += total;
      if ((header & DISCARD) !== 0) continue;
      this.#length = length;
      return offset + RINGBUF_HEADER_SIZE;
    }
  }

  /**
   * The next submitted record, or undefined (see `stop`). Its bytes (and those of discarded records
   * skipped on the way) stay reserved until `release()`. Allocates the returned slice; `drainInPlace`
   * does not.
   */
  next(): RingSlice | undefined {
    this.#checkNotWalking();
    const offset = this.#step(false);
    if (offset < 0) return undefined;
    return { offset, length: this.#length, remaining: this.#available };
  }

  /**
   * Hands up to `max` submitted records to `callback` in place (no copies, no allocations) and returns
   * how many. Stops at a busy record or when nothing is left (`stop` says which). Consumed space is
   * released in batches: whenever everything known has been read (before looking at the producer position
   * again), every quarter ring, and at the end. Bytes consumed before the call (an earlier zero-copy
   * sample) are released too. If the callback throws, its record counts as consumed and the error
   * propagates.
   */
  drainInPlace(callback: RingRecordCallback, max = Number.POSITIVE_INFINITY): number {
    this.#checkNotWalking();
    let count = 0;
    try {
      while (count < max) {
        if (this.#available === 0) {
          this.release();
          if (this.refresh() === 0) {
            this.stop = 'empty';
            break;
          }
        } else if (this.#pending >= this.#batch) this.release();
        this.#walking = true;
        this.stop = 'empty';
        const start = this.#offset;
        try {
          count += this.#walk(
            callback,
            Math.min(max - count, MAX_WALK),
            this.#data,
            this.#view,
            this.#headers,
            this.#mask,
            this.#batch,
            start,
            this.#available,
            this.#pending,
          );
        } finally {
          // The walk stored only the offset; the bytes it stepped over follow from it.
          const walked = (this.#offset - start) & this.#mask;
          this.#available -= walked;
          this.#pending += walked;
          this.#walking = false;
        }
        if (this.#detached) return count;
        if ((this.stop as RingStop) === 'busy') break; // set by the walk
      }
    } finally {
      this.#walking = false;
      if (!this.#detached) this.release();
    }
    return count;
  }

  /**
   * The hot loop of `drainInPlace`, shaped for V8. V8 records type feedback for a function only once it
   * has run a few times, and optimises a long first loop while it runs (on-stack replacement); code that
   * ran before that (the lines before the loop) or never ran yet (after it) has no feedback, and the
   * optimised function would bail out there on every call. So the walk gets its inputs as arguments,
   * does all its bookkeeping inside the loop — it stores the next record's offset before each callback
   * (nothing is lost if one throws; the caller derives the bytes walked from it, which are less than a
   * ring), rare outcomes (busy record, corrupt length) are set where they occur — and ends with a bare
   * `return`. The caller sets `#walking`, which makes any other call that moves the consumer throw.
   */
  #walk(
    callback: RingRecordCallback,
    max: number,
    data: Uint8Array,
    view: DataView,
    headers: Int32Array,
    mask: number,
    batch: number,
    offset: number,
    available: number,
    pending: number,
  ): number {
    let count = 0;
    while (available > 0 && count < max && pending < batch) {
      const header = PLAIN_LOADS_ACQUIRE
        ? (headers[offset >>> 2] as number)
        : Atomics.load(headers, offset >>> 2);
      if (header < 0) {
        this.stop = 'busy';
        break;
      }
      const length = header & LENGTH_MASK;
      const total = (length + HEADER_PAD) & ~7;
      if (total > available) this.#lengthError(offset, length);
      const payload = (offset + HEADER_BYTES) | 0;
      offset = (offset + total) & mask;
      available = (available - total) | 0;
      pending = (pending + total) | 0;
      this.#offset = offset;
      if ((header & DISCARD) !== 0) continue;
      count = (count + 1) | 0;
      callback(data, payload, length, view, available);
      if (this.#detached === true) break;
    }
    return count;
  }

  /** Throws when called from inside a `drainInPlace` callback (the walk's state is in its locals). */
  #checkNotWalking(): void {
    if (this.#walking)
      throw new EbpfError(
        'ringbuf: cannot read from inside a drainInPlace callback; return from it first',
        'EBUSY',
      );
  }

  #lengthError(offset: number, length: number): never {
    throw new ParseError(
      'ringbuf',
      offset,
      `record length ${length} exceeds the ${this.#available} bytes written`,
    );
  }

  /** Publishes the consumed bytes to the kernel (`consumer_pos`, release), freeing their space. */
  release(): void {
    this.#checkNotWalking();
    const pending = this.#pending;
    if (pending === 0) return;
    this.#pending = 0;
    const lo = this.#publishedLo + pending;
    if (lo < TWO_32) {
      this.#publishedLo = lo;
      Atomics.store(this.#consumer, LO, lo);
      return;
    }
    // The low word wraps: store both words in one 64-bit write.
    this.#publishedLo = lo - TWO_32;
    this.#publishedHi = (this.#publishedHi + 1) >>> 0;
    Atomics.store(this.#consumer64, 0, (BigInt(this.#publishedHi) << 32n) | BigInt(this.#publishedLo));
  }

  /** Marks the memory as gone (unmapped): a running `drainInPlace` returns after the current callback. */
  detach(): void {
    this.#detached = true;
  }
}
