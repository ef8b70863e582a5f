/**
 * Mapping a BPF ring buffer into this process: the consumer page read-write at offset 0, and the producer
 * page plus the twice-mapped data area read-only at offset one page (the kernel refuses writable mappings
 * of the producer side).
 */
import { SyscallError } from '../errors.js';
import type { SyscallBackend } from '../syscall/backend.js';
import type { RingMemory } from './ring-consumer.js';

const PROT_READ = 1;
const PROT_WRITE = 2;
const MAP_SHARED = 1;

/** A mapped ring: the views a `RingConsumer` needs, and `unmap()` to release them. */
export interface RingMapping {
  memory: RingMemory;
  /** Unmaps both regions. Idempotent. Views obtained before must not be touched afterwards. */
  unmap(): void;
}

/** Maps the ring buffer behind `fd` whose data area is `size` bytes, with pages of `pageSize` bytes. */
export function mapRing(backend: SyscallBackend, fd: number, size: number, pageSize: number): RingMapping {
  const consumerAddr = backend.mmap(pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (consumerAddr < 0n) throw new SyscallError('ringbuf: mmap consumer page', Number(-consumerAddr));
  const producerLength = pageSize + 2 * size;
  const producerAddr = backend.mmap(producerLength, PROT_READ, MAP_SHARED, fd, pageSize);
  if (producerAddr < 0n) {
    backend.munmap(consumerAddr, pageSize);
    throw new SyscallError('ringbuf: mmap producer pages', Number(-producerAddr));
  }
  const consumer = backend.memoryView(consumerAddr, pageSize);
  const producer = backend.memoryView(producerAddr, producerLength);
  let mapped = true;
  return {
    memory: {
      consumerPos: new BigUint64Array(consumer, 0, 1),
      producerPos: new BigUint64Array(producer, 0, 1),
      data: new Uint8Array(producer, pageSize, 2 * size),
      size,
    },
    unmap() {
      if (!mapped) return;
      mapped = false;
      backend.munmap(producerAddr, producerLength);
      backend.munmap(consumerAddr, pageSize);
    },
  };
}
