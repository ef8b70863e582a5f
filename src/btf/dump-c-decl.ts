/**
 * C declarations for BTF types: declarators (pointers, arrays, function pointers, qualifiers),
 * struct/union definitions with bitfields and explicit padding, enum and typedef definitions.
 * Used by `dumpC`; follows the layout rules of libbpf's btf_dump.
 */
import { BtfError } from './errors.js';
import { alignof, MAX_RESOLVE_DEPTH, POINTER_SIZE, sizeof } from './type-utils.js';
import type { CompositeType, Enum, Fwd, Type, Typedef } from './types.js';

/** Resolves C names (deduplicated with `___N` suffixes, as libbpf does). */
export interface CNames {
  /** Name of a struct/union/enum/fwd tag. */
  tagName(t: CompositeType | Enum | Fwd): string;
  /** Name of a typedef. */
  typedefName(t: Typedef): string;
  /** Name of an enumerator (shares the namespace of typedefs). */
  enumeratorName(name: string): string;
}

/** Options of the declaration printer. */
export interface DeclOptions {
  /** Print type tags as `__attribute__((btf_type_tag("...")))`. */
  typeTags: boolean;
  /** Alignment cache shared by one dump. */
  alignMemo: Map<Type, number>;
  /**
   * How many more inline struct/union definitions may be printed. Bad BTF can nest anonymous types
   * as a DAG whose inline expansion grows exponentially; running out is a BtfError.
   */
  budget: { inlineDefs: number };
}

/** Declarators nest about as deep as types do; a cap keeps cyclic bad BTF from overflowing the stack. */
const MAX_DECL_DEPTH = 256;

function tabs(lvl: number): string {
  return '\t'.repeat(lvl);
}

function join(base: string, inner: string): string {
  return inner === '' ? base : `${base} ${inner}`;
}

/** True when `inner` starts with qualifier words that include `q` (`const volatile x`). */
function hasLeadingQualifier(inner: string, q: string): boolean {
  let at = 0;
  for (;;) {
    const end = inner.indexOf(' ', at);
    const word = end < 0 ? inner.slice(at) : inner.slice(at, end);
    if (word === q) return true;
    if (end < 0 || (word !== 'const' && word !== 'volatile' && word !== 'restrict')) return false;
    at = end + 1;
  }
}

/** Skips qualifiers without throwing (cycles end at the cap). */
function skipQuals(t: Type): Type {
  let cur = t;
  for (let i = 0; i < MAX_RESOLVE_DEPTH; i++) {
    if (
      cur.kind === 'const' ||
      cur.kind === 'volatile' ||
      cur.kind === 'restrict' ||
      cur.kind === 'typeTag'
    ) {
      cur = cur.type;
    } else {
      break;
    }
  }
  return cur;
}

function safeAlign(t: Type, memo: Map<Type, number>): number {
  try {
    return alignof(t, memo);
  } catch {
    return 0;
  }
}

function safeSize(t: Type): number {
  try {
    return sizeof(t);
  } catch {
    return 0;
  }
}

/** Prints `t` declaring `inner` (a name or an inner declarator), e.g. `int (*name)[4]`. */
export function typeDecl(n: CNames, o: DeclOptions, t: Type, inner: string, lvl: number, depth = 0): string {
  if (depth > MAX_DECL_DEPTH)
    throw new BtfError(`dumpC: declarator nesting deeper than ${MAX_DECL_DEPTH} (cycle?)`);
  const d = depth + 1;
  switch (t.kind) {
    case 'void':
      return join('void', inner);
    case 'int':
    case 'float':
      return join(t.name === '' ? 'int' : t.name, inner);
    case 'struct':
    case 'union':
      return join(t.name === '' ? compositeDef(n, o, t, lvl, d) : `${t.kind} ${n.tagName(t)}`, inner);
    case 'enum':
      return join(t.name === '' ? enumDef(n, t, lvl) : `enum ${n.tagName(t)}`, inner);
    case 'fwd':
      return join(`${t.fwdKind} ${n.tagName(t)}`, inner);
    case 'typedef':
      return join(n.typedefName(t), inner);
    case 'pointer': {
      const target = skipQuals(t.target).kind;
      const parens = target === 'array' || target === 'funcProto';
      return typeDecl(n, o, t.target, parens ? `(*${inner})` : `*${inner}`, lvl, d);
    }
    case 'const':
    case 'volatile':
    case 'restrict': {
      const under = skipQuals(t.type).kind;
      // Qualifiers on function types mean nothing; restrict is only valid on pointers.
      // Qualifiers on function types mean nothing; restrict is only valid on pointers; a qualifier
      // already applied at this declarator level (const array of const char) is not repeated.
      if (
        under === 'funcProto' ||
        (t.kind === 'restrict' && under !== 'pointer') ||
        hasLeadingQualifier(inner, t.kind)
      ) {
        return typeDecl(n, o, t.type, inner, lvl, d);
      }
      return typeDecl(n, o, t.type, join(t.kind, inner), lvl, d);
    }
    case 'typeTag': {
      if (!o.typeTags || skipQuals(t.type).kind === 'funcProto') return typeDecl(n, o, t.type, inner, lvl, d);
      return typeDecl(
        n,
        o,
        t.type,
        join(`__attribute__((btf_type_tag(${JSON.stringify(t.name)})))`, inner),
        lvl,
        d,
      );
    }
    case 'array':
      return typeDecl(n, o, t.type, `${inner}[${t.nelems}]`, lvl, d);
    case 'funcProto': {
      const params = t.params.map((p, i) =>
        i === t.params.length - 1 && p.name === '' && p.type.kind === 'void'
          ? '...'
          : typeDecl(n, o, p.type, p.name, lvl, depth + 1),
      );
      return typeDecl(n, o, t.type, `${inner}(${params.length === 0 ? 'void' : params.join(', ')})`, lvl, d);
    }
    default:
      // FUNC, VAR, DATASEC, DECL_TAG and unknown kinds are not C types.
      return join(`void /* ${t.kind} ${t.name} */`, inner);
  }
}

/** True when a struct's BTF layout cannot be natural (libbpf's btf_is_struct_packed). */
export function isPackedStruct(t: CompositeType, memo: Map<Type, number>): boolean {
  let maxAlign = 1;
  for (const m of t.members) {
    const align = safeAlign(m.type, memo);
    if (align !== 0 && m.bitfieldSize === 0 && m.bitOffset % (8 * align) !== 0) return true;
    maxAlign = Math.max(maxAlign, align);
  }
  return t.size % maxAlign !== 0;
}

/** Largest gap filled with `long: 64;` lines (1 MiB); kernel structs pad by at most a few pages. */
const MAX_PADDING_BITS = 8 << 20;

const PADS: readonly [string, number][] = [
  ['long', POINTER_SIZE * 8],
  ['int', 32],
  ['short', 16],
  ['char', 8],
];

function roundUp(v: number, to: number): number {
  return Math.ceil(v / to) * to;
}

/** Explicit `type: bits;` padding between bit offsets `cur` and `next` (libbpf's algorithm). */
function bitPadding(cur: number, next: number, nextAlign: number, inBitfield: boolean, lvl: number): string {
  if (cur >= next) return '';
  if (next - cur > MAX_PADDING_BITS) {
    throw new BtfError(`dumpC: padding of ${next - cur} bits between members is implausible (bad BTF?)`);
  }
  let s = '';
  let padType = 'char';
  let padBits = 8;
  let newOff = 0;
  for (const [name, bits] of PADS) {
    padType = name;
    padBits = bits;
    newOff = roundUp(cur, bits);
    if (newOff <= next) break;
  }
  if (newOff > cur && newOff <= next) {
    if (
      inBitfield ||
      (newOff === next && roundUp(cur, nextAlign * 8) !== newOff) ||
      (newOff !== next && next - newOff <= newOff - cur)
    ) {
      s += `\n${tabs(lvl)}${padType}: ${inBitfield ? newOff - cur : 0};`;
    }
    cur = newOff;
  }
  while (cur !== next) {
    const bits = Math.min(next - cur, padBits);
    if (bits === padBits) {
      s += `\n${tabs(lvl)}${padType}: ${padBits};`;
      cur += bits;
      continue;
    }
    for (let i = PADS.length - 1; i >= 0; i--) {
      const [name, size] = PADS[i] as [string, number];
      if (size < bits) continue;
      s += `\n${tabs(lvl)}${name}: ${bits};`;
      cur += bits;
      break;
    }
  }
  return s;
}

/** A struct/union definition (`struct name { ... }`, with `__attribute__((packed))` when needed). */
export function compositeDef(n: CNames, o: DeclOptions, t: CompositeType, lvl: number, depth = 0): string {
  if (--o.budget.inlineDefs < 0) throw new BtfError('dumpC: too many inline definitions (bad BTF?)');
  const isStruct = t.kind === 'struct';
  const packed = isStruct && isPackedStruct(t, o.alignMemo);
  let s = `${t.kind}${t.name === '' ? '' : ` ${n.tagName(t)}`} {`;
  let off = 0;
  let prevBitfield = false;
  for (const m of t.members) {
    const align = packed ? 1 : safeAlign(m.type, o.alignMemo) || 1;
    s += bitPadding(off, m.bitOffset, align, prevBitfield && m.bitfieldSize !== 0, lvl + 1);
    s += `\n${tabs(lvl + 1)}${typeDecl(n, o, m.type, m.name, lvl + 1, depth + 1)}`;
    if (m.bitfieldSize !== 0) {
      s += `: ${m.bitfieldSize}`;
      off = m.bitOffset + m.bitfieldSize;
      prevBitfield = true;
    } else {
      off = m.bitOffset + safeSize(m.type) * 8;
      prevBitfield = false;
    }
    s += ';';
  }
  if (isStruct) s += bitPadding(off, t.size * 8, safeAlign(t, o.alignMemo) || 1, false, lvl + 1);
  s += t.members.length > 0 || t.size > 0 ? `\n${tabs(lvl)}}` : '}';
  if (packed) s += ' __attribute__((packed))';
  return s;
}

const MODES: Record<number, string> = { 1: 'QI', 2: 'HI', 4: 'SI', 8: 'DI' };

/** An enum definition; a `mode` attribute forces sizes other than the natural one. */
export function enumDef(n: CNames, t: Enum, lvl: number): string {
  const head = `enum${t.name === '' ? '' : ` ${n.tagName(t)}`}`;
  if (t.values.length === 0) return head;
  let s = `${head} {`;
  let wide = false;
  for (const v of t.values) {
    let value: string;
    if (t.enum64) {
      value = t.signed ? `${v.value}LL` : `${BigInt.asUintN(64, v.value)}ULL`;
    } else {
      value = t.signed ? `${BigInt.asIntN(32, v.value)}` : `${BigInt.asUintN(32, v.value)}`;
    }
    if (v.value > 0xffffffffn || v.value < -0x80000000n) wide = true;
    s += `\n${tabs(lvl + 1)}${n.enumeratorName(v.name)} = ${value},`;
  }
  s += `\n${tabs(lvl)}}`;
  const natural = wide ? 8 : 4;
  const mode = MODES[t.size];
  if (t.size !== natural && mode !== undefined) s += ` __attribute__((mode(${mode})))`;
  return s;
}
