/**
 * Extern symbols of a BPF object, described by the object's BTF: `__kconfig` variables (DATASEC
 * `.kconfig`, filled from the kernel configuration at load), `__ksym` variables (DATASEC `.ksyms`: typed
 * ones resolve to a kernel BTF id, typeless `void` ones to an address from /proc/kallsyms) and `__ksym`
 * functions (kfuncs, called by BTF id). `__weak` externs may stay unresolved (they read as 0). The
 * `.kconfig` variables are laid out here into the value of the `.kconfig` map. Pure.
 */
import {
  alignof,
  Datasec,
  type Func,
  FuncLinkage,
  IntEncoding,
  type Spec,
  sizeof,
  type Type,
  underlyingType,
  VarLinkage,
} from '../btf/index.js';
import { STB, STT } from '../elf/index.js';
import { ParseError } from '../errors.js';
import { ElfObject } from './elf-object.js';

/** How a `.kconfig` value is encoded. */
export type KconfigKind = 'bool' | 'char' | 'tristate' | 'int' | 'char-array';

/** A `__kconfig` extern: where its value lives in the `.kconfig` map. */
export interface KconfigExtern {
  readonly kind: 'kconfig';
  readonly name: string;
  readonly weak: boolean;
  /** The variable's declared type. */
  readonly type: Type;
  readonly valueKind: KconfigKind;
  /** True for signed integers. */
  readonly signed: boolean;
  readonly size: number;
  /** Byte offset in the `.kconfig` map value. */
  readonly offset: number;
}

/** A `__ksym` variable: typed (resolved to a kernel BTF id) or typeless (`void`, resolved to an address). */
export interface KsymExtern {
  readonly kind: 'ksym';
  readonly name: string;
  readonly weak: boolean;
  readonly type: Type;
  readonly typed: boolean;
}

/** A `__ksym` function: a kfunc, called by kernel BTF id. */
export interface KfuncExtern {
  readonly kind: 'kfunc';
  readonly name: string;
  readonly weak: boolean;
  readonly func: Func;
}

/** Any extern. */
export type ExternSpec = KconfigExtern | KsymExtern | KfuncExtern;

/** The externs of an object and the size of its `.kconfig` map value (0 when it has none). */
export interface ExternTable {
  readonly externs: ReadonlyMap<string, ExternSpec>;
  readonly kconfigSize: number;
}

/** The name of the map holding `__kconfig` values (and of its DATASEC). */
export const KCONFIG_SECTION = '.kconfig';
/** The DATASEC of `__ksym` externs. */
export const KSYMS_SECTION = '.ksyms';

function kconfigKind(type: Type, depth = 0): { kind: KconfigKind; signed: boolean } | undefined {
  const t = underlyingType(type);
  switch (t.kind) {
    case 'int':
      if ((t.encoding & IntEncoding.Bool) !== 0)
        return t.size === 1 ? { kind: 'bool', signed: false } : undefined;
      if (t.size === 1) return { kind: 'char', signed: false };
      if (t.size === 2 || t.size === 4 || t.size === 8)
        return { kind: 'int', signed: (t.encoding & IntEncoding.Signed) !== 0 };
      return undefined;
    case 'enum':
      return t.name === 'libbpf_tristate' ? { kind: 'tristate', signed: false } : undefined;
    case 'array':
      if (t.nelems === 0 || depth > 0) return undefined;
      return kconfigKind(t.type, depth + 1)?.kind === 'char'
        ? { kind: 'char-array', signed: false }
        : undefined;
    default:
      return undefined;
  }
}

/** Collects the externs declared in `btf`'s `.kconfig` and `.ksyms` DATASECs. */
export function collectExterns(obj: ElfObject, btf: Spec | undefined): ExternTable {
  const externs = new Map<string, ExternSpec>();
  if (btf === undefined) return { externs, kconfigSize: 0 };
  const weak = new Set<string>();
  for (const sym of obj.symbols) {
    if (ElfObject.isUndefined(sym) && sym.binding === STB.WEAK && sym.type !== STT.SECTION)
      weak.add(sym.name);
  }
  const fail = (detail: string): ParseError => new ParseError('.BTF', 0, detail);
  let offset = 0;
  for (const sec of btf.typesByName(KCONFIG_SECTION, Datasec)) {
    for (const vs of sec.vars) {
      const v = vs.type;
      if (v.kind !== 'var')
        throw fail(`${KCONFIG_SECTION}: entry ${JSON.stringify(v.name)} is a ${v.kind}, not a variable`);
      if (externs.has(v.name)) throw fail(`extern ${JSON.stringify(v.name)} declared twice`);
      const kind = kconfigKind(v.type);
      if (kind === undefined) throw fail(`kconfig extern ${JSON.stringify(v.name)} has an unsupported type`);
      const size = sizeof(v.type);
      const align = Math.min(8, Math.max(1, alignof(v.type)));
      offset = Math.ceil(offset / align) * align;
      externs.set(v.name, {
        kind: 'kconfig',
        name: v.name,
        weak: weak.has(v.name),
        type: v.type,
        valueKind: kind.kind,
        signed: kind.signed,
        size,
        offset,
      });
      offset += size;
      if (offset > 1 << 20) throw fail(`${KCONFIG_SECTION} externs exceed 1 MiB`);
    }
  }
  for (const sec of btf.typesByName(KSYMS_SECTION, Datasec)) {
    for (const vs of sec.vars) {
      const t = vs.type;
      if (externs.has(t.name)) throw fail(`extern ${JSON.stringify(t.name)} declared twice`);
      if (t.kind === 'var') {
        if (t.linkage !== VarLinkage.Extern) throw fail(`ksym ${JSON.stringify(t.name)} is not extern`);
        const typed = underlyingType(t.type).kind !== 'void';
        externs.set(t.name, { kind: 'ksym', name: t.name, weak: weak.has(t.name), type: t.type, typed });
      } else if (t.kind === 'func') {
        if (t.linkage !== FuncLinkage.Extern) throw fail(`kfunc ${JSON.stringify(t.name)} is not extern`);
        if (t.type.kind !== 'funcProto') throw fail(`kfunc ${JSON.stringify(t.name)} has no prototype`);
        externs.set(t.name, { kind: 'kfunc', name: t.name, weak: weak.has(t.name), func: t });
      } else {
        throw fail(`${KSYMS_SECTION}: entry ${JSON.stringify(t.name)} is a ${t.kind}`);
      }
    }
  }
  return { externs, kconfigSize: offset };
}
