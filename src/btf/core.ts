/**
 * The CO-RE relocation engine: resolves one `.BTF.ext` CO-RE relocation of a BPF object against the
 * kernel's BTF (and optionally module BTFs) the way libbpf does, producing the value to patch into
 * the instruction, or a request to poison it when the target lacks what the program reads. Pure:
 * no node:* imports; instruction patching lives in `core-apply.ts`.
 *
 * @example
 * const cache = new CoreCandidateCache();
 * const result = resolveCoreRelocation(objectBtf, relo, [kernelBtf], cache);
 * const patched = applyCoreRelocation(insn, result);
 */

import { type CoreRelocationValues, calcCoreRelocation } from './core-calc.js';
import {
  type CoreCandidate,
  CoreCandidateCache,
  type CoreTarget,
  coreTargets,
  findCoreCandidates,
} from './core-candidates.js';
import { CoreRelocationError, CoreSpecError } from './core-errors.js';
import { matchCoreSpec } from './core-match.js';
import { type CoreAccessSpec, describeCoreSpec, parseLocalSpec, typeLabel } from './core-spec.js';
import { isBtfError } from './errors.js';
import { type CoreRelo, CoreReloKind, coreReloKindName } from './ext-info.js';
import type { Spec } from './spec.js';
import { essentialName } from './type-utils.js';

export {
  applyCoreRelocation,
  applyCoreResults,
  CORE_POISON_IMM,
  patchCoreRelocation,
  poisonInstruction,
} from './core-apply.js';
export type { CoreRelocationValues } from './core-calc.js';
export type { CoreCandidate, CoreTarget } from './core-candidates.js';
export { CoreCandidateCache, coreTargets, findCoreCandidates } from './core-candidates.js';
export { coreFieldsAreCompat, coreTypesAreCompat, coreTypesMatch } from './core-compat.js';
export { CoreRelocationError, isCoreRelocationError } from './core-errors.js';
export type { CoreAccessor, CoreAccessSpec } from './core-spec.js';
export { describeCoreSpec, formatCoreSpec } from './core-spec.js';

/** The outcome of resolving one CO-RE relocation. Values are u64 bit patterns as bigints. */
export interface CoreResult extends CoreRelocationValues {
  /** The relocation record that was resolved. */
  readonly relo: CoreRelo;
  /** `CoreReloKind` of the relocation. */
  readonly kind: number;
  /** What the relocation reads: `byte_off struct task_struct.pid` (see `describeCoreSpec`). */
  readonly description: string;
  /** New load/store size in bytes when the field's size differs in the target and that is safe. */
  readonly newInsnSize: number | undefined;
  /**
   * Why the relocation could not be resolved exactly: nothing matched in the target (the result is
   * then poisoned, or 0 for existence checks), or the field's size changed unsafely.
   */
  readonly failReason: string | undefined;
  /** The (first) matching target candidate, if any. */
  readonly target: CoreCandidate | undefined;
  readonly localSpec: CoreAccessSpec;
  readonly targetSpec: CoreAccessSpec | undefined;
}

/** `<description>: <failReason>`, the text to show when the verifier trips over a poisoned insn. */
export function coreFailureMessage(result: CoreResult): string {
  return `${result.description}: ${result.failReason ?? 'unresolved'}`;
}

function fallbackDescription(local: Spec, relo: CoreRelo): string {
  let root = `[${relo.typeID}]`;
  try {
    root = `${typeLabel(local.typeByID(relo.typeID))} ${root}`;
  } catch {
    // keep the bare ID
  }
  return `${coreReloKindName(relo.kind)} ${root} + ${JSON.stringify(relo.accessStr)}`;
}

function wrap(e: unknown, description: string, relo: CoreRelo): unknown {
  if (e instanceof CoreRelocationError || !isBtfError(e)) return e;
  return new CoreRelocationError(description, relo.insnOff, (e as Error).message, { cause: e });
}

/**
 * Resolves `relo` (from `local`, the object's BTF) against `targets` (vmlinux first, then module
 * BTFs; bare specs or `{ spec, name }`). Unresolvable relocations come back `poisoned` (or with
 * value 0 for existence checks) and a `failReason`; malformed ones, ambiguous ones (candidates
 * that resolve differently) and unsupported ones throw `CoreRelocationError`. Pass one `cache` for
 * all relocations of an object: candidate searches are shared and pruned as libbpf does.
 */
export function resolveCoreRelocation(
  local: Spec,
  relo: CoreRelo,
  targets: readonly (Spec | CoreTarget)[],
  cache: CoreCandidateCache = new CoreCandidateCache(),
): CoreResult {
  let description = fallbackDescription(local, relo);
  try {
    const localSpec = parseLocalSpec(local, relo);
    description = describeCoreSpec(localSpec);
    return resolveParsed(local, relo, localSpec, description, coreTargets(targets), cache);
  } catch (e) {
    throw wrap(e, description, relo);
  }
}

/** Resolves every relocation of an object with one shared candidate cache. */
export function resolveCoreRelocations(
  local: Spec,
  relos: readonly CoreRelo[],
  targets: readonly (Spec | CoreTarget)[],
  cache: CoreCandidateCache = new CoreCandidateCache(),
): CoreResult[] {
  const normalized = coreTargets(targets);
  return relos.map((relo) => resolveCoreRelocation(local, relo, normalized, cache));
}

function result(
  relo: CoreRelo,
  description: string,
  localSpec: CoreAccessSpec,
  values: CoreRelocationValues,
  extra: Pick<CoreResult, 'failReason' | 'target' | 'targetSpec'>,
): CoreResult {
  const resize =
    !values.poisoned && !values.failMemSizeAdjust && values.localSize !== values.targetSize
      ? values.targetSize
      : undefined;
  let failReason = extra.failReason;
  if (failReason === undefined && values.failMemSizeAdjust) {
    failReason = `field size changes from ${values.localSize} to ${values.targetSize} bytes; only pointers and unsigned integers may change size`;
  }
  return {
    ...values,
    relo,
    kind: relo.kind,
    description,
    newInsnSize: resize,
    failReason,
    target: extra.target,
    localSpec,
    targetSpec: extra.targetSpec,
  };
}

function describeValue(v: CoreRelocationValues): string {
  return v.poisoned ? 'failure' : `success ${v.targetValue}`;
}

function resolveParsed(
  local: Spec,
  relo: CoreRelo,
  localSpec: CoreAccessSpec,
  description: string,
  targets: readonly CoreTarget[],
  cache: CoreCandidateCache,
): CoreResult {
  const insnIndex = Math.floor(relo.insnOff / 8);
  if (relo.kind === CoreReloKind.TypeIDLocal) {
    const id = BigInt(relo.typeID);
    return result(
      relo,
      description,
      localSpec,
      {
        localValue: id,
        targetValue: id,
        poisoned: false,
        validate: false,
        localSize: 0,
        targetSize: 0,
        failMemSizeAdjust: false,
      },
      { failReason: undefined, target: undefined, targetSpec: undefined },
    );
  }
  if (localSpec.rootType.name === '') {
    throw new CoreSpecError(
      `${coreReloKindName(relo.kind)} relocations against anonymous types are not supported`,
    );
  }
  let candidates = cache.get(local, relo.typeID);
  if (candidates === undefined) {
    candidates = findCoreCandidates(localSpec.rootType, targets);
    cache.set(local, relo.typeID, candidates);
  }

  const kept: CoreCandidate[] = [];
  const reasons: string[] = [];
  let chosen: { values: CoreRelocationValues; spec: CoreAccessSpec; candidate: CoreCandidate } | undefined;
  for (const candidate of candidates) {
    const match = matchCoreSpec(localSpec, candidate.target.spec, candidate.id);
    if (!match.matched) {
      reasons.push(
        candidates.length > 1 || targets.length > 1
          ? `${candidate.target.name}: ${match.reason}`
          : match.reason,
      );
      continue;
    }
    const values = calcCoreRelocation(relo.kind, localSpec, match.spec, insnIndex);
    if (chosen === undefined) {
      chosen = { values, spec: match.spec, candidate };
    } else if (match.spec.bitOffset !== chosen.spec.bitOffset) {
      throw new CoreSpecError(
        `ambiguous: candidates [${chosen.candidate.id}] and [${candidate.id}] place the field at different bit offsets (${chosen.spec.bitOffset} != ${match.spec.bitOffset})`,
      );
    } else if (
      values.poisoned !== chosen.values.poisoned ||
      values.targetValue !== chosen.values.targetValue
    ) {
      throw new CoreSpecError(
        `ambiguous: candidates [${chosen.candidate.id}] and [${candidate.id}] disagree (${describeValue(chosen.values)} != ${describeValue(values)})`,
      );
    }
    kept.push(candidate);
  }
  if (kept.length > 0) {
    if (kept.length !== candidates.length) cache.set(local, relo.typeID, kept);
    const c = chosen as NonNullable<typeof chosen>;
    return result(relo, description, localSpec, c.values, {
      failReason: undefined,
      target: c.candidate,
      targetSpec: c.spec,
    });
  }

  const values = calcCoreRelocation(relo.kind, localSpec, undefined, insnIndex);
  const detail =
    candidates.length === 0
      ? `no ${localSpec.rootType.kind} named ${essentialName(localSpec.rootType.name)}`
      : reasons.join('; ');
  return result(relo, description, localSpec, values, {
    failReason: `no match in kernel BTF: ${detail}`,
    target: undefined,
    targetSpec: undefined,
  });
}
