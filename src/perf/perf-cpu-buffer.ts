/**
 * One CPU's BPF output buffer: a `PERF_COUNT_SW_BPF_OUTPUT` perf event opened on that CPU (any process)
 * and its ring mapped read-write (a writable mapping makes the kernel respect `data_tail`, so unread data
 * is never overwritten; samples that do not fit are counted and reported as PERF_RECORD_LOST).
 */
import { SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import type { KernelContext } from '../syscall/context.js';
import { FD } from '../syscall/fd.js';
import { check } from '../syscall/result.js';
import {
  PERF_EVENT_IOC_DISABLE,
  PERF_EVENT_IOC_ENABLE,
  PERF_FLAG_FD_CLOEXEC,
  PerfMmapPageLayout,
} from './perf-event-attr.js';
import { PerfRing } from './perf-ring.js';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;

/** An open, mapped per-CPU perf event. */
export class PerfCpuBuffer {
  readonly cpu: number;
  readonly fd: FD;
  readonly ring: PerfRing;
  /** Data area size in bytes. */
  readonly dataSize: number;
  readonly #ctx: KernelContext;
  readonly #addr: bigint;
  readonly #length: number;
  #mapped = true;

  private constructor(
    ctx: KernelContext,
    cpu: number,
    fd: FD,
    addr: bigint,
    length: number,
    ring: PerfRing,
    dataSize: number,
  ) {
    this.#ctx = ctx;
    this.dataSize = dataSize;
    this.cpu = cpu;
    this.fd = fd;
    this.#addr = addr;
    this.#length = length;
    this.ring = ring;
  }

  /**
   * Opens the event described by `attr` on `cpu` and maps one metadata page plus `dataPages` (a power of
   * two) pages of ring. Returns undefined when the CPU is offline (ENODEV). The event starts disabled.
   */
  static open(
    ctx: KernelContext,
    cpu: number,
    attr: Uint8Array,
    dataPages: number,
    pageSize: number,
  ): PerfCpuBuffer | undefined {
    const b = ctx.backend;
    const raw = b.perfEventOpen(attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    if (raw === -Errno.ENODEV) return undefined;
    const fd = new FD(check(`perf reader: perf_event_open cpu ${cpu}`, raw), ctx, `perf event cpu ${cpu}`);
    const length = (1 + dataPages) * pageSize;
    const addr = b.mmap(length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.raw, 0);
    if (addr < 0n) {
      fd.close();
      throw new SyscallError(`perf reader: mmap cpu ${cpu} (${length} bytes)`, Number(-addr));
    }
    try {
      const all = b.memoryView(addr, length);
      const meta = new BigUint64Array(all, 0, pageSize / 8);
      // Kernels before 4.1 leave data_offset/data_size 0: the data then starts at the second page.
      const offset = Number(meta[PerfMmapPageLayout.data_offset / 8]) || pageSize;
      const size = Number(meta[PerfMmapPageLayout.data_size / 8]) || dataPages * pageSize;
      if (offset + size > length || offset % 8 !== 0)
        throw new SyscallError(
          `perf reader: mmap cpu ${cpu}`,
          Errno.EINVAL,
          `data area ${offset}+${size} > ${length}`,
        );
      const ring = new PerfRing(cpu, { meta, data: new Uint8Array(all, offset, size) });
      return new PerfCpuBuffer(ctx, cpu, fd, addr, length, ring, size);
    } catch (e) {
      b.munmap(addr, length);
      fd.close();
      throw e;
    }
  }

  /** PERF_EVENT_IOC_ENABLE. */
  enable(): void {
    check(
      `perf reader: enable cpu ${this.cpu}`,
      this.#ctx.backend.ioctl(this.fd.raw, PERF_EVENT_IOC_ENABLE, 0),
    );
  }

  /** PERF_EVENT_IOC_DISABLE. */
  disable(): void {
    check(
      `perf reader: disable cpu ${this.cpu}`,
      this.#ctx.backend.ioctl(this.fd.raw, PERF_EVENT_IOC_DISABLE, 0),
    );
  }

  /** Unmaps the ring and closes the event. Idempotent. */
  close(): void {
    if (this.#mapped) {
      this.#mapped = false;
      this.ring.detach();
      this.#ctx.backend.munmap(this.#addr, this.#length);
    }
    this.fd.close();
  }
}
