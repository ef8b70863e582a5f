/**
 * CO-RE candidate search: the target types that may correspond to a local root type are those of a
 * compatible kind whose essential name (flavor suffix `___x` dropped) equals the local one. The
 * kernel's BTF is searched first; module BTFs only when vmlinux has no candidate at all (as libbpf
 * does). A cache keeps, per local root type, the candidates still in play: a relocation that matches
 * some of them prunes the others for later relocations of the same type. Pure: no node:* imports.
 */
import { coreKindsCompat } from './core-compat.js';
import { CoreSpecError } from './core-errors.js';
import { typeLabel } from './core-spec.js';
import type { Spec } from './spec.js';
import { Enum, Float, Fwd, Int, Struct, type Type, type TypeClass, Typedef, Union } from './types.js';

/**
 * The class that holds every type of a kind (`coreKindsCompat` wants the same kind): it lets the
 * search skip other kinds without decoding them, and never index the named FUNCs.
 */
const CLASS_OF_KIND: Partial<Record<Type['kind'], TypeClass>> = {
  struct: Struct,
  union: Union,
  enum: Enum,
  int: Int,
  typedef: Typedef,
  fwd: Fwd,
  float: Float,
};

/** A target BTF with the name used in messages (`vmlinux`, or a module name). */
export interface CoreTarget {
  readonly spec: Spec;
  readonly name: string;
}

/** One candidate: a type of a target spec. */
export interface CoreCandidate {
  readonly target: CoreTarget;
  readonly id: number;
  readonly type: Type;
}

/**
 * Normalises a target list: bare specs are named `vmlinux` (the first) and `module #i` (the others).
 * The first entry is the kernel's BTF; later ones are module BTFs (usually split on top of it).
 */
export function coreTargets(targets: readonly (Spec | CoreTarget)[]): CoreTarget[] {
  return targets.map((t, i) => ('spec' in t ? t : { spec: t, name: i === 0 ? 'vmlinux' : `module #${i}` }));
}

/**
 * Candidates for the local type `local` (libbpf's `bpf_core_find_cands`), in type ID order. Throws
 * `CoreSpecError` for an anonymous local type (no name to search by).
 */
export function findCoreCandidates(local: Type, targets: readonly CoreTarget[]): CoreCandidate[] {
  if (local.name === '') {
    throw new CoreSpecError(`relocations against anonymous types are not supported (${typeLabel(local)})`);
  }
  const out: CoreCandidate[] = [];
  targets.forEach((target, i) => {
    if (i > 0 && out.length > 0) return;
    const { spec } = target;
    for (const type of spec.typesByEssentialName(local.name, CLASS_OF_KIND[local.kind])) {
      if (!coreKindsCompat(type, local) || type.name === '') continue;
      const id = spec.typeID(type);
      // A module's split BTF only contributes its own types; its base is vmlinux, searched already.
      if (i > 0 && spec.base !== undefined && id < spec.firstID) continue;
      out.push({ target, id, type });
    }
  });
  return out;
}

/**
 * Candidate lists per local spec and local type ID. One cache serves one object (one local spec)
 * against one list of targets; reuse it across that object's relocations, as libbpf does.
 */
export class CoreCandidateCache {
  readonly #lists = new WeakMap<Spec, Map<number, CoreCandidate[]>>();

  /** The cached candidates of local type `typeID`, if any. */
  get(local: Spec, typeID: number): CoreCandidate[] | undefined {
    return this.#lists.get(local)?.get(typeID);
  }

  /** Stores (or replaces, after pruning) the candidates of local type `typeID`. */
  set(local: Spec, typeID: number, candidates: CoreCandidate[]): void {
    let byID = this.#lists.get(local);
    if (byID === undefined) {
      byID = new Map();
      this.#lists.set(local, byID);
    }
    byID.set(typeID, candidates);
  }
}
