/**
 * `ebpf-ts/perf`: read what BPF programs write with `bpf_perf_event_output` into a PERF_EVENT_ARRAY,
 * through one mapped perf buffer per CPU, with async waiting that never blocks the event loop.
 *
 * @example
 * await using reader = new PerfReader(events, { perCpuBufferBytes: 64 * 1024 });
 * for await (const record of reader) {
 *   if (record.lost > 0) console.warn(`cpu ${record.cpu}: lost ${record.lost} samples`);
 *   else handle(record.sample);
 * }
 */
export { PerfCpuBuffer } from './perf-cpu-buffer.js';
export {
  type BpfOutputWakeup,
  bpfOutputAttr,
  PERF_COUNT_SW_BPF_OUTPUT,
  PERF_EVENT_HEADER_SIZE,
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_FLAG_FD_CLOEXEC,
  PERF_SAMPLE_RAW,
  PERF_TYPE_SOFTWARE,
  PerfEventAttrFlag,
  PerfEventAttrLayout,
  PerfMmapPageLayout,
  PerfRecordType,
} from './perf-event-attr.js';
export {
  type PerfEventArrayMap,
  PerfReader,
  type PerfReaderOptions,
  type PerfReadOptions,
  perCpuDataPages,
} from './perf-reader.js';
export { type PerfRecord, PerfRing, type PerfRingMemory, type PerfSampleCallback } from './perf-ring.js';
