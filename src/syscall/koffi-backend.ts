/**
 * The real syscall backend, through koffi. This is the ONLY file in ebpf-ts that imports koffi, and it does
 * so lazily (`createKoffiBackend()`), so importing the package performs no I/O and loads no native code.
 */
import { createRequire } from 'node:module';
import { hostByteOrder } from '../internal/bytes.js';
import type { Rlimit, SyscallBackend, Utsname } from './backend.js';

// koffi's own types are loose (`any`); we describe only what we call.
interface KoffiFn {
  (...args: unknown[]): unknown;
  async(...args: unknown[]): void;
}
interface KoffiLib {
  func(decl: string): KoffiFn;
}
interface KoffiModule {
  load(path: string): KoffiLib;
  errno(): number;
  address(value: unknown): bigint;
  view(ptr: unknown, len: number): ArrayBuffer;
}

const SYSCALL_NUMBERS: Record<string, { bpf: number; perfEventOpen: number }> = {
  x64: { bpf: 321, perfEventOpen: 298 },
  arm64: { bpf: 280, perfEventOpen: 241 },
  riscv64: { bpf: 280, perfEventOpen: 241 },
  loong64: { bpf: 280, perfEventOpen: 241 },
  ia32: { bpf: 357, perfEventOpen: 336 },
  arm: { bpf: 386, perfEventOpen: 364 },
  s390x: { bpf: 351, perfEventOpen: 331 },
  ppc64: { bpf: 361, perfEventOpen: 319 },
};

const LIBC_CANDIDATES = ['libc.so.6', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1', 'libc.so'];
const F_DUPFD_CLOEXEC = 1030;
const EPOLL_CLOEXEC = 0o2000000;
const MAP_FAILED = 0xffffffffffffffffn;
const LE = hostByteOrder === 'little';

function loadKoffi(): KoffiModule {
  const req = createRequire(import.meta.url);
  return req('koffi') as KoffiModule;
}

function loadLibc(koffi: KoffiModule): KoffiLib {
  let last: unknown;
  for (const name of LIBC_CANDIDATES) {
    try {
      return koffi.load(name);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`ebpf-ts: cannot load the C library (tried ${LIBC_CANDIDATES.join(', ')})`, {
    cause: last,
  });
}

function asyncCall(fn: KoffiFn, koffi: KoffiModule, args: unknown[]): Promise<number> {
  return new Promise((resolve, reject) => {
    fn.async(...args, (err: unknown, res: unknown) => {
      if (err) reject(err);
      else {
        const r = Number(res);
        resolve(r < 0 ? -koffi.errno() : r);
      }
    });
  });
}

/**
 * The libc functions ebpf-ts calls, declared once per process (declaring costs about 30 µs each). This
 * binding is the one process-wide value the koffi backend keeps: it is immutable once built.
 */
interface LibcBinding {
  readonly koffi: KoffiModule;
  readonly nr: { readonly bpf: number; readonly perfEventOpen: number };
  /** `bpf()` with the attr passed as a buffer (koffi's pointer path, which accepts every Uint8Array but is slower). */
  readonly sysBpf: KoffiFn;
  /** `bpf()` with the attr passed as an integer address (koffi's fast path: no pointer conversion). */
  readonly sysBpfAt: KoffiFn;
  readonly sysPerf: KoffiFn;
  readonly ioctl: KoffiFn;
  readonly close: KoffiFn;
  readonly fcntl: KoffiFn;
  readonly read: KoffiFn;
  readonly write: KoffiFn;
  readonly eventfd: KoffiFn;
  readonly mmap: KoffiFn;
  readonly munmap: KoffiFn;
  readonly epollCreate1: KoffiFn;
  readonly epollCtl: KoffiFn;
  readonly epollWait: KoffiFn;
  readonly getrlimit: KoffiFn;
  readonly setrlimit: KoffiFn;
  readonly uname: KoffiFn;
}

let libcBinding: LibcBinding | undefined;

function bindLibc(): LibcBinding {
  if (libcBinding !== undefined) return libcBinding;
  if (process.platform !== 'linux') throw new Error(`ebpf-ts: bpf(2) needs Linux, not ${process.platform}`);
  const nr = SYSCALL_NUMBERS[process.arch];
  if (!nr) throw new Error(`ebpf-ts: unsupported architecture ${process.arch}`);
  const koffi = loadKoffi();
  const libc = loadLibc(koffi);
  libcBinding = {
    koffi,
    nr,
    sysBpf: libc.func('long syscall(long nr, int cmd, void *attr, uint32 size)'),
    sysBpfAt: libc.func('long syscall(long nr, int cmd, uint64 attr, uint32 size)'),
    sysPerf: libc.func(
      'long syscall(long nr, void *attr, int pid, int cpu, int group_fd, unsigned long flags)',
    ),
    ioctl: libc.func('int ioctl(int fd, unsigned long request, uint64 arg)'),
    close: libc.func('int close(int fd)'),
    fcntl: libc.func('int fcntl(int fd, int cmd, int arg)'),
    read: libc.func('long read(int fd, void *buf, size_t count)'),
    write: libc.func('long write(int fd, void *buf, size_t count)'),
    eventfd: libc.func('int eventfd(unsigned int initval, int flags)'),
    mmap: libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, long offset)'),
    munmap: libc.func('int munmap(uint64 addr, size_t length)'),
    epollCreate1: libc.func('int epoll_create1(int flags)'),
    epollCtl: libc.func('int epoll_ctl(int epfd, int op, int fd, void *event)'),
    epollWait: libc.func('int epoll_wait(int epfd, void *events, int maxevents, int timeout)'),
    getrlimit: libc.func('int getrlimit(int resource, void *rlim)'),
    setrlimit: libc.func('int setrlimit(int resource, void *rlim)'),
    uname: libc.func('int uname(void *buf)'),
  };
  return libcBinding;
}

/**
 * Creates the koffi-backed syscall backend (loads koffi and libc and declares the functions on the first
 * call in the process; later backends share those declarations and cost almost nothing). Linux only.
 */
export function createKoffiBackend(): SyscallBackend {
  const {
    koffi,
    nr,
    sysBpf,
    sysBpfAt,
    sysPerf,
    ioctl,
    close,
    fcntl,
    read,
    write,
    eventfd,
    mmap,
    munmap,
    epollCreate1,
    epollCtl,
    epollWait,
    getrlimit,
    setrlimit,
    uname,
  } = bindLibc();
  const bpfNr = nr.bpf;
  const epollEventSize = process.arch === 'x64' ? 12 : 16;
  const ret = (r: unknown): number => {
    const n = Number(r);
    return n < 0 ? -koffi.errno() : n;
  };

  return {
    kind: 'koffi',
    bpf: (cmd, attr, size) => ret(sysBpf(bpfNr, cmd, attr, size)),
    bpfAt: (cmd, attrAddress, size) => {
      const r = sysBpfAt(bpfNr, cmd, attrAddress, size) as number;
      return r < 0 ? -koffi.errno() : r;
    },
    bpfAsync: (cmd, attr, size) => asyncCall(sysBpf, koffi, [bpfNr, cmd, attr, size]),
    perfEventOpen: (attr, pid, cpu, groupFd, flags) =>
      ret(sysPerf(nr.perfEventOpen, attr, pid, cpu, groupFd, flags)),
    ioctl: (fd, request, arg) => ret(ioctl(fd, request, BigInt(arg))),
    close: (fd) => ret(close(fd)),
    dupCloexec: (fd, minFd) => ret(fcntl(fd, F_DUPFD_CLOEXEC, minFd)),
    read: (fd, buf) => ret(read(fd, buf, buf.byteLength)),
    write: (fd, buf) => ret(write(fd, buf, buf.byteLength)),
    eventfd: (initval, flags) => ret(eventfd(initval, flags)),
    mmap: (length, prot, flags, fd, offset) => {
      const p = mmap(null, length, prot, flags, fd, offset);
      const addr = typeof p === 'bigint' ? p : koffi.address(p);
      return addr === MAP_FAILED ? -BigInt(koffi.errno()) : addr;
    },
    munmap: (addr, length) => ret(munmap(addr, length)),
    memoryView: (addr, length) => koffi.view(addr, length),
    addressOf: (buf) => koffi.address(buf),
    epollEventSize,
    epollCreate: () => ret(epollCreate1(EPOLL_CLOEXEC)),
    epollCtl: (epfd, op, fd, events, data) => {
      const ev = new Uint8Array(new ArrayBuffer(16));
      const dv = new DataView(ev.buffer);
      dv.setUint32(0, events, LE);
      dv.setBigUint64(epollEventSize === 12 ? 4 : 8, BigInt(data), LE);
      return ret(epollCtl(epfd, op, fd, ev));
    },
    epollWait: (epfd, events, maxEvents, timeoutMs) => ret(epollWait(epfd, events, maxEvents, timeoutMs)),
    epollWaitAsync: (epfd, events, maxEvents, timeoutMs) =>
      asyncCall(epollWait, koffi, [epfd, events, maxEvents, timeoutMs]),
    getrlimit: (resource): Rlimit | number => {
      const buf = new Uint8Array(new ArrayBuffer(16));
      const r = ret(getrlimit(resource, buf));
      if (r < 0) return r;
      const dv = new DataView(buf.buffer);
      return { cur: dv.getBigUint64(0, LE), max: dv.getBigUint64(8, LE) };
    },
    setrlimit: (resource, limit) => {
      const buf = new Uint8Array(new ArrayBuffer(16));
      const dv = new DataView(buf.buffer);
      dv.setBigUint64(0, limit.cur, LE);
      dv.setBigUint64(8, limit.max, LE);
      return ret(setrlimit(resource, buf));
    },
    uname: (): Utsname => {
      const buf = new Uint8Array(new ArrayBuffer(65 * 6));
      if (ret(uname(buf)) < 0) throw new Error('uname failed');
      const field = (i: number): string => {
        const s = buf.subarray(i * 65, i * 65 + 65);
        const end = s.indexOf(0);
        return new TextDecoder().decode(s.subarray(0, end < 0 ? 65 : end));
      };
      return {
        sysname: field(0),
        nodename: field(1),
        release: field(2),
        version: field(3),
        machine: field(4),
      };
    },
  };
}
