/**
 * The objects part of a generated module: `load<Name>Objects(options)` loads the collection and returns
 * its maps (typed with the generated codecs where the object has BTF key/value types; per-CPU maps give
 * an array per CPU), programs and global variables (typed through their codecs) under camelCase names,
 * with `close()` and `[Symbol.dispose]`.
 */
import { tsTypeOf } from '../btf/codec-source.js';
import type { GenMap, GenMember, GenModel } from './gen-model.js';
import { commentText } from './gen-types.js';

const TYPED_VARIABLE = `/** A global variable read and written through a codec. */
export interface TypedVariable<T> {
  /** The underlying variable (raw bytes and integers). */
  readonly variable: Variable;
  /** Reads the current value. */
  get(): T;
  /** Writes a new value (throws for variables of read-only sections). */
  set(value: T): void;
}

function typedVariable<T>(variable: Variable, codec: TypedCodec<T>): TypedVariable<T> {
  return {
    variable,
    get: (): T => codec.decode(variable.get()),
    set: (value: T): void => {
      const bytes = new Uint8Array(codec.size);
      codec.encode(value, bytes);
      variable.set(bytes);
    },
  };
}`;

const REQUIRED = `function required<T>(record: Readonly<Record<string, T>>, name: string, what: string): T {
  const found = record[name];
  if (found === undefined) throw new EbpfError(\`\${what} \${JSON.stringify(name)}: not in the loaded collection\`, 'ENOENT');
  return found;
}`;

function mapType(m: GenMap, model: GenModel): string {
  if (m.key === undefined || m.value === undefined) return 'BpfMap';
  const k = tsTypeOf(m.key.layout, model.naming);
  const v = tsTypeOf(m.value.layout, model.naming);
  return `BpfMap<${k}, ${m.perCpu ? `${v}[]` : v}>`;
}

function mapExpr(m: GenMap): string {
  const get = `required(collection.maps, ${JSON.stringify(m.name)}, 'map')`;
  if (m.key === undefined || m.value === undefined) return get;
  const value = m.perCpu ? `perCpu(${m.value.codec})` : m.value.codec;
  return `${get}.typed(${m.key.codec}, ${value})`;
}

function variableType(v: GenMember, model: GenModel): string {
  return v.root === undefined ? 'Variable' : `TypedVariable<${tsTypeOf(v.root.layout, model.naming)}>`;
}

function variableExpr(v: GenMember): string {
  const get = `required(collection.variables, ${JSON.stringify(v.name)}, 'variable')`;
  return v.root === undefined ? get : `typedVariable(${get}, ${v.root.codec})`;
}

function group<T extends { name: string; prop: string }>(
  name: string,
  doc: string,
  items: readonly T[],
  type: (item: T) => string,
  comment: (item: T) => string,
): string {
  if (items.length === 0) return `/** ${doc} (none). */\nexport type ${name} = Record<string, never>;`;
  const props = items.map((i) => `  /** ${commentText(comment(i))} */\n  readonly ${i.prop}: ${type(i)};`);
  return `/** ${doc}. */\nexport interface ${name} {\n${props.join('\n')}\n}`;
}

/** The declarations and `load<Name>Objects` (uses `specFn` to get the spec). */
export function emitObjects(model: GenModel, pascal: string, specFn: string): string {
  const names = model.names;
  const mapsType = names.allocate(`${pascal}Maps`);
  const programsType = names.allocate(`${pascal}Programs`);
  const variablesType = names.allocate(`${pascal}Variables`);
  const objectsType = names.allocate(`${pascal}Objects`);
  const loadFn = names.allocate(`load${pascal}Objects`);
  const body = (items: readonly { prop: string }[], expr: (i: number) => string): string =>
    items.length === 0
      ? '{}'
      : `{\n${items.map((it, i) => `        ${it.prop}: ${expr(i)},`).join('\n')}\n      }`;
  const typedVariables = model.variables.some((v) => v.root !== undefined);
  const any = model.maps.length + model.programs.length + model.variables.length > 0;
  return [
    typedVariables ? TYPED_VARIABLE : '',
    any ? REQUIRED : '',
    group(
      mapsType,
      `Maps of \`${commentText(model.file)}\``,
      model.maps,
      (m) => mapType(m, model),
      (m) =>
        m.key === undefined ? `Map ${m.name}.` : `Map ${m.name}: ${m.key.cType} → ${m.value?.cType ?? '?'}.`,
    ),
    group(
      programsType,
      `Programs of \`${commentText(model.file)}\``,
      model.programs,
      () => 'Program',
      (p) => `Program ${p.name}.`,
    ),
    group(
      variablesType,
      `Global variables of \`${commentText(model.file)}\``,
      model.variables,
      (v) => variableType(v, model),
      (v) =>
        `Variable ${v.name}${v.root === undefined ? '' : `: ${v.root.cType}`}${v.readOnly ? ' (read-only after load)' : ''}.`,
    ),
    `/** What \`${loadFn}\` loaded. Close it (or \`using\`) to release every map and program. */
export interface ${objectsType} {
  readonly maps: ${mapsType};
  readonly programs: ${programsType};
  readonly variables: ${variablesType};
  /** The underlying collection. */
  readonly collection: Collection;
  /** Closes every program and map. Idempotent. */
  close(): void;
  [Symbol.dispose](): void;
}`,
    `/** Loads \`${commentText(model.file)}\` into the kernel (needs CAP_BPF or root) with typed maps and variables. */
export function ${loadFn}(options?: CollectionOptions): ${objectsType} {
  const collection = newCollection(${specFn}(), options);
  try {
    return {
      maps: ${body(model.maps, (i) => mapExpr(model.maps[i] as GenMap))},
      programs: ${body(model.programs, (i) => `required(collection.programs, ${JSON.stringify((model.programs[i] as GenMember).name)}, 'program')`)},
      variables: ${body(model.variables, (i) => variableExpr(model.variables[i] as GenMember))},
      collection,
      close: (): void => collection.close(),
      [Symbol.dispose]: (): void => collection.close(),
    };
  } catch (e) {
    collection.close();
    throw e;
  }
}`,
  ]
    .filter((t) => t !== '')
    .join('\n\n');
}
