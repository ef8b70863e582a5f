/**
 * Code sections of a BPF object: their instructions decoded once, split into functions at the `STT_FUNC`
 * symbols, with source lines (`.BTF.ext` line info) and CO-RE relocations attached to the instructions
 * they describe. Functions share their instruction objects with the section, so relocations applied by
 * section offset are seen by every function. Pure.
 */
import { decodeInstructions } from '../asm/index.js';
import type { ExtInfo } from '../btf/index.js';
import { type ElfSection, STB, STT, sectionLabel } from '../elf/index.js';
import { ParseError } from '../errors.js';
import type { ElfObject } from './elf-object.js';
import { ObjectInstruction } from './object-instruction.js';

/** One function (program or subprogram) of a code section. */
export interface ObjectFunction {
  readonly name: string;
  readonly section: ElfSection;
  /** Byte offset of its first instruction in the section. */
  readonly offset: number;
  /** True for global (and weak) symbols: the verifier checks global functions on their own. */
  readonly global: boolean;
  /** Its instructions; the first carries the function's name as `symbol`. */
  readonly instructions: ObjectInstruction[];
}

/** A decoded code section. */
export interface CodeSection {
  readonly section: ElfSection;
  readonly instructions: ObjectInstruction[];
  /** Index of the instruction starting at each raw offset (in 8-byte slots). */
  readonly indexByRawOffset: ReadonlyMap<number, number>;
  /** Functions sorted by offset. */
  readonly functions: ObjectFunction[];
}

const INSN = 8;

/** Decodes `section` and splits it into functions. */
export function readCodeSection(obj: ElfObject, section: ElfSection): CodeSection {
  const label = sectionLabel(section);
  const decoded = decodeInstructions(obj.data(section), obj.byteOrder, label, section.offset);
  const instructions = decoded.map((insn) => new ObjectInstruction(insn));
  const indexByRawOffset = new Map<number, number>();
  let raw = 0;
  instructions.forEach((insn, i) => {
    indexByRawOffset.set(raw, i);
    raw += insn.rawSize;
  });
  const indexAt = (byteOffset: number, what: string): number => {
    const i = byteOffset % INSN === 0 ? indexByRawOffset.get(byteOffset / INSN) : undefined;
    if (i === undefined && byteOffset === raw * INSN) return instructions.length;
    if (i === undefined)
      throw obj.error(section, byteOffset, `${what}: no instruction starts at offset ${byteOffset}`);
    return i;
  };

  const symbols = obj.symbolsIn(section.index).filter((s) => s.type === STT.FUNC);
  const functions: ObjectFunction[] = [];
  symbols.forEach((sym, n) => {
    const start = Number(sym.value);
    const next = symbols[n + 1];
    const limit = next === undefined ? section.size : Number(next.value);
    const end = sym.size > 0n ? start + Number(sym.size) : limit;
    if (!Number.isSafeInteger(end) || end > section.size || end > limit || end <= start) {
      throw obj.error(
        section,
        start,
        `function ${JSON.stringify(sym.name)} (${sym.size} bytes at ${sym.value}) overlaps another or the section end`,
      );
    }
    const first = indexAt(start, `function ${JSON.stringify(sym.name)}`);
    const last = indexAt(end, `end of function ${JSON.stringify(sym.name)}`);
    const body = instructions.slice(first, last);
    (body[0] as ObjectInstruction).symbol = sym.name;
    functions.push({
      name: sym.name,
      section,
      offset: start,
      global: sym.binding === STB.GLOBAL || sym.binding === STB.WEAK,
      instructions: body,
    });
  });
  const code: CodeSection = { section, instructions, indexByRawOffset, functions };
  return code;
}

/** The index of the instruction at byte `offset` of `code`, or a ParseError naming `what`. */
export function instructionIndexAt(obj: ElfObject, code: CodeSection, offset: number, what: string): number {
  const i =
    offset % INSN === 0 && Number.isSafeInteger(offset)
      ? code.indexByRawOffset.get(offset / INSN)
      : undefined;
  if (i === undefined)
    throw obj.error(
      code.section,
      Math.max(0, Math.min(offset, code.section.size)),
      `${what}: no instruction starts at offset ${offset}`,
    );
  return i;
}

/**
 * Attaches `.BTF.ext` line info (as `source`) and CO-RE relocations to the instructions of `code`.
 * Records are looked up by section name; a record pointing between instructions is a ParseError.
 */
export function attachExtInfo(obj: ElfObject, code: CodeSection, ext: ExtInfo): void {
  const name = code.section.name;
  if (obj.elf.sectionByName(name) !== code.section) return;
  const at = (insnOff: number, what: string): ObjectInstruction => {
    const i = insnOff % INSN === 0 ? code.indexByRawOffset.get(insnOff / INSN) : undefined;
    if (i === undefined) {
      throw new ParseError(
        '.BTF.ext',
        0,
        `${what} for section ${JSON.stringify(name)} at instruction offset ${insnOff}: no instruction starts there`,
      );
    }
    return code.instructions[i] as ObjectInstruction;
  };
  for (const line of ext.lineInfos.get(name) ?? []) {
    at(line.insnOff, 'line info').source = {
      fileName: line.fileName,
      line: line.lineNumber,
      column: line.column,
      text: line.line,
    };
  }
  for (const relo of ext.coreRelos.get(name) ?? []) {
    const insn = at(relo.insnOff, 'co-re relocation');
    if (insn.coreRelocation !== undefined) {
      throw new ParseError(
        '.BTF.ext',
        0,
        `two co-re relocations for the instruction at offset ${relo.insnOff} of section ${JSON.stringify(name)}`,
      );
    }
    insn.coreRelocation = relo;
  }
}
