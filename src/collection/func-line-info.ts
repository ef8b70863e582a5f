/**
 * `bpf_func_info` and `bpf_line_info` records of a linked program, built from its instructions: a FUNC
 * record at every function start (instructions carrying a `symbol` with a BTF FUNC), a line record for
 * every instruction with a source line. The kernel insists that every function has a FUNC record and
 * starts with a line record; when that cannot be met the records are left out (the program then loads
 * without them, as it would without BTF).
 */
import { type Instruction, iterateInstructions } from '../asm/index.js';
import type { Func } from '../btf/index.js';
import { ByteWriter, hostByteOrder } from '../internal/bytes.js';
import type { ObjectBtf } from './object-btf.js';

/** Size of `struct bpf_func_info`. */
export const FUNC_INFO_SIZE = 8;
/** Size of `struct bpf_line_info`. */
export const LINE_INFO_SIZE = 16;

/** Encoded records (host byte order), each undefined when left out. */
export interface FuncLineInfo {
  readonly funcInfo: Uint8Array | undefined;
  readonly lineInfo: Uint8Array | undefined;
}

/** Builds the func and line info of `insns`. */
export function funcLineInfo(
  insns: readonly Instruction[],
  funcTypes: ReadonlyMap<string, Func>,
  btf: ObjectBtf,
): FuncLineInfo {
  const funcs = new ByteWriter(hostByteOrder);
  const lines = new ByteWriter(hostByteOrder);
  const starts = new Set<number>();
  const lineAt = new Set<number>();
  let funcOk = insns[0]?.symbol !== undefined;
  for (const { rawOffset, instruction } of iterateInstructions(insns)) {
    if (instruction.symbol !== undefined) {
      starts.add(rawOffset);
      const f = funcTypes.get(instruction.symbol);
      const id = f === undefined ? undefined : btf.typeId(f);
      if (id === undefined) funcOk = false;
      else funcs.u32(rawOffset).u32(id);
    }
    const src = instruction.source;
    if (src?.fileName === undefined || src.text === undefined || src.line === undefined) continue;
    const file = btf.stringOffset(src.fileName);
    const text = btf.stringOffset(src.text);
    if (file === undefined || text === undefined) continue;
    lines
      .u32(rawOffset)
      .u32(file)
      .u32(text)
      .u32(((src.line << 10) | ((src.column ?? 0) & 0x3ff)) >>> 0);
    lineAt.add(rawOffset);
  }
  if (!funcOk) return { funcInfo: undefined, lineInfo: undefined };
  const linesOk = lines.length > 0 && [...starts].every((s) => lineAt.has(s));
  return { funcInfo: funcs.finish(), lineInfo: linesOk ? lines.finish() : undefined };
}

/** The file names and source lines of `insns` (strings line info needs in the BTF). */
export function lineInfoStrings(insns: readonly Instruction[], into: Set<string>): void {
  for (const insn of insns) {
    const src = insn.source;
    if (src?.fileName !== undefined && src.text !== undefined) {
      into.add(src.fileName);
      into.add(src.text);
    }
  }
}
