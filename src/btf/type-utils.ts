/**
 * Helpers over the type model: skipping qualifiers and typedefs, `sizeof`/`alignof` as a C compiler
 * for BPF (64-bit) would compute them, CO-RE essential names, and the list of types a type refers to.
 */
import { BtfError } from './errors.js';
import type { Qualifier, Type } from './types.js';

/** How many typedef/qualifier/array links are followed before giving up (cycles in bad BTF). */
export const MAX_RESOLVE_DEPTH = 32;

/** Pointer size of the BPF target in bytes. */
export const POINTER_SIZE = 8;

/** True for `const`, `volatile`, `restrict` and type tags. */
export function isQualifier(t: Type): t is Qualifier {
  return t.kind === 'const' || t.kind === 'volatile' || t.kind === 'restrict' || t.kind === 'typeTag';
}

/** Follows qualifiers (const, volatile, restrict, type tags) to the qualified type. */
export function skipQualifiers(t: Type): Type {
  let cur = t;
  for (let i = 0; i <= MAX_RESOLVE_DEPTH && isQualifier(cur); i++) cur = cur.type;
  if (isQualifier(cur)) throw new BtfError(`qualifier chain deeper than ${MAX_RESOLVE_DEPTH} (cycle?)`);
  return cur;
}

/** Follows qualifiers and typedefs to the underlying type (what the C compiler sees). */
export function underlyingType(t: Type): Type {
  let cur = t;
  for (let i = 0; i <= MAX_RESOLVE_DEPTH; i++) {
    if (isQualifier(cur) || cur.kind === 'typedef') cur = cur.type;
    else return cur;
  }
  throw new BtfError(`typedef/qualifier chain deeper than ${MAX_RESOLVE_DEPTH} (cycle?)`);
}

function kindLabel(t: Type): string {
  return t.name === '' ? t.kind : `${t.kind} ${t.name}`;
}

/** Size of a type in bytes; throws BtfError for types without a size (functions, void, fwd). */
export function sizeof(t: Type): number {
  let cur = t;
  let n = 1;
  for (let i = 0; i <= MAX_RESOLVE_DEPTH; i++) {
    switch (cur.kind) {
      case 'int':
      case 'enum':
      case 'struct':
      case 'union':
      case 'datasec':
      case 'float':
        return checkedSize(n * cur.size, t);
      case 'pointer':
        return checkedSize(n * POINTER_SIZE, t);
      case 'array':
        n = checkedSize(n * cur.nelems, t);
        cur = cur.type;
        break;
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'typeTag':
      case 'var':
        cur = cur.type;
        break;
      default:
        throw new BtfError(`sizeof ${kindLabel(t)}: ${kindLabel(cur)} has no size`);
    }
  }
  throw new BtfError(`sizeof ${kindLabel(t)}: type chain deeper than ${MAX_RESOLVE_DEPTH} (cycle?)`);
}

function checkedSize(n: number, t: Type): number {
  if (!Number.isSafeInteger(n) || n > 0xffffffff)
    throw new BtfError(`sizeof ${kindLabel(t)}: ${n} too large`);
  return n;
}

/**
 * Alignment of a type in bytes, as libbpf computes it: integers and floats align to their size
 * (at most 8), composites to their most aligned member, or 1 when their layout shows they are packed.
 * `memo` may be shared between calls over the same (unchanged) types to avoid recomputation.
 */
export function alignof(t: Type, memo: Map<Type, number> = new Map()): number {
  return alignofMemo(t, 0, memo);
}

function alignofMemo(t: Type, depth: number, memo: Map<Type, number>): number {
  if (depth > MAX_RESOLVE_DEPTH) throw new BtfError(`alignof ${kindLabel(t)}: nesting too deep (cycle?)`);
  const known = memo.get(t);
  if (known !== undefined) return known;
  let align: number;
  switch (t.kind) {
    case 'int':
    case 'enum':
    case 'float':
      align = Math.max(1, Math.min(POINTER_SIZE, t.size));
      break;
    case 'pointer':
      align = POINTER_SIZE;
      break;
    case 'array':
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'typeTag':
    case 'var':
      align = alignofMemo(t.type, depth + 1, memo);
      break;
    case 'struct':
    case 'union': {
      align = 1;
      for (const m of t.members) {
        const a = alignofMemo(m.type, depth + 1, memo);
        if (a > align) align = a;
        if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) {
          align = 1;
          break;
        }
      }
      if (t.size % align !== 0) align = 1;
      break;
    }
    default:
      throw new BtfError(`alignof ${kindLabel(t)}: type has no alignment`);
  }
  memo.set(t, align);
  return align;
}

/**
 * The CO-RE essential name: `name` without a trailing `___flavor` suffix (`task_struct___v2` →
 * `task_struct`). Like libbpf, the separator is the last `___` that is neither preceded nor
 * followed by another underscore.
 */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (
      name.charCodeAt(i) !== 0x5f &&
      name.charCodeAt(i + 1) === 0x5f &&
      name.charCodeAt(i + 2) === 0x5f &&
      name.charCodeAt(i + 3) === 0x5f &&
      name.charCodeAt(i + 4) !== 0x5f
    ) {
      return name.slice(0, i + 1);
    }
  }
  return name;
}

/** The types `t` refers to directly, in wire order (members, params, element and index types...). */
export function childTypes(t: Type): Type[] {
  switch (t.kind) {
    case 'pointer':
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'func':
    case 'var':
    case 'declTag':
    case 'typeTag':
      return [t.type];
    case 'array':
      return [t.type, t.index];
    case 'struct':
    case 'union':
      return t.members.map((m) => m.type);
    case 'funcProto':
      return [t.type, ...t.params.map((p) => p.type)];
    case 'datasec':
      return t.vars.map((v) => v.type);
    default:
      return [];
  }
}
