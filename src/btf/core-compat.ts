/**
 * The three CO-RE type relations, as libbpf defines them:
 * - `coreFieldsAreCompat`: may a field of the local type be relocated to a field of the target type
 *   (any two structs/unions, pointers, floats; ints without legacy bit offsets; enums/fwds with the
 *   same essential name or anonymous; arrays by element type);
 * - `coreTypesAreCompat`: the looser check used by type relocations (exists, size, IDs);
 * - `coreTypesMatch`: the stricter check of `bpf_core_type_matches()` (sizes, signedness, member
 *   names, enumerator names, array lengths, function signatures).
 * All of them skip qualifiers and typedefs. Pure: no node:* imports.
 */
import { CoreSpecError } from './core-errors.js';
import { coreUnderlying, isComposite } from './core-spec.js';
import { IntEncoding } from './kind.js';
import { essentialName } from './type-utils.js';
import type { Type } from './types.js';

/** Recursion limit of every relation (libbpf: 32). */
export const CORE_MAX_DEPTH = 32;

/** libbpf's `btf_kind_core_compat`: same kind, or both enums (ENUM and ENUM64 are one class here). */
export function coreKindsCompat(a: Type, b: Type): boolean {
  return a.kind === b.kind;
}

function tooDeep(what: string): CoreSpecError {
  return new CoreSpecError(`${what}: type nesting deeper than ${CORE_MAX_DEPTH} (cycle?)`);
}

function legacyBitOffset(t: Type): number {
  return t.kind === 'int' ? t.bitOffset : 0;
}

/** Field compatibility for field relocations (libbpf's `bpf_core_fields_are_compat`). */
export function coreFieldsAreCompat(local: Type, target: Type): boolean {
  let l = local;
  let t = target;
  for (let depth = 0; depth < CORE_MAX_DEPTH; depth++) {
    l = coreUnderlying(l);
    t = coreUnderlying(t);
    if (isComposite(l) && isComposite(t)) return true;
    if (!coreKindsCompat(l, t)) return false;
    switch (l.kind) {
      case 'pointer':
      case 'float':
        return true;
      case 'fwd':
      case 'enum': {
        const ln = essentialName(l.name);
        const tn = essentialName(t.name);
        return ln === '' || tn === '' || ln === tn;
      }
      case 'int':
        return legacyBitOffset(l) === 0 && legacyBitOffset(t) === 0;
      case 'array':
        if (t.kind !== 'array') return false;
        l = l.type;
        t = t.type;
        break;
      default:
        return false;
    }
  }
  throw tooDeep('field compatibility');
}

/**
 * Type compatibility for type relocations (libbpf's `bpf_core_types_are_compat`); the caller has
 * already checked that the names agree. `level` bounds the recursion into function parameters.
 */
export function coreTypesAreCompat(local: Type, target: Type, level = CORE_MAX_DEPTH): boolean {
  if (!coreKindsCompat(local, target)) return false;
  let l = local;
  let t = target;
  for (let depth = 0; depth < CORE_MAX_DEPTH; depth++) {
    l = coreUnderlying(l);
    t = coreUnderlying(t);
    if (!coreKindsCompat(l, t)) return false;
    switch (l.kind) {
      case 'void':
      case 'struct':
      case 'union':
      case 'enum':
      case 'fwd':
        return true;
      case 'int':
        return legacyBitOffset(l) === 0 && legacyBitOffset(t) === 0;
      case 'pointer':
      case 'array':
        if (t.kind !== l.kind) return false;
        l = l.type;
        t = t.type;
        break;
      case 'funcProto': {
        if (t.kind !== 'funcProto' || l.params.length !== t.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (level <= 0) throw tooDeep('type compatibility');
          const lp = coreUnderlying((l.params[i] as { type: Type }).type);
          const tp = coreUnderlying((t.params[i] as { type: Type }).type);
          if (!coreTypesAreCompat(lp, tp, level - 1)) return false;
        }
        l = l.type;
        t = t.type;
        break;
      }
      default:
        return false;
    }
  }
  throw tooDeep('type compatibility');
}

/**
 * libbpf's `bpf_core_names_match`: an anonymous target matches only an anonymous local; otherwise
 * the essential names must be equal.
 */
export function coreNamesMatch(local: string, target: string): boolean {
  if (target === '') return local === '';
  return essentialName(local) === essentialName(target);
}

function enumsMatch(local: Type & { kind: 'enum' }, target: Type & { kind: 'enum' }): boolean {
  if (local.size !== target.size || local.values.length > target.values.length) return false;
  return local.values.every((lv) => target.values.some((tv) => coreNamesMatch(lv.name, tv.name)));
}

/**
 * The `TYPE_MATCHES` relation (libbpf's `bpf_core_types_match`): after skipping qualifiers and
 * typedefs, names must agree and kinds be equal (except that a struct/union behind a pointer also
 * matches a forward declaration, and enums match enum64); ints need equal size and signedness;
 * arrays equal length; structs/unions need every local member, by name, in the target with a
 * matching type; enums every local enumerator name and equal size; function protos equal arity.
 */
export function coreTypesMatch(
  local: Type,
  target: Type,
  behindPointer = false,
  level = CORE_MAX_DEPTH,
): boolean {
  if (level <= 0) throw tooDeep('type match');
  let l = local;
  let t = target;
  let behind = behindPointer;
  for (let depth = 0; depth < CORE_MAX_DEPTH; depth++) {
    l = coreUnderlying(l);
    t = coreUnderlying(t);
    if (!coreNamesMatch(l.name, t.name)) return false;
    switch (l.kind) {
      case 'void':
        return t.kind === 'void';
      case 'fwd': {
        const localUnion = l.fwdKind === 'union';
        if (t.kind === 'fwd') return localUnion === (t.fwdKind === 'union');
        if (!behind) return false;
        return (t.kind === 'struct' && !localUnion) || (t.kind === 'union' && localUnion);
      }
      case 'enum':
        return t.kind === 'enum' && enumsMatch(l, t);
      case 'struct':
      case 'union':
        if (behind) {
          if (t.kind === l.kind) return true;
          if (t.kind !== 'fwd') return false;
          return (l.kind === 'union') === (t.fwdKind === 'union');
        }
        if (t.kind !== l.kind) return false;
        return compositesMatch(l, t as typeof l, behind, level);
      case 'int':
        return (
          t.kind === 'int' &&
          l.size === t.size &&
          (l.encoding & IntEncoding.Signed) === (t.encoding & IntEncoding.Signed)
        );
      case 'pointer':
        if (t.kind !== 'pointer') return false;
        behind = true;
        l = l.type;
        t = t.type;
        break;
      case 'array':
        if (t.kind !== 'array' || l.nelems !== t.nelems) return false;
        l = l.type;
        t = t.type;
        break;
      case 'funcProto': {
        if (t.kind !== 'funcProto' || l.params.length !== t.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          const lp = (l.params[i] as { type: Type }).type;
          const tp = (t.params[i] as { type: Type }).type;
          if (!coreTypesMatch(lp, tp, behind, level - 1)) return false;
        }
        l = l.type;
        t = t.type;
        break;
      }
      default:
        return false;
    }
  }
  throw tooDeep('type match');
}

function compositesMatch(
  local: Type & { kind: 'struct' | 'union' },
  target: Type & { kind: 'struct' | 'union' },
  behindPointer: boolean,
  level: number,
): boolean {
  if (local.members.length > target.members.length) return false;
  for (const lm of local.members) {
    let matched = false;
    for (const tm of target.members) {
      if (!coreNamesMatch(lm.name, tm.name)) continue;
      if (coreTypesMatch(lm.type, tm.type, behindPointer, level - 1)) {
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}
