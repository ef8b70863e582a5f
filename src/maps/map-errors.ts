/**
 * Errors raised by map operations, with the map named first (`map "events": create: EPERM: ...`) and a hint
 * where the errno alone is cryptic.
 */
import { ClosedError, type EbpfError, KeyNotFoundError, SyscallError } from '../errors.js';
import { MapFlags, MapType } from '../syscall/uapi-enums.js';
import { mapTypeName } from './map-spec.js';

/** errno values that appear in map code. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
  EOPNOTSUPP: 95,
  ENOTSUPP: 524,
} as const;

/** `map "name"` (or `map` when unnamed): the prefix of every map error message. */
export function mapLabel(name: string): string {
  return name ? `map "${name}"` : 'map';
}

/** A hint for a failed BPF_MAP_CREATE, or undefined. */
export function createHint(type: number, flags: number, errno: number): string | undefined {
  switch (errno) {
    case Errno.EPERM:
      return 'creating maps needs CAP_BPF (or CAP_SYS_ADMIN) and, before kernel 5.11, enough RLIMIT_MEMLOCK';
    case Errno.E2BIG:
      return 'key, value or max_entries exceeds what the kernel allows for this map type';
    case Errno.ENOMEM:
      return 'not enough memory for max_entries (or memory cgroup limit reached)';
    case Errno.EINVAL:
      if (type === MapType.LPM_TRIE && (flags & MapFlags.NO_PREALLOC) === 0)
        return 'LPM_TRIE maps require flags BPF_F_NO_PREALLOC';
      if (type === MapType.RINGBUF || type === MapType.USER_RINGBUF)
        return 'ring buffers need key and value size 0 and max_entries a power-of-2 multiple of the page size';
      if (type === MapType.QUEUE || type === MapType.STACK || type === MapType.BLOOM_FILTER)
        return `${mapTypeName(type)} maps need key size 0 and a non-zero value size`;
      return `invalid parameters for ${mapTypeName(type)}: check key/value sizes, max_entries and flags (or the kernel lacks this map type)`;
    case Errno.EOPNOTSUPP:
    case Errno.ENOTSUPP:
      return `the kernel does not support ${mapTypeName(type)} maps or these flags`;
    default:
      return undefined;
  }
}

/** A hint for a failed element operation, or undefined. */
function elementHint(errno: number, op: string): string | undefined {
  switch (errno) {
    case Errno.EPERM:
      return 'the map is frozen or read-only for user space';
    case Errno.E2BIG:
      return 'the map is full (max_entries reached)';
    case Errno.EEXIST:
      return 'the key already exists (BPF_NOEXIST)';
    case Errno.EINVAL:
      return op === 'delete'
        ? 'this map type does not support delete'
        : 'invalid key, value or flags for this map type';
    case Errno.EOPNOTSUPP:
    case Errno.ENOTSUPP:
      return `this map type does not support ${op} from user space`;
    default:
      return undefined;
  }
}

/**
 * The error for an element operation that returned `r` (negative errno): `ClosedError` when the map is
 * closed, `KeyNotFoundError` for ENOENT, otherwise a `SyscallError` with a hint.
 */
export function elementError(label: string, op: string, r: number, closed: boolean): EbpfError {
  if (closed) return new ClosedError(label);
  const errno = -r;
  if (errno === Errno.ENOENT) return new KeyNotFoundError(`${label}: ${op}`);
  return new SyscallError(`${label}: ${op}`, errno, elementHint(errno, op));
}
