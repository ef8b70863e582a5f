/**
 * `ebpf-ts/ringbuf`: read records from `BPF_MAP_TYPE_RINGBUF` maps (kernel 5.8) through shared memory,
 * with async waiting that never blocks the event loop.
 *
 * @example
 * await using reader = new RingBufReader(events);
 * for await (const { sample } of reader) handle(sample);
 */
export {
  RINGBUF_BUSY_BIT,
  RINGBUF_DISCARD_BIT,
  RINGBUF_HEADER_SIZE,
  RingConsumer,
  type RingMemory,
  type RingRecordCallback,
  type RingSlice,
  type RingStop,
} from './ring-consumer.js';
export {
  type RingBufMap,
  RingBufReader,
  type RingBufReaderOptions,
  type RingBufReadOptions,
  type RingBufRecord,
} from './ringbuf-reader.js';
