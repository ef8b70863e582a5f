/**
 * A scriptable in-process backend for unit tests: no kernel involved. Handlers answer `bpf()` commands and
 * can read and write the buffers whose addresses appear inside attrs (`deref`). Every call is recorded.
 */
import type { Rlimit, SyscallBackend, Utsname } from './backend.js';

/** One recorded `bpf()` call, with a copy of the attr as passed. */
export interface FakeBpfCall {
  cmd: number;
  attr: Uint8Array;
  size: number;
}

/** Answers one bpf command: the attr as passed (live) and the backend (for `deref`). */
export type FakeBpfHandler = (attr: Uint8Array, backend: FakeBackend) => number;

const ENOSYS = 38;
const EBADF = 9;

/** The fake backend. Addresses are synthetic; `deref` maps them back to the registered buffers. */
export class FakeBackend implements SyscallBackend {
  readonly kind = 'fake';
  readonly epollEventSize = 12;
  readonly calls: FakeBpfCall[] = [];
  readonly closed: number[] = [];
  readonly handlers = new Map<number, FakeBpfHandler>();
  release = '6.18.0-fake';
  #nextFd = 100;
  readonly #open = new Set<number>();
  readonly #buffers = new Map<bigint, Uint8Array>();
  readonly #addresses = new WeakMap<ArrayBufferLike, bigint>();
  #nextAddr = 0x10000n;
  rlimits = new Map<number, Rlimit>();

  /** Installs a handler for a bpf command. */
  on(cmd: number, handler: FakeBpfHandler): this {
    this.handlers.set(cmd, handler);
    return this;
  }

  /** A fresh fake descriptor number, tracked as open. */
  newFd(): number {
    const fd = this.#nextFd++;
    this.#open.add(fd);
    return fd;
  }

  /** Descriptors handed out and not yet closed. */
  openFds(): number[] {
    return [...this.#open];
  }

  /** The bytes behind a synthetic address from `addressOf` (length `len` from that point). */
  deref(addr: bigint, len: number): Uint8Array {
    const exact = this.#buffers.get(addr);
    if (exact !== undefined && len <= exact.byteLength) return exact.subarray(0, len);
    for (const [base, buf] of this.#buffers) {
      if (addr >= base && addr + BigInt(len) <= base + BigInt(buf.byteLength)) {
        const off = Number(addr - base);
        return buf.subarray(off, off + len);
      }
    }
    throw new Error(`fake backend: no buffer at 0x${addr.toString(16)} (+${len})`);
  }

  bpf(cmd: number, attr: Uint8Array, size: number): number {
    this.calls.push({ cmd, attr: attr.slice(0, size), size });
    const h = this.handlers.get(cmd);
    return h ? h(attr, this) : -ENOSYS;
  }
  bpfAt(cmd: number, attrAddress: number | bigint, size: number): number {
    return this.bpf(cmd, this.deref(BigInt(attrAddress), size), size);
  }
  bpfAsync(cmd: number, attr: Uint8Array, size: number): Promise<number> {
    return Promise.resolve(this.bpf(cmd, attr, size));
  }
  perfEventOpen(): number {
    return -ENOSYS;
  }
  ioctl(): number {
    return 0;
  }
  close(fd: number): number {
    this.closed.push(fd);
    return this.#open.delete(fd) ? 0 : -EBADF;
  }
  dupCloexec(fd: number, minFd: number): number {
    if (!this.#open.has(fd) && fd > 2) return -EBADF;
    const n = Math.max(this.newFd(), minFd);
    this.#open.add(n);
    return n;
  }
  read(): number {
    return -ENOSYS;
  }
  write(_fd: number, buf: Uint8Array): number {
    return buf.byteLength;
  }
  eventfd(): number {
    return this.newFd();
  }
  mmap(): bigint {
    return -BigInt(ENOSYS);
  }
  munmap(): number {
    return 0;
  }
  memoryView(addr: bigint, length: number): ArrayBuffer {
    const b = this.deref(addr, length);
    return b.buffer.slice(b.byteOffset, b.byteOffset + length) as ArrayBuffer;
  }
  addressOf(buf: Uint8Array): bigint {
    let base = this.#addresses.get(buf.buffer);
    if (base === undefined) {
      base = this.#nextAddr;
      this.#nextAddr += BigInt(buf.buffer.byteLength + 4096);
      this.#addresses.set(buf.buffer, base);
      this.#buffers.set(base, new Uint8Array(buf.buffer));
    }
    return base + BigInt(buf.byteOffset);
  }
  epollCreate(): number {
    return this.newFd();
  }
  epollCtl(): number {
    return 0;
  }
  epollWait(): number {
    return 0;
  }
  epollWaitAsync(): Promise<number> {
    return Promise.resolve(0);
  }
  getrlimit(resource: number): Rlimit | number {
    return this.rlimits.get(resource) ?? { cur: 8n << 20n, max: 8n << 20n };
  }
  setrlimit(resource: number, limit: Rlimit): number {
    this.rlimits.set(resource, limit);
    return 0;
  }
  uname(): Utsname {
    return { sysname: 'Linux', nodename: 'fake', release: this.release, version: '#1', machine: 'x86_64' };
  }
}
