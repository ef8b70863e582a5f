/**
 * Fixing up an object's BTF the way libbpf does before it is used: clang leaves DATASEC sizes and the
 * offsets of global variables at 0, so they are filled in from the ELF sections and symbols (and sorted
 * by offset); `.kconfig` gets the layout of the `.kconfig` map; extern variables and functions, which the
 * kernel refuses, get replacements (allocated variables, global functions with named parameters). The
 * original `Spec` is not modified: the result maps each original type to the type that takes its place
 * (and its ID) when the BTF is marshalled for the kernel. Pure.
 */
import {
  Datasec,
  DeclTag,
  Func,
  FuncLinkage,
  FuncParam,
  FuncProto,
  Int,
  IntEncoding,
  Kind,
  type Spec,
  type Type,
  Var,
  VarLinkage,
  VarSecinfo,
} from '../btf/index.js';
import { STT, STV } from '../elf/index.js';
import { ParseError } from '../errors.js';
import type { ElfObject } from './elf-object.js';
import { type ExternTable, KCONFIG_SECTION, KSYMS_SECTION } from './externs.js';

/** The result of `fixupBtf`. */
export interface BtfFixups {
  /** Original type → the type marshalled in its place (same ID) for the kernel. */
  readonly replacements: ReadonlyMap<Type, Type>;
  /** DATASECs with real sizes and offsets, by section name (variables sorted by offset). */
  readonly datasecs: ReadonlyMap<string, Datasec>;
}

const KSYM_SLOT = 4;

function namedProto(proto: Type): Type {
  if (
    proto.kind !== 'funcProto' ||
    proto.params.every((p, i) => p.name !== '' || (i === proto.params.length - 1 && p.type.kind === 'void'))
  )
    return proto;
  return new FuncProto(
    proto.type,
    proto.params.map(
      (p, i) => new FuncParam(p.name === '' && p.type.kind !== 'void' ? `arg${i}` : p.name, p.type),
    ),
  );
}

/** Computes the fixed DATASECs and the kernel replacements of `btf` (the object's `.BTF`). */
export function fixupBtf(obj: ElfObject, btf: Spec, externs: ExternTable): BtfFixups {
  const replacements = new Map<Type, Type>();
  const datasecs = new Map<string, Datasec>();
  const int = new Int('int', 4, IntEncoding.Signed);
  const ids: { datasec: number[]; tags: number[] } = { datasec: [], tags: [] };
  for (let id = btf.firstID; id < btf.nextID; id++) {
    const kind = btf.kindOfID(id);
    if (kind === Kind.Datasec) ids.datasec.push(id);
    else if (kind === Kind.DeclTag) ids.tags.push(id);
    else if (kind === Kind.Var) {
      const v = btf.typeByID(id) as Var;
      if (v.linkage === VarLinkage.Extern) {
        const typeless = v.type.kind === 'void' || externs.externs.get(v.name)?.kind === 'ksym';
        replacements.set(v, new Var(v.name, typeless ? int : v.type, VarLinkage.Global));
      }
    } else if (kind === Kind.Func) {
      const f = btf.typeByID(id) as Func;
      if (f.linkage === FuncLinkage.Extern)
        replacements.set(f, new Func(f.name, namedProto(f.type), FuncLinkage.Global));
    }
  }
  const varOf = (t: Type): Var => {
    const r = replacements.get(t) ?? t;
    if (r.kind !== 'var')
      throw new ParseError('.BTF', 0, `DATASEC entry ${JSON.stringify(t.name)} is a ${t.kind}`);
    return r;
  };
  for (const id of ids.datasec) {
    const sec = btf.typeByID(id) as Datasec;
    let fixed: Datasec;
    if (sec.name === KCONFIG_SECTION) {
      fixed = new Datasec(
        sec.name,
        externs.kconfigSize,
        sec.vars.map((vs) => {
          const ext = externs.externs.get(vs.type.name);
          if (ext?.kind !== 'kconfig') return new VarSecinfo(varOf(vs.type), 0, vs.size);
          return new VarSecinfo(varOf(vs.type), ext.offset, ext.size);
        }),
      );
    } else if (sec.name === KSYMS_SECTION) {
      fixed = new Datasec(
        sec.name,
        sec.vars.length * KSYM_SLOT,
        sec.vars.map((vs, i) => {
          const t = vs.type;
          const v = t.kind === 'func' ? new Var(t.name, int, VarLinkage.Global) : varOf(t);
          return new VarSecinfo(v, i * KSYM_SLOT, KSYM_SLOT);
        }),
      );
    } else {
      const section = obj.elf.sectionByName(sec.name);
      if (section === undefined) continue;
      const symbols = obj.symbolsIn(section.index);
      const vars = sec.vars.map((vs) => {
        const v = varOf(vs.type);
        let offset = vs.offset;
        let linkage = v.linkage;
        if (v.linkage !== VarLinkage.Static) {
          const sym = symbols.find(
            (s) => s.name === v.name && (s.type === STT.OBJECT || s.type === STT.NOTYPE),
          );
          if (sym === undefined) {
            throw new ParseError(
              '.BTF',
              0,
              `variable ${JSON.stringify(v.name)} of DATASEC ${JSON.stringify(sec.name)} has no ELF symbol`,
            );
          }
          offset = Number(sym.value);
          if (sym.visibility === STV.HIDDEN || sym.visibility === STV.INTERNAL) linkage = VarLinkage.Static;
        }
        if (!Number.isSafeInteger(offset) || offset + vs.size > section.size) {
          throw new ParseError(
            '.BTF',
            0,
            `variable ${JSON.stringify(v.name)} (${vs.size} bytes at ${offset}) lies outside section ${JSON.stringify(sec.name)} (${section.size} bytes)`,
          );
        }
        const target = linkage === v.linkage ? v : new Var(v.name, v.type, linkage);
        if (target !== v) replacements.set(vs.type, target);
        return new VarSecinfo(target, offset, vs.size);
      });
      vars.sort((a, b) => a.offset - b.offset);
      fixed = new Datasec(sec.name, section.size, vars);
    }
    replacements.set(sec, fixed);
    datasecs.set(sec.name, fixed);
  }
  for (const id of ids.tags) {
    const tag = btf.typeByID(id) as DeclTag;
    const target = replacements.get(tag.type);
    if (target !== undefined)
      replacements.set(tag, new DeclTag(tag.name, target, tag.componentIdx, tag.attribute));
  }
  return { replacements, datasecs };
}
