/**
 * CO-RE access specifications: parsing a relocation's access string (`0:1:2`) against the local BTF
 * into the accessors that matter for matching (named members, array indices, the enumerator), plus
 * the bit offset they reach; and formatting a spec as `struct task_struct.pid` for messages.
 * Pure: no node:* imports.
 */
import { CoreSpecError } from './core-errors.js';
import { type CoreRelo, CoreReloKind, coreReloKindName } from './ext-info.js';
import type { Spec } from './spec.js';
import { sizeof, underlyingType } from './type-utils.js';
import type { ArrayType, CompositeType, Type } from './types.js';

/** Longest access string libbpf accepts (`BPF_CORE_SPEC_MAX_LEN`); longer ones are rejected. */
export const MAX_CORE_SPEC_LEN = 64;

/**
 * One semantically meaningful step of an access path. For a named member, `type` is the struct or
 * union holding it and `name` the member's name; for an array index (and the initial pointer
 * index) `type` is the element type and `name` is undefined; for an enumerator, `type` is the enum
 * and `name` the enumerator's name. Qualifiers and typedefs are already skipped in `type`.
 */
export interface CoreAccessor {
  readonly type: Type;
  readonly index: number;
  readonly name: string | undefined;
}

/**
 * A CO-RE access specification on one side (local object or target kernel): the root type, the
 * high-level accessors, the raw index path (anonymous members included) and the bit offset reached.
 * Type-based relocations have no accessors.
 */
export interface CoreAccessSpec {
  readonly spec: Spec;
  /** ID of the root type (the relocation's local type ID, or a candidate's ID in the target). */
  readonly rootID: number;
  readonly rootType: Type;
  /** `CoreReloKind` of the relocation. */
  readonly kind: number;
  readonly accessors: CoreAccessor[];
  /** Every index of the path, one per struct/union/array level. */
  readonly raw: number[];
  /** Bit offset of the accessed field from the start of the root type. */
  bitOffset: number;
}

/** True for the six field relocation kinds (byte offset/size, exists, signed, shifts). */
export function isFieldReloKind(kind: number): boolean {
  return kind >= CoreReloKind.FieldByteOffset && kind <= CoreReloKind.FieldRShiftU64;
}

/** True for the type relocation kinds (local/target ID, exists, size, matches). */
export function isTypeReloKind(kind: number): boolean {
  return (
    (kind >= CoreReloKind.TypeIDLocal && kind <= CoreReloKind.TypeSize) || kind === CoreReloKind.TypeMatches
  );
}

/** True for the enumerator relocation kinds (exists, value). */
export function isEnumvalReloKind(kind: number): boolean {
  return kind === CoreReloKind.EnumvalExists || kind === CoreReloKind.EnumvalValue;
}

/** True for struct and union. */
export function isComposite(t: Type): t is CompositeType {
  return t.kind === 'struct' || t.kind === 'union';
}

/** A `sizeof` whose failure is a `CoreSpecError` (libbpf: btf__resolve_size < 0). */
export function coreSizeof(t: Type): number {
  try {
    return sizeof(t);
  } catch (e) {
    throw new CoreSpecError(e instanceof Error ? e.message : String(e));
  }
}

/** `underlyingType` whose failure (a qualifier/typedef cycle) is a `CoreSpecError`. */
export function coreUnderlying(t: Type): Type {
  try {
    return underlyingType(t);
  } catch (e) {
    throw new CoreSpecError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * True when `arr` is a flexible array member: zero elements, reached through the named member
 * accessor `prev`, which is the last member of its struct (libbpf's `is_flex_arr`).
 */
export function isFlexArray(prev: CoreAccessor | undefined, arr: ArrayType): boolean {
  if (prev?.name === undefined || arr.nelems > 0) return false;
  const holder = prev.type;
  return isComposite(holder) && prev.index === holder.members.length - 1;
}

const ACCESS_STRING = /^\d+(?::\d+)*$/;

/** Splits `0:1:2` into indices; anything else (empty, signs, spaces, `::`) is a `CoreSpecError`. */
export function parseAccessString(s: string): number[] {
  if (!ACCESS_STRING.test(s)) throw new CoreSpecError(`malformed access string ${JSON.stringify(s)}`);
  const raw = s.split(':').map(Number);
  if (raw.length > MAX_CORE_SPEC_LEN) {
    throw new CoreSpecError(`access string has ${raw.length} indices (at most ${MAX_CORE_SPEC_LEN})`);
  }
  if (raw.some((n) => n > 0x7fffffff)) throw new CoreSpecError(`access string index out of range in ${s}`);
  return raw;
}

/**
 * Parses the local side of a relocation (libbpf's `bpf_core_parse_spec`). Throws `CoreSpecError`
 * for an access string that does not fit the local types, and lets `TypeNotFoundError` through for
 * a bad type ID.
 */
export function parseLocalSpec(local: Spec, relo: CoreRelo): CoreAccessSpec {
  const rootType = local.typeByID(relo.typeID);
  const spec: CoreAccessSpec = {
    spec: local,
    rootID: relo.typeID,
    rootType,
    kind: relo.kind,
    accessors: [],
    raw: [],
    bitOffset: 0,
  };
  if (relo.accessStr === '' || relo.accessStr.startsWith(':')) {
    throw new CoreSpecError(`malformed access string ${JSON.stringify(relo.accessStr)}`);
  }
  if (isTypeReloKind(relo.kind)) {
    if (relo.accessStr !== '0') {
      throw new CoreSpecError(
        `type relocation needs access string "0", got ${JSON.stringify(relo.accessStr)}`,
      );
    }
    return spec;
  }
  const raw = parseAccessString(relo.accessStr);
  spec.raw.push(...raw);
  const first = raw[0] as number;
  const root = coreUnderlying(rootType);

  if (isEnumvalReloKind(relo.kind)) {
    if (root.kind !== 'enum') throw new CoreSpecError(`enumerator relocation on ${typeLabel(root)}`);
    if (raw.length > 1)
      throw new CoreSpecError(`enumerator access string ${relo.accessStr} has several indices`);
    const value = root.values[first];
    if (value === undefined) {
      throw new CoreSpecError(`enumerator index ${first} out of range (${root.values.length} values)`);
    }
    spec.accessors.push({ type: root, index: first, name: value.name });
    return spec;
  }
  if (!isFieldReloKind(relo.kind)) {
    throw new CoreSpecError(`unknown relocation kind ${relo.kind}`);
  }

  spec.accessors.push({ type: root, index: first, name: undefined });
  spec.bitOffset = first * coreSizeof(root) * 8;
  let cur: Type = root;
  for (let i = 1; i < raw.length; i++) {
    const t = coreUnderlying(cur);
    const idx = raw[i] as number;
    if (isComposite(t)) {
      const m = t.members[idx];
      if (m === undefined) {
        throw new CoreSpecError(
          `index ${idx} at position ${i} out of range (${typeLabel(t)} has ${t.members.length} members)`,
        );
      }
      spec.bitOffset += m.bitOffset;
      if (m.name !== '') spec.accessors.push({ type: t, index: idx, name: m.name });
      cur = m.type;
    } else if (t.kind === 'array') {
      const elem = coreUnderlying(t.type);
      const flex = isFlexArray(spec.accessors[spec.accessors.length - 1], t);
      if (!flex && idx >= t.nelems) {
        throw new CoreSpecError(`array index ${idx} at position ${i} out of range (${t.nelems} elements)`);
      }
      spec.accessors.push({ type: elem, index: idx, name: undefined });
      spec.bitOffset += idx * coreSizeof(elem) * 8;
      cur = elem;
    } else {
      throw new CoreSpecError(
        `index ${idx} at position ${i} reaches ${typeLabel(t)} (not a struct, union or array)`,
      );
    }
  }
  return spec;
}

/** `struct task_struct`, `enum pid_type`, `typedef u32`, `union <anon>`: a type as named in messages. */
export function typeLabel(t: Type): string {
  const name = t.name === '' ? '<anon>' : t.name;
  switch (t.kind) {
    case 'fwd':
      return `${t.fwdKind} ${name} (fwd)`;
    case 'pointer':
      return 'pointer';
    case 'array':
      return 'array';
    case 'void':
      return 'void';
    case 'funcProto':
      return 'func_proto';
    default:
      return `${t.kind} ${name}`;
  }
}

/** The C-like access path of the first `count` accessors: `.real_parent`, `[2].x`. */
export function accessPath(accessors: readonly CoreAccessor[], count = accessors.length): string {
  let out = '';
  for (let i = 0; i < count && i < accessors.length; i++) {
    const a = accessors[i] as CoreAccessor;
    if (a.name !== undefined) out += `.${a.name}`;
    else if (i > 0 || a.index > 0) out += `[${a.index}]`;
  }
  return out;
}

/**
 * What a relocation reads, for messages: `<kind> <type><path>`, e.g. `byte_off struct
 * task_struct.pid`, `enumval_value enum pid_type::PIDTYPE_TGID`, `type_exists struct bpf_iter`.
 */
export function describeCoreSpec(spec: CoreAccessSpec): string {
  const head = `${coreReloKindName(spec.kind)} ${typeLabel(spec.rootType)}`;
  if (isTypeReloKind(spec.kind)) return head;
  if (isEnumvalReloKind(spec.kind)) return `${head}::${spec.accessors[0]?.name ?? '?'}`;
  return `${head}${accessPath(spec.accessors)}`;
}

/**
 * libbpf-style detail of a spec, for debugging: `[12] struct foo.a[1].b (0:2:1:0 @ offset 20.3)`.
 */
export function formatCoreSpec(spec: CoreAccessSpec): string {
  const head = `[${spec.rootID}] ${typeLabel(spec.rootType)}`;
  if (isTypeReloKind(spec.kind)) return head;
  if (isEnumvalReloKind(spec.kind)) {
    const acc = spec.accessors[0];
    const value = acc?.type.kind === 'enum' ? acc.type.values[acc.index]?.value : undefined;
    return `${head}::${acc?.name ?? '?'} = ${value ?? '?'}`;
  }
  const bits = spec.bitOffset % 8;
  const offset = bits === 0 ? `${spec.bitOffset / 8}` : `${Math.floor(spec.bitOffset / 8)}.${bits}`;
  return `${head}${accessPath(spec.accessors)} (${spec.raw.join(':')} @ offset ${offset})`;
}
