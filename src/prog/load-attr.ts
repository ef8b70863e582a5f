/**
 * Building the `BPF_PROG_LOAD` attr from a `ProgramSpec`: bytecode (labels resolved, host byte order),
 * sanitised name, license, attach target, BTF func/line info and the fd array. The log fields are set per
 * attempt by `load-attempts.ts`.
 */
import { assemble, PseudoLoad } from '../asm/index.js';
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { Attr, offHeapCopy } from '../syscall/attr.js';
import { ProgLoadAttr } from '../syscall/attr-layouts.js';
import { allocAttr } from '../syscall/backend.js';
import type { KernelContext } from '../syscall/context.js';
import { ProgramType } from '../syscall/uapi-enums.js';
import { kernelVersionCode, runningKernelRelease } from './kernel-release.js';
import { kernelObjectName } from './object-name.js';
import type { ProgramCode, ProgramSpec } from './program-spec.js';

/** Bytes per instruction slot. */
export const INSTRUCTION_SLOT_SIZE = 8;
/** The kernel's hard limit on instructions per program (`BPF_COMPLEXITY_LIMIT_INSNS`). */
export const MAX_INSTRUCTIONS = 1_000_000;

function invalid(detail: string): EbpfError {
  return new EbpfError(detail, 'EINVAL');
}

/**
 * The spec's code as bytecode. Instruction lists get their jump labels resolved; a map load that still
 * names its map (fd 0) is rejected, since only the collection loader knows the map.
 */
export function encodeProgramCode(code: ProgramCode): Uint8Array {
  if (code instanceof Uint8Array) {
    if (code.byteLength % INSTRUCTION_SLOT_SIZE !== 0)
      throw invalid(`bytecode length ${code.byteLength} is not a multiple of ${INSTRUCTION_SLOT_SIZE}`);
    return code;
  }
  code.forEach((insn, i) => {
    const byFd = insn.src === PseudoLoad.MAP_FD || insn.src === PseudoLoad.MAP_VALUE;
    if (insn.isMapLoad && byFd && insn.reference !== undefined && (insn.constant & 0xffffffffn) === 0n)
      throw invalid(`instruction ${i}: map "${insn.reference}" has no fd (load maps through a collection)`);
  });
  try {
    return assemble(code, hostByteOrder);
  } catch (e) {
    throw e instanceof EbpfError ? e.withContext('assemble') : e;
  }
}

/** Writes `values` as an off-heap u32 array (for `fd_array`). */
function u32Array(values: readonly number[]): Uint8Array {
  const out = allocAttr(values.length * 4);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    dv.setUint32(i * 4, v >>> 0, hostByteOrder === 'little');
  });
  return out;
}

function infoRecords(bytes: Uint8Array | undefined, recSize: number | undefined, kind: string) {
  if (bytes === undefined || bytes.byteLength === 0) return undefined;
  if (recSize === undefined || recSize <= 0 || bytes.byteLength % recSize !== 0)
    throw invalid(
      `${kind} info: ${bytes.byteLength} bytes is not a whole number of ${recSize ?? '?'}-byte records`,
    );
  return { buf: offHeapCopy(bytes), count: bytes.byteLength / recSize, recSize };
}

/** A `BPF_PROG_LOAD` attr for `spec` without log settings. Throws EbpfError(EINVAL) for malformed specs. */
export function buildLoadAttr(ctx: KernelContext, spec: ProgramSpec): Attr {
  const code = encodeProgramCode(spec.instructions);
  const count = code.byteLength / INSTRUCTION_SLOT_SIZE;
  if (count === 0) throw invalid('program has no instructions');
  if (count > MAX_INSTRUCTIONS)
    throw invalid(`${count} instructions exceed the kernel limit of ${MAX_INSTRUCTIONS}`);
  if (spec.attachProgFd !== undefined && spec.attachBtfObjFd !== undefined)
    throw invalid('attachProgFd and attachBtfObjFd are exclusive');

  const a = new Attr(ProgLoadAttr.SIZE, ctx.backend)
    .u32(ProgLoadAttr.prog_type, spec.type)
    .u32(ProgLoadAttr.insn_cnt, count)
    .ptr(ProgLoadAttr.insns, offHeapCopy(code))
    .cstringPtr(ProgLoadAttr.license, spec.license)
    .u32(ProgLoadAttr.prog_flags, spec.flags)
    .fixedString(ProgLoadAttr.prog_name, 16, kernelObjectName(spec.name))
    .u32(ProgLoadAttr.expected_attach_type, spec.attachType ?? 0)
    .u32(ProgLoadAttr.prog_ifindex, spec.ifindex ?? 0)
    .u32(ProgLoadAttr.attach_btf_id, spec.attachBtfId ?? 0);

  let kernVersion = spec.kernelVersion;
  if (kernVersion === undefined && spec.type === ProgramType.KPROBE) {
    const release = runningKernelRelease(ctx);
    kernVersion = release ? kernelVersionCode(release) : 0;
  }
  a.u32(ProgLoadAttr.kern_version, kernVersion ?? 0);

  if (spec.attachProgFd !== undefined) a.u32(ProgLoadAttr.attach_prog_fd, spec.attachProgFd);
  if (spec.attachBtfObjFd !== undefined) a.u32(ProgLoadAttr.attach_btf_obj_fd, spec.attachBtfObjFd);

  const func = infoRecords(spec.funcInfo, spec.funcInfoRecSize, 'func');
  const line = infoRecords(spec.lineInfo, spec.lineInfoRecSize, 'line');
  if ((func || line) && spec.btfFd === undefined) throw invalid('func/line info needs btfFd');
  if (spec.btfFd !== undefined) a.u32(ProgLoadAttr.prog_btf_fd, spec.btfFd);
  if (func) {
    a.ptr(ProgLoadAttr.func_info, func.buf)
      .u32(ProgLoadAttr.func_info_cnt, func.count)
      .u32(ProgLoadAttr.func_info_rec_size, func.recSize);
  }
  if (line) {
    a.ptr(ProgLoadAttr.line_info, line.buf)
      .u32(ProgLoadAttr.line_info_cnt, line.count)
      .u32(ProgLoadAttr.line_info_rec_size, line.recSize);
  }
  if (spec.fdArray && spec.fdArray.length > 0) a.ptr(ProgLoadAttr.fd_array, u32Array(spec.fdArray));
  return a;
}
