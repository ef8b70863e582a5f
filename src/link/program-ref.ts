/**
 * What the link layer needs from a loaded program: its descriptor, its type and (for tracing, LSM, iter and
 * cgroup programs) the attach type it was loaded with. `Program` from `ebpf-ts` satisfies this shape; so
 * does any object carrying an open program `FD`.
 */
import { EbpfError } from '../errors.js';
import type { FD } from '../syscall/fd.js';

/** A loaded program as the link layer sees it. */
export interface LinkProgram {
  /** The program's descriptor (not taken over: links hold their own duplicate). */
  readonly fd: FD;
  /** `BPF_PROG_TYPE_*`. */
  readonly type: number;
  /** The `expected_attach_type` the program was loaded with, when known. */
  readonly attachType?: number | undefined;
  /** The program's name, for messages. */
  readonly name?: string | undefined;
}

/** `program "name"` (or `program`) for error messages. */
export function programLabel(program: LinkProgram): string {
  return program.name ? `program ${JSON.stringify(program.name)}` : 'program';
}

/** The raw descriptor of `program`, or a clear error when it was closed. */
export function programRawFd(program: LinkProgram): number {
  if (!program.fd.isOpen) throw new EbpfError(`${programLabel(program)}: closed`, 'ECLOSED');
  return program.fd.raw;
}

/** Checks that `program` has one of the `expected` types (names for the message). */
export function requireProgramType(program: LinkProgram, op: string, expected: Record<string, number>): void {
  if (Object.values(expected).includes(program.type)) return;
  throw new EbpfError(
    `${op}: ${programLabel(program)} has type ${program.type}, expected ${Object.entries(expected)
      .map(([n, v]) => `${n} (${v})`)
      .join(' or ')}`,
    'EINVAL',
  );
}
