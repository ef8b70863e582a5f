/**
 * ebpf-ts: a pure-TypeScript eBPF loader for Node.js.
 *
 * The root entry holds the core: errors, maps, programs, UAPI constants and the kernel context. Links, BTF,
 * ELF, instructions, readers, feature probes and rlimit live in sub-path entries (`ebpf-ts/link`,
 * `ebpf-ts/btf`, `ebpf-ts/elf`, `ebpf-ts/asm`, `ebpf-ts/ringbuf`, `ebpf-ts/perf`, `ebpf-ts/tracepipe`,
 * `ebpf-ts/features`, `ebpf-ts/rlimit`). Importing the package performs no I/O and loads no native code.
 */

export * from './collection/index.js';
export {
  ClosedError,
  EbpfError,
  type EbpfErrorOptions,
  isClosedError,
  isEbpfError,
  isKeyNotFoundError,
  isNotSupportedError,
  isParseError,
  isSyscallError,
  isVerifierError,
  KeyNotFoundError,
  NotSupportedError,
  ParseError,
  SyscallError,
  VerifierError,
} from './errors.js';
export type { ByteOrder } from './internal/bytes.js';
export * from './maps/index.js';
export * from './prog/index.js';
export type { Rlimit, SyscallBackend, Utsname } from './syscall/backend.js';
export { defaultContext, KernelContext, setDefaultContext } from './syscall/context.js';
export { FakeBackend } from './syscall/fake-backend.js';
export { FD } from './syscall/fd.js';
export type { OpenFdRecord } from './syscall/fd-tracker.js';
export { createKoffiBackend } from './syscall/koffi-backend.js';
export {
  AttachType,
  BpfCmd,
  LinkType,
  MapFlags,
  MapType,
  ProgramFlags,
  ProgramType,
  UpdateFlags,
} from './syscall/uapi-enums.js';
