/**
 * `struct perf_event_attr` (include/uapi/linux/perf_event.h), laid out byte for byte, plus the constants
 * used to open the perf events that BPF programs attach to. Offsets are checked with `offsetof` against the
 * C header by `test/link/perf-event-attr.test.ts`.
 */
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { Attr } from '../syscall/attr.js';
import type { SyscallBackend } from '../syscall/backend.js';

/** Byte offsets of the `perf_event_attr` fields (unions share an offset). */
export const PerfEventAttrLayout = {
  type: 0,
  size: 4,
  config: 8,
  sample_period: 16,
  sample_freq: 16,
  sample_type: 24,
  read_format: 32,
  /** The u64 holding the `disabled:1, inherit:1, ...` bitfield. */
  flags: 40,
  wakeup_events: 48,
  wakeup_watermark: 48,
  bp_type: 52,
  bp_addr: 56,
  kprobe_func: 56,
  uprobe_path: 56,
  config1: 56,
  bp_len: 64,
  kprobe_addr: 64,
  probe_offset: 64,
  config2: 64,
  branch_sample_type: 72,
  sample_regs_user: 80,
  sample_stack_user: 88,
  clockid: 92,
  sample_regs_intr: 96,
  aux_watermark: 104,
  sample_max_stack: 108,
  aux_sample_size: 112,
  sig_data: 120,
  config3: 128,
  /** `PERF_ATTR_SIZE_VER8`: the size we pass (older kernels accept it as long as the tail is zero). */
  SIZE: 136,
} as const;

/** Bit positions (as on a little-endian host) of the single-bit flags in the `flags` word. */
export const PerfEventAttrFlag = {
  disabled: 0,
  inherit: 1,
  pinned: 2,
  exclusive: 3,
  exclude_user: 4,
  exclude_kernel: 5,
  exclude_hv: 6,
  exclude_idle: 7,
  mmap: 8,
  comm: 9,
  freq: 10,
  inherit_stat: 11,
  enable_on_exec: 12,
  task: 13,
  watermark: 14,
  /** Two bits (14 is `watermark`, 15-16 are `precise_ip`). */
  precise_ip: 15,
  mmap_data: 17,
  sample_id_all: 18,
  exclude_host: 19,
  exclude_guest: 20,
  exclude_callchain_kernel: 21,
  exclude_callchain_user: 22,
  mmap2: 23,
  comm_exec: 24,
  use_clockid: 25,
  context_switch: 26,
  write_backward: 27,
  namespaces: 28,
  ksymbol: 29,
  bpf_event: 30,
  aux_output: 31,
  cgroup: 32,
  text_poke: 33,
  build_id: 34,
  inherit_thread: 35,
  remove_on_exec: 36,
  sigtrap: 37,
} as const;

/** Names of the one-bit flags settable through `PerfEventAttrInit.flags`. */
export type PerfEventFlagName = Exclude<keyof typeof PerfEventAttrFlag, 'precise_ip'>;

/** `enum perf_type_id`. Dynamic PMUs (kprobe, uprobe) have their type in sysfs instead. */
export const PerfType = {
  HARDWARE: 0,
  SOFTWARE: 1,
  TRACEPOINT: 2,
  HW_CACHE: 3,
  RAW: 4,
  BREAKPOINT: 5,
} as const;

/** `enum perf_sw_ids` (configs of `PerfType.SOFTWARE`). */
export const PerfSoftwareConfig = {
  CPU_CLOCK: 0,
  TASK_CLOCK: 1,
  PAGE_FAULTS: 2,
  CONTEXT_SWITCHES: 3,
  CPU_MIGRATIONS: 4,
  PAGE_FAULTS_MIN: 5,
  PAGE_FAULTS_MAJ: 6,
  ALIGNMENT_FAULTS: 7,
  EMULATION_FAULTS: 8,
  DUMMY: 9,
  BPF_OUTPUT: 10,
  CGROUP_SWITCHES: 11,
} as const;

/** `enum perf_hw_id` (configs of `PerfType.HARDWARE`). */
export const PerfHardwareConfig = {
  CPU_CYCLES: 0,
  INSTRUCTIONS: 1,
  CACHE_REFERENCES: 2,
  CACHE_MISSES: 3,
  BRANCH_INSTRUCTIONS: 4,
  BRANCH_MISSES: 5,
  BUS_CYCLES: 6,
  STALLED_CYCLES_FRONTEND: 7,
  STALLED_CYCLES_BACKEND: 8,
  REF_CPU_CYCLES: 9,
} as const;

/** `enum perf_event_sample_format` bits used with BPF. */
export const PerfSampleType = {
  IP: 1 << 0,
  TID: 1 << 1,
  TIME: 1 << 2,
  ADDR: 1 << 3,
  READ: 1 << 4,
  CALLCHAIN: 1 << 5,
  ID: 1 << 6,
  CPU: 1 << 7,
  PERIOD: 1 << 8,
  STREAM_ID: 1 << 9,
  RAW: 1 << 10,
} as const;

/** `perf_event_open` flags. */
export const PerfFlag = {
  FD_NO_GROUP: 1 << 0,
  FD_OUTPUT: 1 << 1,
  PID_CGROUP: 1 << 2,
  FD_CLOEXEC: 1 << 3,
} as const;

/** Fields of a `perf_event_attr` to build. Unset fields are zero. */
export interface PerfEventAttrInit {
  /** `PerfType.*` or a dynamic PMU type read from sysfs. */
  type: number;
  /** Event id within the type (tracepoint id, `PerfSoftwareConfig.*`, PMU-specific bits). */
  config?: bigint | number;
  /** Sample every N events. Mutually exclusive with `sampleFreq`. */
  samplePeriod?: bigint | number;
  /** Sample N times a second (sets the `freq` flag). Mutually exclusive with `samplePeriod`. */
  sampleFreq?: bigint | number;
  /** `PerfSampleType` bits. */
  sampleType?: bigint | number;
  readFormat?: bigint | number;
  /** One-bit flags to set. */
  flags?: Partial<Record<PerfEventFlagName, boolean>>;
  /** Skid constraint (0-3). */
  preciseIp?: number;
  /** Wake up readers every N events (or N bytes with the `watermark` flag). */
  wakeupEvents?: number;
  bpType?: number;
  /** `config1` / `kprobe_func` / `uprobe_path` as a number. Use `config1String` to pass a C string. */
  config1?: bigint | number;
  /** A string whose address goes into `config1` (kprobe function name, uprobe path). */
  config1String?: string;
  /** `config2` / `kprobe_addr` / `probe_offset`. */
  config2?: bigint | number;
  config3?: bigint | number;
  branchSampleType?: bigint | number;
  sampleRegsUser?: bigint | number;
  sampleStackUser?: number;
  clockid?: number;
  sampleRegsIntr?: bigint | number;
  auxWatermark?: number;
  sampleMaxStack?: number;
  auxSampleSize?: number;
  sigData?: bigint | number;
}

const LE = hostByteOrder === 'little';

/**
 * Position of a bitfield of `width` bits starting at `lePos` (its position in little-endian bit allocation)
 * within a host-order u64: C compilers allocate bitfields from the most significant bit on big-endian hosts.
 */
export function bitfieldShift(lePos: number, width: number, littleEndian = LE): bigint {
  return BigInt(littleEndian ? lePos : 64 - lePos - width);
}

/** The `flags` word for the given one-bit flags and `precise_ip`. */
export function perfEventFlagsWord(
  flags: Partial<Record<PerfEventFlagName, boolean>>,
  preciseIp = 0,
  littleEndian = LE,
): bigint {
  if (!Number.isInteger(preciseIp) || preciseIp < 0 || preciseIp > 3)
    throw new EbpfError(`perf event attr: precise_ip must be 0-3, got ${preciseIp}`, 'EINVAL');
  let word = 0n;
  for (const [name, on] of Object.entries(flags)) {
    if (!on) continue;
    const pos = PerfEventAttrFlag[name as PerfEventFlagName];
    if (pos === undefined) throw new EbpfError(`perf event attr: unknown flag ${name}`, 'EINVAL');
    word |= 1n << bitfieldShift(pos, 1, littleEndian);
  }
  word |= BigInt(preciseIp) << bitfieldShift(PerfEventAttrFlag.precise_ip, 2, littleEndian);
  return word;
}

/**
 * Builds a `perf_event_attr` in off-heap memory (strings referenced by `config1String` are kept alive by the
 * returned `Attr`). `size` is set to `PerfEventAttrLayout.SIZE`.
 */
export function buildPerfEventAttr(init: PerfEventAttrInit, backend: SyscallBackend): Attr {
  const L = PerfEventAttrLayout;
  if (init.samplePeriod !== undefined && init.sampleFreq !== undefined)
    throw new EbpfError('perf event attr: samplePeriod and sampleFreq are mutually exclusive', 'EINVAL');
  if (init.config1 !== undefined && init.config1String !== undefined)
    throw new EbpfError('perf event attr: config1 and config1String are mutually exclusive', 'EINVAL');
  const a = new Attr(L.SIZE, backend);
  a.u32(L.type, init.type).u32(L.size, L.SIZE);
  a.u64(L.config, init.config ?? 0);
  const flags = { ...init.flags };
  if (init.sampleFreq !== undefined) {
    a.u64(L.sample_freq, init.sampleFreq);
    flags.freq = true;
  } else a.u64(L.sample_period, init.samplePeriod ?? 0);
  a.u64(L.sample_type, init.sampleType ?? 0);
  a.u64(L.read_format, init.readFormat ?? 0);
  a.u64(L.flags, perfEventFlagsWord(flags, init.preciseIp ?? 0));
  a.u32(L.wakeup_events, init.wakeupEvents ?? 0);
  a.u32(L.bp_type, init.bpType ?? 0);
  if (init.config1String !== undefined) a.cstringPtr(L.config1, init.config1String);
  else a.u64(L.config1, init.config1 ?? 0);
  a.u64(L.config2, init.config2 ?? 0);
  a.u64(L.branch_sample_type, init.branchSampleType ?? 0);
  a.u64(L.sample_regs_user, init.sampleRegsUser ?? 0);
  a.u32(L.sample_stack_user, init.sampleStackUser ?? 0);
  a.i32(L.clockid, init.clockid ?? 0);
  a.u64(L.sample_regs_intr, init.sampleRegsIntr ?? 0);
  a.u32(L.aux_watermark, init.auxWatermark ?? 0);
  a.view.setUint16(L.sample_max_stack, init.sampleMaxStack ?? 0, LE);
  a.u32(L.aux_sample_size, init.auxSampleSize ?? 0);
  a.u64(L.sig_data, init.sigData ?? 0);
  a.u64(L.config3, init.config3 ?? 0);
  return a;
}

const IOC_NRSHIFT = 0;
const IOC_TYPESHIFT = 8;
const IOC_SIZESHIFT = 16;

/** `_IOC(dir, type, nr, size)` for the host architecture (powerpc/mips/sparc use other direction bits). */
export function ioctlRequest(dir: 'none' | 'write' | 'read', type: number, nr: number, size: number): number {
  const alt = ['ppc64', 'ppc', 'mips', 'mipsel', 'sparc', 'sparc64'].includes(process.arch);
  const dirBits = alt ? { none: 1, write: 4, read: 2 }[dir] : { none: 0, write: 1, read: 2 }[dir];
  const dirShift = alt ? 29 : 30;
  return (
    ((dirBits << dirShift) | (type << IOC_TYPESHIFT) | (nr << IOC_NRSHIFT) | (size << IOC_SIZESHIFT)) >>> 0
  );
}

const PERF_IOC_MAGIC = 0x24; // '$'

/** `ioctl` requests on perf event descriptors. */
export const PerfEventIoctl = {
  ENABLE: ioctlRequest('none', PERF_IOC_MAGIC, 0, 0),
  DISABLE: ioctlRequest('none', PERF_IOC_MAGIC, 1, 0),
  SET_BPF: ioctlRequest('write', PERF_IOC_MAGIC, 8, 4),
} as const;
