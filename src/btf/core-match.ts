/**
 * Matching a local CO-RE access spec against one candidate type of the target BTF (libbpf's
 * `bpf_core_spec_match`): named members are looked up by exact name, descending into anonymous
 * structs/unions; array indices must be in bounds (flexible arrays excepted); field types must be
 * compatible. A mismatch comes back with a reason for messages; conditions that make matching
 * impossible throw `CoreSpecError`. Pure: no node:* imports.
 */
import { coreFieldsAreCompat, coreTypesAreCompat, coreTypesMatch } from './core-compat.js';
import { CoreSpecError } from './core-errors.js';
import {
  accessPath,
  type CoreAccessor,
  type CoreAccessSpec,
  coreSizeof,
  coreUnderlying,
  isComposite,
  isEnumvalReloKind,
  isFieldReloKind,
  isFlexArray,
  isTypeReloKind,
  MAX_CORE_SPEC_LEN,
  typeLabel,
} from './core-spec.js';
import { CoreReloKind } from './ext-info.js';
import type { Spec } from './spec.js';
import { essentialName } from './type-utils.js';
import type { CompositeType, Type } from './types.js';

/** Outcome of matching one candidate: the target spec, or why the candidate does not fit. */
export type CoreSpecMatch =
  | { readonly matched: true; readonly spec: CoreAccessSpec }
  | { readonly matched: false; readonly reason: string };

type MemberSearch =
  | { status: 'found'; next: Type }
  | { status: 'incompatible'; localType: Type; targetType: Type }
  | { status: 'missing' };

function pushRaw(spec: CoreAccessSpec, index: number): void {
  if (spec.raw.length >= MAX_CORE_SPEC_LEN) {
    throw new CoreSpecError(`target access path deeper than ${MAX_CORE_SPEC_LEN} levels`);
  }
  spec.raw.push(index);
}

/** Finds the member named like `localAcc`'s in `target` (anonymous members searched recursively). */
function matchMember(localAcc: CoreAccessor, target: Type, spec: CoreAccessSpec): MemberSearch {
  const t = coreUnderlying(target);
  if (!isComposite(t)) return { status: 'missing' };
  const localMember = (localAcc.type as CompositeType).members[localAcc.index];
  if (localMember === undefined) throw new CoreSpecError(`local member index ${localAcc.index} out of range`);
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i] as CompositeType['members'][number];
    pushRaw(spec, i);
    spec.bitOffset += m.bitOffset;
    if (m.name === '') {
      const inner = matchMember(localAcc, m.type, spec);
      if (inner.status !== 'missing') return inner;
    } else if (m.name === localMember.name) {
      if (coreFieldsAreCompat(localMember.type, m.type)) {
        spec.accessors.push({ type: t, index: i, name: m.name });
        return { status: 'found', next: m.type };
      }
      return { status: 'incompatible', localType: localMember.type, targetType: m.type };
    }
    spec.bitOffset -= m.bitOffset;
    spec.raw.pop();
  }
  return { status: 'missing' };
}

function shortLabel(t: Type): string {
  const u = coreUnderlying(t);
  return u === t ? typeLabel(t) : `${typeLabel(t)} (${typeLabel(u)})`;
}

/**
 * Matches `local` against the type `targetID` of `target`. Type relocations use `coreTypesMatch`
 * (TYPE_MATCHES) or `coreTypesAreCompat`; enumerator relocations look the enumerator up by essential
 * name; field relocations walk the accessors.
 */
export function matchCoreSpec(local: CoreAccessSpec, target: Spec, targetID: number): CoreSpecMatch {
  const rootType = target.typeByID(targetID);
  const spec: CoreAccessSpec = {
    spec: target,
    rootID: targetID,
    rootType,
    kind: local.kind,
    accessors: [],
    raw: [],
    bitOffset: 0,
  };
  const fail = (reason: string): CoreSpecMatch => ({
    matched: false,
    reason: `${typeLabel(rootType)} [${targetID}]: ${reason}`,
  });

  if (isTypeReloKind(local.kind)) {
    if (local.kind === CoreReloKind.TypeMatches) {
      return coreTypesMatch(local.rootType, rootType) ? { matched: true, spec } : fail('types do not match');
    }
    return coreTypesAreCompat(local.rootType, rootType)
      ? { matched: true, spec }
      : fail('types are not compatible');
  }

  const first = local.accessors[0];
  if (first === undefined) throw new CoreSpecError('local spec has no accessors');

  if (isEnumvalReloKind(local.kind)) {
    const t = coreUnderlying(rootType);
    if (t.kind !== 'enum') return fail(`is ${typeLabel(t)}, not an enum`);
    const wanted = essentialName(first.name ?? '');
    const index = t.values.findIndex((v) => essentialName(v.name) === wanted);
    if (index < 0) return fail(`no enumerator ${first.name ?? '?'}`);
    spec.accessors.push({ type: t, index, name: (t.values[index] as { name: string }).name });
    spec.raw.push(index);
    return { matched: true, spec };
  }

  if (!isFieldReloKind(local.kind)) throw new CoreSpecError(`unknown relocation kind ${local.kind}`);

  let cur: Type = rootType;
  for (let i = 0; i < local.accessors.length; i++) {
    const acc = local.accessors[i] as CoreAccessor;
    const t = coreUnderlying(cur);
    const path = accessPath(local.accessors, i + 1);
    if (acc.name !== undefined) {
      const found = matchMember(acc, t, spec);
      if (found.status === 'missing') {
        return fail(
          isComposite(t)
            ? `no field ${path}`
            : `${accessPath(local.accessors, i)} is ${typeLabel(t)}, not a struct or union`,
        );
      }
      if (found.status === 'incompatible') {
        return fail(
          `field ${path} has an incompatible type (local ${shortLabel(found.localType)}, target ${shortLabel(found.targetType)})`,
        );
      }
      cur = found.next;
      continue;
    }
    let elem = t;
    if (i > 0) {
      if (t.kind !== 'array')
        return fail(`${accessPath(local.accessors, i)} is ${typeLabel(t)}, not an array`);
      const flex = isFlexArray(spec.accessors[spec.accessors.length - 1], t);
      if (!flex && acc.index >= t.nelems) return fail(`index ${path} out of bounds (${t.nelems} elements)`);
      elem = coreUnderlying(t.type);
    }
    pushRaw(spec, acc.index);
    spec.accessors.push({ type: elem, index: acc.index, name: undefined });
    spec.bitOffset += acc.index * coreSizeof(elem) * 8;
    cur = elem;
  }
  return { matched: true, spec };
}
