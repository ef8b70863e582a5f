/**
 * `Attr`: a zeroed, off-heap buffer for one `bpf_attr` (or any kernel struct we pass by pointer) with typed
 * field setters in host byte order. Pointers to other buffers are written as u64 addresses.
 */
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { allocAttr, type SyscallBackend } from './backend.js';

const LE = hostByteOrder === 'little';
const encoder = new TextEncoder();

/** A kernel struct being built for a syscall. */
export class Attr {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly #backend: SyscallBackend;
  /** Buffers whose addresses were written into this attr; held so they outlive the syscall. */
  readonly #keep: Uint8Array[] = [];

  constructor(size: number, backend: SyscallBackend) {
    this.bytes = allocAttr(size);
    this.view = new DataView(this.bytes.buffer);
    this.#backend = backend;
  }

  get size(): number {
    return this.bytes.byteLength;
  }

  u32(offset: number, v: number): this {
    this.view.setUint32(offset, v >>> 0, LE);
    return this;
  }
  i32(offset: number, v: number): this {
    this.view.setInt32(offset, v | 0, LE);
    return this;
  }
  u64(offset: number, v: bigint | number): this {
    this.view.setBigUint64(offset, BigInt.asUintN(64, BigInt(v)), LE);
    return this;
  }
  getU32(offset: number): number {
    return this.view.getUint32(offset, LE);
  }
  getU64(offset: number): bigint {
    return this.view.getBigUint64(offset, LE);
  }

  /** Writes the address of `buf` (must be off-heap, see `allocAttr`) at `offset`; null/empty writes 0. */
  ptr(offset: number, buf: Uint8Array | undefined | null): this {
    if (!buf || buf.byteLength === 0) return this.u64(offset, 0n);
    this.#keep.push(buf);
    return this.u64(offset, this.#backend.addressOf(buf));
  }

  /** Writes a NUL-terminated C string into a fresh off-heap buffer and its address at `offset`. */
  cstringPtr(offset: number, s: string): this {
    return this.ptr(offset, cstring(s));
  }

  /** Writes `s` into a fixed `char[len]` field (truncated to len-1 bytes, NUL-terminated). */
  fixedString(offset: number, len: number, s: string): this {
    const b = encoder.encode(s);
    this.bytes.fill(0, offset, offset + len);
    this.bytes.set(b.subarray(0, len - 1), offset);
    return this;
  }
}

/** A NUL-terminated UTF-8 copy of `s` in off-heap memory. Rejects embedded NULs. */
export function cstring(s: string): Uint8Array {
  if (s.includes('\0')) throw new EbpfError(`string contains NUL: ${JSON.stringify(s)}`, 'EINVAL');
  const b = encoder.encode(s);
  const out = allocAttr(b.byteLength + 1);
  out.set(b);
  return out;
}

/** A copy of `data` in off-heap memory (for buffers whose address the kernel will read). */
export function offHeapCopy(data: Uint8Array): Uint8Array {
  const out = allocAttr(data.byteLength);
  out.set(data);
  return out;
}
