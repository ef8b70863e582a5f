/**
 * The one interface through which ebpf-ts talks to the kernel. The koffi backend is the real one; the fake
 * backend lets unit tests script results and inspect the attributes we build, without a kernel.
 *
 * Convention: calls return a non-negative result on success and `-errno` on failure (never throw), so the
 * hot path allocates nothing. Typed wrappers in `bpf.ts` turn failures into `SyscallError`s.
 */

/** Fields of `struct utsname` as strings. */
export interface Utsname {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
}

/** `struct rlimit` (u64 values; `RLIM_INFINITY` is 2^64-1). */
export interface Rlimit {
  cur: bigint;
  max: bigint;
}

/** A low-level system-call backend. Every method is synchronous unless it says otherwise. */
export interface SyscallBackend {
  /** `koffi` for the real backend, `fake` for the scripted one. */
  readonly kind: string;
  /** `bpf(cmd, attr, size)`. `attr` must be backed by an off-heap ArrayBuffer (see `allocAttr`). */
  bpf(cmd: number, attr: Uint8Array, size: number): number;
  /**
   * `bpf(cmd, attr, size)` with the attr given by its address (`attrAddress(backend, attr)`): the hot path
   * for attrs built once and used many times (map element operations), cheaper per call than passing the
   * buffer. The caller keeps the attr buffer alive for as long as it uses the address.
   */
  bpfAt(cmd: number, attrAddress: number | bigint, size: number): number;
  /** `bpf()` on a libuv worker thread, for calls that can take long (program load, long test runs). */
  bpfAsync(cmd: number, attr: Uint8Array, size: number): Promise<number>;
  /** `perf_event_open(attr, pid, cpu, group_fd, flags)`. */
  perfEventOpen(attr: Uint8Array, pid: number, cpu: number, groupFd: number, flags: number): number;
  /** `ioctl(fd, request, arg)` with an integer argument. */
  ioctl(fd: number, request: number, arg: number | bigint): number;
  /** `close(fd)`. */
  close(fd: number): number;
  /** `fcntl(fd, F_DUPFD_CLOEXEC, minFd)`: a duplicate numbered >= minFd. */
  dupCloexec(fd: number, minFd: number): number;
  /** `read(fd, buf, buf.length)`. */
  read(fd: number, buf: Uint8Array): number;
  /** `write(fd, buf, buf.length)`. */
  write(fd: number, buf: Uint8Array): number;
  /** `eventfd(initval, flags)`. */
  eventfd(initval: number, flags: number): number;
  /** `mmap(NULL, length, prot, flags, fd, offset)`: the address, or `-errno` as a negative bigint. */
  mmap(length: number, prot: number, flags: number, fd: number, offset: number): bigint;
  /** `munmap(addr, length)`. */
  munmap(addr: bigint, length: number): number;
  /** A zero-copy ArrayBuffer over `length` bytes of process memory at `addr` (an mmapped region). */
  memoryView(addr: bigint, length: number): ArrayBuffer;
  /** The address of `buf[0]`. `buf` must be backed by an off-heap ArrayBuffer. */
  addressOf(buf: Uint8Array): bigint;
  /** Size of `struct epoll_event` on this architecture (12 on x86-64, where it is packed; 16 elsewhere). */
  readonly epollEventSize: number;
  /** `epoll_create1(EPOLL_CLOEXEC)`. */
  epollCreate(): number;
  /** `epoll_ctl(epfd, op, fd, {events, data.u64 = data})`. */
  epollCtl(epfd: number, op: number, fd: number, events: number, data: number): number;
  /** `epoll_wait(epfd, events, maxEvents, timeoutMs)` filling `events` (maxEvents * epollEventSize bytes). */
  epollWait(epfd: number, events: Uint8Array, maxEvents: number, timeoutMs: number): number;
  /** `epoll_wait` on a libuv worker thread, so the event loop never blocks. */
  epollWaitAsync(epfd: number, events: Uint8Array, maxEvents: number, timeoutMs: number): Promise<number>;
  /** `getrlimit(resource)`, or `-errno`. */
  getrlimit(resource: number): Rlimit | number;
  /** `setrlimit(resource, limit)`. */
  setrlimit(resource: number, limit: Rlimit): number;
  /** `uname()`. */
  uname(): Utsname;
}

/**
 * A zeroed buffer whose memory is off the V8 heap (an explicit ArrayBuffer), so its address stays valid while
 * the kernel reads or writes it. Use for every bpf_attr and for buffers whose address goes into an attr.
 */
export function allocAttr(size: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(size));
}

/**
 * The address of `buf[0]` in the form `bpfAt` takes fastest: a number (every user-space address on the
 * supported architectures fits in 53 bits), or a bigint in the unlikely case it does not.
 */
export function attrAddress(backend: SyscallBackend, buf: Uint8Array): number | bigint {
  const addr = backend.addressOf(buf);
  return addr <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(addr) : addr;
}

/** `RLIMIT_MEMLOCK` resource number. */
export const RLIMIT_MEMLOCK = 8;
/** `RLIM_INFINITY`. */
export const RLIM_INFINITY = 0xffffffffffffffffn;
