/**
 * The consumer side of a BPF ring buffer (`BPF_MAP_TYPE_RINGBUF`, kernel 5.8), over memory views only — no
 * syscalls — so the record walk can be tested on plain buffers as well as on the kernel's mapping.
 *
 * Layout (kernel/bpf/ringbuf.c): a consumer page holding `consumer_pos` (u64, written by us), a producer page
 * holding `producer_pos` (u64, written by the kernel), then the data area of `size` bytes (a power of two)
 * mapped twice in a row, so a record that runs past the end can be read as one contiguous slice. Each record
 * is an 8-byte header (`len` u32 with BUSY bit 31 and DISCARD bit 30, `pg_off` u32) followed by `len` bytes,
 * padded to 8. Positions are free-running u64 byte counters; offsets are `pos & (size - 1)`.
 */
import { EbpfError, ParseError } from '../errors.js';

/** `BPF_RINGBUF_BUSY_BIT`: the record is reserved but not yet submitted or discarded. */
export const RINGBUF_BUSY_BIT = 0x80000000;
/** `BPF_RINGBUF_DISCARD_BIT`: the record was discarded; consumers skip it. */
export const RINGBUF_DISCARD_BIT = 0x40000000;
/** `BPF_RINGBUF_HDR_SZ`: bytes of the record header. */
export const RINGBUF_HEADER_SIZE = 8;

const LENGTH_MASK = ~(RINGBUF_BUSY_BIT | RINGBUF_DISCARD_BIT) >>> 0;
const U64 = 64;

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
 * Walks the records of one ring. `next()` returns the next submitted record and marks it consumed; the
 * consumer position reaches the kernel on `release()` (copying readers release at once, zero-copy readers
 * when the caller is done with the payload). Discarded records are skipped; a busy record stops the walk.
 */
export class RingConsumer {
  readonly #mem: RingMemory;
  readonly #headers: Uint32Array;
  readonly #mask: number;
  /** Consumer position last stored for the kernel. */
  #published: bigint;
  /** Bytes consumed since `#published`. */
  #pending = 0;
  /** Offset (masked) of the next record. */
  #offset: number;
  /** Bytes between the next record and the last producer position read. */
  #available = 0;
  /** Why the last `next()` returned undefined. */
  stop: RingStop = 'empty';

  constructor(mem: RingMemory) {
    const { size, data } = mem;
    if (!Number.isInteger(size) || size < 8 || (size & (size - 1)) !== 0)
      throw new EbpfError(`ringbuf: data size ${size} is not a power of two`, 'EINVAL');
    if (data.byteLength < 2 * size || data.byteOffset % 8 !== 0)
      throw new EbpfError('ringbuf: the data area must be mapped twice and 8-byte aligned', 'EINVAL');
    this.#mem = mem;
    this.#headers = new Uint32Array(data.buffer, data.byteOffset, (2 * size) / 4);
    this.#mask = size - 1;
    this.#published = Atomics.load(mem.consumerPos, 0);
    this.#offset = Number(this.#published & BigInt(this.#mask));
  }

  /** The consumer position as the reader sees it (published plus consumed-but-unreleased bytes). */
  get position(): bigint {
    return BigInt.asUintN(U64, this.#published + BigInt(this.#pending));
  }

  /** Reads `producer_pos` (acquire) and returns the bytes written but not yet consumed. */
  refresh(): number {
    const producer = Atomics.load(this.#mem.producerPos, 0);
    const available = BigInt.asUintN(U64, producer - this.position);
    if (available > BigInt(this.#mem.size))
      throw new ParseError(
        'ringbuf',
        this.#offset,
        `producer position ${producer} is more than the ring size ahead of consumer position ${this.position}`,
      );
    this.#available = Number(available);
    return this.#available;
  }

  /** Bytes known to be available without reading the producer position again. */
  get available(): number {
    return this.#available;
  }

  /** The next submitted record, or undefined (see `stop`). Re-reads the producer position when needed. */
  next(): RingSlice | undefined {
    for (;;) {
      if (this.#available === 0 && this.refresh() === 0) {
        this.stop = 'empty';
        return undefined;
      }
      const offset = this.#offset;
      const header = Atomics.load(this.#headers, offset >>> 2);
      if ((header & RINGBUF_BUSY_BIT) !== 0) {
        this.stop = 'busy';
        return undefined;
      }
      const length = (header & LENGTH_MASK) >>> 0;
      const total = (length + RINGBUF_HEADER_SIZE + 7) & ~7;
      if (total > this.#available)
        throw new ParseError(
          'ringbuf',
          offset,
          `record length ${length} exceeds the ${this.#available} bytes written`,
        );
      this.#offset = (offset + total) & this.#mask;
      this.#available -= total;
      this.#pending += total;
      if ((header & RINGBUF_DISCARD_BIT) !== 0) continue;
      return { offset: offset + RINGBUF_HEADER_SIZE, length, remaining: this.#available };
    }
  }

  /** Publishes the consumed bytes to the kernel (`consumer_pos`, release), freeing their space. */
  release(): void {
    if (this.#pending === 0) return;
    this.#published = this.position;
    this.#pending = 0;
    Atomics.store(this.#mem.consumerPos, 0, this.#published);
  }
}
