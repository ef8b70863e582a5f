/**
 * The small part of the perf_event ABI a BPF perf buffer needs: a `struct perf_event_attr` for a
 * `PERF_COUNT_SW_BPF_OUTPUT` software event, the layout of `struct perf_event_mmap_page` (head, tail and
 * data area), and the record types found in the ring. Offsets follow /usr/include/linux/perf_event.h and
 * are checked against it with gcc `offsetof` in the tests.
 */
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { allocAttr } from '../syscall/backend.js';

/** Offsets in `struct perf_event_attr` (the fields this module writes) and its size (PERF_ATTR_SIZE_VER7). */
export const PerfEventAttrLayout = {
  type: 0,
  size: 4,
  config: 8,
  sample_period: 16,
  sample_type: 24,
  /** The u64 holding the flag bitfield (`disabled:1, inherit:1, ...`). */
  flags: 40,
  /** Union of `wakeup_events` and `wakeup_watermark`. */
  wakeup_events: 48,
  SIZE: 128,
} as const;

/** Bit `n` of a C bitfield in a u64 read in host byte order (big-endian ABIs allocate from the top). */
function bitfieldBit(n: bigint): bigint {
  return hostByteOrder === 'little' ? 1n << n : 1n << (63n - n);
}

/** Bits of the flag bitfield at `PerfEventAttrLayout.flags`, as a host-order u64. */
export const PerfEventAttrFlag = {
  /** `disabled` (bit 0): created off; enable with PERF_EVENT_IOC_ENABLE. */
  DISABLED: bitfieldBit(0n),
  /** `watermark` (bit 14): wake up by bytes (`wakeup_watermark`) instead of by events. */
  WATERMARK: bitfieldBit(14n),
} as const;

/** `PERF_TYPE_SOFTWARE`. */
export const PERF_TYPE_SOFTWARE = 1;
/** `PERF_COUNT_SW_BPF_OUTPUT`: the software event bpf_perf_event_output writes to. */
export const PERF_COUNT_SW_BPF_OUTPUT = 10;
/** `PERF_SAMPLE_RAW`: samples carry `{ u32 size; u8 data[size] }`. */
export const PERF_SAMPLE_RAW = 1 << 10;
/** `PERF_FLAG_FD_CLOEXEC` for perf_event_open. */
export const PERF_FLAG_FD_CLOEXEC = 1 << 3;
/** `PERF_EVENT_IOC_ENABLE` (`_IO('$', 0)`). */
export const PERF_EVENT_IOC_ENABLE = 0x2400;
/** `PERF_EVENT_IOC_DISABLE` (`_IO('$', 1)`). */
export const PERF_EVENT_IOC_DISABLE = 0x2401;

/** Record types (`perf_event_header.type`) a BPF output ring contains. */
export const PerfRecordType = {
  /** `PERF_RECORD_LOST`: `{ header; u64 id; u64 lost; }`. */
  LOST: 2,
  /** `PERF_RECORD_SAMPLE`: with PERF_SAMPLE_RAW, `{ header; u32 size; u8 data[size]; }`. */
  SAMPLE: 9,
} as const;

/** Offsets in `struct perf_event_mmap_page` (the first page of the mapping). */
export const PerfMmapPageLayout = {
  data_head: 1024,
  data_tail: 1032,
  data_offset: 1040,
  data_size: 1048,
} as const;

/** `sizeof(struct perf_event_header)`: `u32 type; u16 misc; u16 size`. */
export const PERF_EVENT_HEADER_SIZE = 8;

/** How a BPF output event wakes readers: after N events, or after N bytes. */
export interface BpfOutputWakeup {
  /** Wake a waiting reader once this many samples are in a CPU's buffer (default 1). */
  wakeupEvents?: number;
  /** Wake a waiting reader once this many bytes are in a CPU's buffer (exclusive with `wakeupEvents`). */
  watermark?: number;
}

function checkU32(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1 || v > 0xffffffff)
    throw new EbpfError(`perf reader: ${what} must be an integer from 1 to 2^32-1, not ${v}`, 'EINVAL');
  return v;
}

/**
 * A `perf_event_attr` for a `PERF_COUNT_SW_BPF_OUTPUT` event sampling raw data, created disabled, waking
 * readers per `wakeup`. Off-heap, ready for perf_event_open.
 */
export function bpfOutputAttr(wakeup: BpfOutputWakeup = {}): Uint8Array {
  if (wakeup.watermark !== undefined && wakeup.wakeupEvents !== undefined)
    throw new EbpfError('perf reader: set either watermark or wakeupEvents, not both', 'EINVAL');
  const L = PerfEventAttrLayout;
  const le = hostByteOrder === 'little';
  const attr = allocAttr(L.SIZE);
  const dv = new DataView(attr.buffer);
  let flags = PerfEventAttrFlag.DISABLED;
  let wake: number;
  if (wakeup.watermark !== undefined) {
    flags |= PerfEventAttrFlag.WATERMARK;
    wake = checkU32('watermark', wakeup.watermark);
  } else wake = checkU32('wakeupEvents', wakeup.wakeupEvents ?? 1);
  dv.setUint32(L.type, PERF_TYPE_SOFTWARE, le);
  dv.setUint32(L.size, L.SIZE, le);
  dv.setBigUint64(L.config, BigInt(PERF_COUNT_SW_BPF_OUTPUT), le);
  dv.setBigUint64(L.sample_period, 1n, le);
  dv.setBigUint64(L.sample_type, BigInt(PERF_SAMPLE_RAW), le);
  dv.setBigUint64(L.flags, flags, le);
  dv.setUint32(L.wakeup_events, wake, le);
  return attr;
}
