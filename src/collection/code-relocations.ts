/**
 * Applying an object's code relocations (`.rel<section>`) to its decoded instructions. Each relocated
 * instruction gets a `reference` by name plus the pseudo source register the kernel expects:
 * - ld_imm64 of a `.maps`/`maps` symbol → `PSEUDO_MAP_FD` of that map;
 * - ld_imm64 into a data section → `PSEUDO_MAP_VALUE` of the section's map, offset in the upper half;
 * - call into a code section → bpf-to-bpf call of the function found by symbol (or, for section
 *   symbols, by the offset encoded in the instruction); ld_imm64 of a function → `PSEUDO_FUNC` callback;
 * - externs: `__kconfig` → `PSEUDO_MAP_VALUE` into the `.kconfig` map, typed `__ksym` → `PSEUDO_BTF_ID`,
 *   typeless `__ksym` → a plain ld_imm64 filled with the address at load, kfunc call → `PSEUDO_KFUNC_CALL`.
 * Calls without a relocation (same-section calls from older compilers) are resolved by offset. Pure.
 */
import { PseudoCall, PseudoLoad } from '../asm/index.js';
import type { ElfRelocation, ElfSection, ElfSymbol } from '../elf/index.js';
import { STT } from '../elf/index.js';
import { type CodeSection, instructionIndexAt, type ObjectFunction } from './code-sections.js';
import { ElfObject } from './elf-object.js';
import { type ExternTable, KCONFIG_SECTION } from './externs.js';
import type { ObjectInstruction } from './object-instruction.js';

/** What relocations are resolved against. */
export interface RelocationContext {
  readonly obj: ElfObject;
  /** Decoded code sections by section index. */
  readonly code: ReadonlyMap<number, CodeSection>;
  readonly externs: ExternTable;
}

const INSN = 8;

function functionAt(
  ctx: RelocationContext,
  sectionIndex: number,
  offset: number,
): ObjectFunction | undefined {
  return ctx.code.get(sectionIndex)?.functions.find((f) => f.offset === offset);
}

interface Site {
  rel: { section: ElfSection; symbols: readonly ElfSymbol[] };
  entry: ElfRelocation;
  at: number;
  insn: ObjectInstruction;
  sym: ElfSymbol;
}

function fail(ctx: RelocationContext, site: Site, detail: string): Error {
  const name = site.sym.name === '' ? `symbol ${site.sym.index}` : JSON.stringify(site.sym.name);
  return ctx.obj.error(
    site.rel.section,
    site.at,
    `relocation at offset ${site.entry.offset} against ${name}: ${detail}`,
  );
}

function relocateExtern(ctx: RelocationContext, site: Site): void {
  const { insn, sym } = site;
  const ext = ctx.externs.externs.get(sym.name);
  if (ext === undefined) throw fail(ctx, site, 'extern without a __kconfig/__ksym declaration in BTF');
  if (ext.kind === 'kfunc' && insn.isCall) {
    insn.src = PseudoCall.KFUNC_CALL;
    insn.offset = 0;
    insn.constant = 0n;
    insn.reference = ext.name;
    return;
  }
  if (!insn.isLoadImm64) throw fail(ctx, site, 'extern referenced by an instruction that is not ld_imm64');
  insn.reference = ext.name;
  if (ext.kind === 'kconfig') {
    const offset = ext.offset + insn.imm;
    if (offset < 0 || offset >= ext.offset + Math.max(1, ext.size))
      throw fail(ctx, site, `offset ${insn.imm} outside the extern`);
    insn.src = PseudoLoad.MAP_VALUE;
    insn.reference = KCONFIG_SECTION;
    insn.constant = BigInt(offset) << 32n;
    return;
  }
  insn.src = ext.kind === 'kfunc' || ext.typed ? PseudoLoad.BTF_ID : PseudoLoad.NONE;
  insn.constant = 0n;
}

function mapName(ctx: RelocationContext, site: Site, section: ElfSection): string {
  const { insn, sym } = site;
  if (!insn.isLoadImm64) throw fail(ctx, site, 'map referenced by an instruction that is not ld_imm64');
  if (!ElfObject.isSectionSymbol(sym) && sym.name !== '') {
    if (insn.imm !== 0) throw fail(ctx, site, `map reference with offset ${insn.imm}`);
    return sym.name;
  }
  const offset = sym.value + BigInt(insn.imm);
  const named = ctx.obj.namedSymbolAt(section.index, offset, [STT.OBJECT, STT.NOTYPE]);
  if (named === undefined)
    throw fail(ctx, site, `no map at offset ${offset} of ${JSON.stringify(section.name)}`);
  return named.name;
}

function relocateCode(ctx: RelocationContext, site: Site, section: ElfSection): void {
  const { insn, sym } = site;
  if (insn.isCall) {
    if (insn.src !== PseudoCall.CALL)
      throw fail(ctx, site, `call with source register ${insn.src} is not a bpf-to-bpf call`);
    let target: ObjectFunction | undefined;
    if (sym.type === STT.FUNC && sym.name !== '') {
      target = functionAt(ctx, section.index, Number(sym.value));
      if (target?.name !== sym.name) target = undefined;
    } else {
      target = functionAt(ctx, section.index, Number(sym.value) + (insn.imm + 1) * INSN);
    }
    if (target === undefined)
      throw fail(ctx, site, `no function starts at the call target in ${JSON.stringify(section.name)}`);
    insn.reference = target.name;
    return;
  }
  if (insn.isLoadImm64 && (insn.src === PseudoLoad.NONE || insn.src === PseudoLoad.FUNC)) {
    const offset = Number(sym.value) + insn.imm;
    const target = functionAt(ctx, section.index, offset);
    if (target === undefined)
      throw fail(ctx, site, `no function at offset ${offset} of ${JSON.stringify(section.name)}`);
    insn.src = PseudoLoad.FUNC;
    insn.constant = 0n;
    insn.reference = target.name;
    return;
  }
  throw fail(ctx, site, 'code reference by an instruction that is neither a call nor ld_imm64');
}

function relocateData(ctx: RelocationContext, site: Site, section: ElfSection): void {
  const { insn, sym } = site;
  if (!insn.isLoadImm64 || insn.src !== PseudoLoad.NONE)
    throw fail(ctx, site, 'global data referenced by an instruction that is not ld_imm64');
  const offset = sym.value + BigInt(insn.imm >>> 0);
  if (offset >= BigInt(Math.max(section.size, 1)))
    throw fail(ctx, site, `offset ${offset} outside ${JSON.stringify(section.name)} (${section.size} bytes)`);
  insn.src = PseudoLoad.MAP_VALUE;
  insn.constant = offset << 32n;
  insn.reference = section.name;
}

/** Applies the relocations of `code`. */
export function applyCodeRelocations(ctx: RelocationContext, code: CodeSection): void {
  const { obj } = ctx;
  for (const rel of obj.relocationsFor(code.section.index)) {
    rel.entries.forEach((entry, i) => {
      const at = i * (rel.section.entsize || 16);
      const offset = Number(entry.offset);
      const index = instructionIndexAt(obj, code, offset, `relocation ${i} of ${rel.section.name}`);
      const insn = code.instructions[index] as ObjectInstruction;
      const sym = obj.relocationSymbol(rel, entry, at);
      const site: Site = { rel, entry, at, insn, sym };
      if (insn.reference !== undefined) throw fail(ctx, site, 'instruction relocated twice');
      if (ElfObject.isUndefined(sym)) {
        relocateExtern(ctx, site);
        return;
      }
      const section = sym.sectionIndex === undefined ? undefined : obj.sections[sym.sectionIndex];
      const kind = section === undefined ? 'other' : obj.kindOf(section);
      if (section === undefined) throw fail(ctx, site, 'symbol is not defined in a section');
      switch (kind) {
        case 'program':
        case 'text':
          relocateCode(ctx, site, section);
          return;
        case 'btf-maps':
        case 'legacy-maps':
          insn.reference = mapName(ctx, site, section);
          insn.src = PseudoLoad.MAP_FD;
          insn.constant = 0n;
          return;
        case 'data':
          relocateData(ctx, site, section);
          return;
        default:
          throw fail(ctx, site, `symbol in unsupported section ${JSON.stringify(section.name)}`);
      }
    });
  }
}

/** Gives same-section calls and callbacks that had no relocation a reference, found by offset. */
export function resolveLocalCalls(ctx: RelocationContext, code: CodeSection): void {
  let raw = 0;
  for (const insn of code.instructions) {
    const here = raw;
    raw += insn.rawSize;
    const local = (insn.isFunctionCall || insn.isFunctionReference) && insn.reference === undefined;
    if (!local) continue;
    const target = functionAt(ctx, code.section.index, (here + 1 + insn.imm) * INSN);
    if (target === undefined) {
      throw ctx.obj.error(
        code.section,
        here * INSN,
        `call at offset ${here * INSN} does not target the start of a function`,
      );
    }
    insn.reference = target.name;
  }
}
