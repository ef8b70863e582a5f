/**
 * What `ebpf-ts gen` generates, worked out before any text is written: the root types (each `--type`,
 * every map key and value, every global variable) with their layouts, every struct/union/enum reachable
 * from them with a unique PascalCase name, the exported codec names, and camelCase names for maps,
 * programs and variables. Iteration orders are fixed (requested types, then maps, programs and variables
 * by name) so the same object always yields the same module.
 */

import type { Layout, RecordLayout } from '../btf/codec-layout.js';
import { LayoutBuilder } from '../btf/codec-layout.js';
import type { TsNaming } from '../btf/codec-source.js';
import {
  BtfError,
  type Datasec,
  type Enum,
  isQualifier,
  type Spec,
  type Struct,
  type Type,
  type Union,
  underlyingType,
} from '../btf/index.js';
import { camelCase, NameAllocator, pascalCase } from './gen-names.js';

/** A type the module exports a codec for. */
export interface GenRoot {
  /** The type as declared (typedefs and qualifiers kept). */
  readonly type: Type;
  readonly layout: Layout;
  /** Name of the exported codec constant. */
  readonly codec: string;
  /** The C spelling of the type, for comments and error labels. */
  readonly cType: string;
}

/** A map of the object. */
export interface GenMap {
  readonly name: string;
  readonly prop: string;
  readonly mapType: number;
  readonly perCpu: boolean;
  readonly key: GenRoot | undefined;
  readonly value: GenRoot | undefined;
  /** Why the map stays untyped (no BTF types, or types without a codec). */
  readonly note: string | undefined;
}

/** A program or global variable of the object. */
export interface GenMember {
  readonly name: string;
  readonly prop: string;
  /** For variables: the variable's type, when it has a codec. */
  readonly root?: GenRoot | undefined;
  readonly readOnly?: boolean;
}

/** A named struct/union/datasec of the module. */
export interface GenRecord {
  readonly name: string;
  readonly layout: RecordLayout;
}

/** A named enum of the module. */
export interface GenEnum {
  readonly name: string;
  readonly type: Enum;
}

/** Inputs taken from the object (see gen-input.ts). */
export interface GenSource {
  /** File name of the object (no directory). */
  readonly file: string;
  readonly btf: Spec | undefined;
  readonly maps: readonly {
    name: string;
    mapType: number;
    perCpu: boolean;
    key?: Type | undefined;
    value?: Type | undefined;
  }[];
  readonly programs: readonly string[];
  readonly variables: readonly { name: string; type: Type; readOnly: boolean }[];
}

/** Everything the emitters need. */
export interface GenModel {
  readonly file: string;
  readonly littleEndian: boolean;
  readonly types: readonly GenRoot[];
  readonly maps: readonly GenMap[];
  readonly programs: readonly GenMember[];
  readonly variables: readonly GenMember[];
  readonly records: readonly GenRecord[];
  readonly enums: readonly GenEnum[];
  /** Distinct roots, one per exported codec, in order of first use. */
  readonly codecs: readonly GenRoot[];
  readonly naming: TsNaming;
  readonly names: NameAllocator;
}

/** The C spelling of a type: `struct lt_event`, `__u32`, `char[16]`, `const volatile __u64`, `void *`. */
export function cTypeName(t: Type, depth = 0): string {
  if (depth > 32) return '...';
  switch (t.kind) {
    case 'struct':
    case 'union':
    case 'enum':
      return t.name === '' ? `${t.kind} { ... }` : `${t.kind} ${t.name}`;
    case 'pointer':
      return `${cTypeName(t.target, depth + 1)} *`;
    case 'array': {
      let base: Type = t;
      let dims = '';
      while (base.kind === 'array') {
        dims += `[${base.nelems}]`;
        base = base.type;
      }
      return `${cTypeName(base, depth + 1)}${dims}`;
    }
    case 'const':
    case 'volatile':
    case 'restrict':
      return `${t.kind} ${cTypeName(t.type, depth + 1)}`;
    case 'typeTag':
    case 'var':
      return cTypeName(t.type, depth + 1);
    case 'void':
      return 'void';
    case 'datasec':
      return `section ${t.name}`;
    default:
      return t.name === '' ? t.kind : t.name;
  }
}

function withoutQualifiers(t: Type): Type {
  let cur = t;
  for (let i = 0; i < 32 && (isQualifier(cur) || cur.kind === 'var'); i++) cur = cur.type;
  return cur;
}

/** The first typedef name on `declared`'s chain, if it names `target`. */
function typedefName(declared: Type, target: Type): string | undefined {
  let cur = declared;
  for (let i = 0; i < 32; i++) {
    if (cur === target) return undefined;
    if (cur.kind === 'typedef') return cur.name;
    if (isQualifier(cur) || cur.kind === 'var') cur = cur.type;
    else return undefined;
  }
  return undefined;
}

/** Builds the model; `types` are the `--type` names looked up in the object's BTF. */
export function buildModel(src: GenSource, typeNames: readonly string[]): GenModel {
  const names = new NameAllocator();
  const builder = new LayoutBuilder();
  const recordNames = new Map<RecordLayout, string>();
  const enumNames = new Map<Enum, string>();
  const records: GenRecord[] = [];
  const enums: GenEnum[] = [];
  const codecs: GenRoot[] = [];
  const codecByKey = new Map<unknown, GenRoot>();

  const nameFor = (t: Struct | Union | Datasec | Enum, declared: Type, hint: string): string =>
    names.allocate(pascalCase(t.name !== '' ? t.name : (typedefName(declared, t) ?? hint)));

  const register = (l: Layout, declared: Type, hint: string): void => {
    if (l.kind === 'enum' && !enumNames.has(l.type)) {
      const name = nameFor(l.type, declared, hint);
      enumNames.set(l.type, name);
      enums.push({ name, type: l.type });
    } else if (l.kind === 'array') {
      const base = underlyingType(declared.kind === 'var' ? declared.type : declared);
      register(l.elem, base.kind === 'array' ? base.type : base, hint);
    } else if (l.kind === 'record' && !recordNames.has(l)) {
      const name = nameFor(l.type, declared, hint);
      recordNames.set(l, name);
      records.push({ name, layout: l });
      for (const f of l.fields) register(f.layout, f.type, `${name}${pascalCase(f.name)}`);
    }
  };

  const root = (t: Type, hint: string): GenRoot => {
    const layout = builder.layoutOf(t);
    register(layout, t, hint);
    const key =
      layout.kind === 'record'
        ? layout
        : layout.kind === 'enum'
          ? layout.type
          : cTypeName(withoutQualifiers(t));
    const known = codecByKey.get(key);
    if (known !== undefined) return known;
    const base =
      layout.kind === 'record'
        ? (recordNames.get(layout) as string)
        : layout.kind === 'enum'
          ? (enumNames.get(layout.type) as string)
          : cTypeName(withoutQualifiers(t));
    const codec = names.allocate(`${camelCase(base)}Codec`);
    const made: GenRoot = { type: t, layout, codec, cType: cTypeName(withoutQualifiers(t)) };
    codecByKey.set(key, made);
    codecs.push(made);
    return made;
  };
  const tryRoot = (t: Type | undefined, hint: string): [GenRoot | undefined, string | undefined] => {
    if (t === undefined) return [undefined, undefined];
    try {
      return [root(t, hint), undefined];
    } catch (e) {
      if (e instanceof BtfError) return [undefined, e.message];
      throw e;
    }
  };

  const types = typeNames.map((n) => root(lookupType(src, n), pascalCase(n)));
  const mapProps = new NameAllocator([]);
  const maps = [...src.maps]
    .sort((a, b) => compare(a.name, b.name))
    .map((m): GenMap => {
      const hint = pascalCase(m.name);
      // Only maps with both BTF types become typed (data section maps have just a value DATASEC).
      const both = m.key !== undefined && m.value !== undefined;
      const [key, keyNote] = both ? tryRoot(m.key, `${hint}Key`) : [undefined, undefined];
      const [value, valueNote] = both ? tryRoot(m.value, `${hint}Value`) : [undefined, undefined];
      const note = both ? (keyNote ?? valueNote) : 'no BTF key/value types';
      const typed = key !== undefined && value !== undefined && note === undefined;
      return {
        name: m.name,
        prop: mapProps.allocate(camelCase(m.name)),
        mapType: m.mapType,
        perCpu: m.perCpu,
        key: typed ? key : undefined,
        value: typed ? value : undefined,
        note,
      };
    });
  const programProps = new NameAllocator([]);
  const programs = [...src.programs]
    .sort(compare)
    .map((name) => ({ name, prop: programProps.allocate(camelCase(name)) }));
  const variableProps = new NameAllocator([]);
  const variables = [...src.variables]
    .sort((a, b) => compare(a.name, b.name))
    .map((v) => ({
      name: v.name,
      prop: variableProps.allocate(camelCase(v.name)),
      root: tryRoot(v.type, pascalCase(v.name))[0],
      readOnly: v.readOnly,
    }));

  const naming: TsNaming = {
    recordType: (r) => recordNames.get(r) ?? fail(`unnamed record ${r.type.name}`),
    enumType: (e) => enumNames.get(e.type) ?? fail(`unnamed enum ${e.type.name}`),
  };
  return {
    file: src.file,
    littleEndian: (src.btf?.byteOrder ?? 'little') === 'little',
    types,
    maps,
    programs,
    variables,
    records,
    enums,
    codecs,
    naming,
    names,
  };
}

function fail(what: string): never {
  throw new BtfError(`gen: ${what}`);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const KIND_PREFIX = /^(struct|union|enum)\s+/;

/** Finds `--type` `name` (optionally `struct name`/`union name`/`enum name`) in the object's BTF. */
export function lookupType(src: GenSource, query: string): Type {
  if (src.btf === undefined) throw new BtfError(`gen: ${src.file} has no BTF, cannot look up type ${query}`);
  const kind = KIND_PREFIX.exec(query)?.[1];
  const name = query.replace(KIND_PREFIX, '').trim();
  const all = src.btf
    .typesByName(name)
    .filter((t) => t.kind !== 'fwd' && t.kind !== 'func' && t.kind !== 'var');
  const wanted = kind === undefined ? all : all.filter((t) => t.kind === kind);
  const preferred = wanted.filter((t) => t.kind === 'struct' || t.kind === 'union' || t.kind === 'enum');
  const candidates =
    preferred.length > 0 && kind === undefined && preferred.length < wanted.length ? preferred : wanted;
  if (candidates.length === 1) return candidates[0] as Type;
  if (candidates.length === 0) throw new BtfError(`gen: no type ${JSON.stringify(query)} in ${src.file}`);
  throw new BtfError(
    `gen: type ${JSON.stringify(query)} is ambiguous in ${src.file} (${candidates.map((t) => t.kind).join(', ')}); prefix it with struct, union or enum`,
  );
}
