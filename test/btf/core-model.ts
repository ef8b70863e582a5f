/**
 * Shared model for the CO-RE resolution tests: a hand-built "local" (object) BTF and "target"
 * (kernel) BTF whose layouts differ (moved fields, anonymous members, grown fields, flavors,
 * bitfields, changed enum values).
 */
import { type CoreCandidateCache, type CoreResult, resolveCoreRelocation } from '../../src/btf/core.js';
import type { Spec } from '../../src/btf/spec.js';
import { Enum, Member, Pointer, Struct, type Type, Typedef, Union } from '../../src/btf/types.js';
import { arrayOf, type BuiltSpec, buildSpec, ints, relo } from './core-helpers.js';

// ---- local (what the BPF object was compiled against) ----
export const lInner = new Struct('inner', 8, [new Member('x', ints.int, 0), new Member('y', ints.uint, 32)]);
export const lColor = new Enum('color', 4, [
  { name: 'RED', value: 0n },
  { name: 'GREEN', value: 1n },
  { name: 'BLUE___old', value: 2n },
]);
export const lTask = new Struct('task', 64, [
  new Member('pid', ints.int, 0),
  new Member('flags', ints.uint, 32),
  new Member('parent', new Pointer(lInner), 64), // pointer to another struct
  new Member('', new Union('', 8, [new Member('cnt', ints.uint, 0), new Member('scnt', ints.int, 0)]), 128),
  new Member('comm', arrayOf(ints.char, 16), 192),
  new Member('pair', arrayOf(lInner, 2), 320),
  new Member('color', lColor, 448),
  new Member('gone', ints.int, 480),
]);
export const lTaskOld = new Struct('task___old', 8, [
  new Member('pid', ints.int, 0),
  new Member('legacy', ints.int, 32),
]);
export const lBits = new Struct('bits', 8, [
  new Member('a', ints.uint, 0, 3),
  new Member('b', ints.uint, 3, 5),
  new Member('s', ints.int, 8, 4),
  new Member('w', ints.uint, 30, 4),
]);
export const lMissing = new Struct('nowhere', 4, [new Member('x', ints.int, 0)]);
export const lTaskT = new Typedef('task_t', lTask);
export const local = buildSpec([lTask, lTaskOld, lBits, lMissing, lTaskT, lColor]);

// ---- target (the "kernel") ----
export const tInner = new Struct('inner', 16, [
  new Member('w', ints.long, 0),
  new Member('x', ints.int, 64),
  new Member('y', ints.ulong, 128),
]);
export const tColor = new Enum(
  'color',
  4,
  [
    { name: 'GREEN', value: 10n },
    { name: 'BLUE', value: 20n },
    { name: 'RED', value: -1n },
  ],
  true,
);
export const tTask = new Struct('task', 128, [
  new Member('state', ints.long, 0),
  new Member(
    '',
    new Struct('', 16, [new Member('flags', ints.ulong, 0), new Member('pid', ints.int, 64)]),
    64,
  ),
  new Member('parent', new Pointer(tInner), 192),
  new Member('', new Union('', 8, [new Member('scnt', ints.long, 0), new Member('cnt', ints.ulong, 0)]), 256),
  new Member('comm', arrayOf(ints.char, 8), 320),
  new Member('pair', arrayOf(tInner, 4), 384),
  new Member('color', tColor, 896),
]);
export const tBits = new Struct('bits', 8, [
  new Member('x', ints.ulong, 0, 10),
  new Member('a', ints.uint, 10, 3),
  new Member('b', ints.uint, 13, 5),
  new Member('s', ints.int, 18, 4),
  new Member('w', ints.uint, 36, 4),
]);
export const tTaskT = new Typedef('task_t', tTask);
export const target = buildSpec([tTask, tBits, tTaskT, tColor]);

/** Resolves a relocation of local type `type` (insn offset 64) against `targets`. */
export function resolve(
  l: BuiltSpec,
  type: Type,
  kind: number,
  access = '0',
  targets: Spec[] = [target.spec],
  cache?: CoreCandidateCache,
): CoreResult {
  return resolveCoreRelocation(l.spec, relo(kind, l.id(type), access, 64), targets, cache);
}
