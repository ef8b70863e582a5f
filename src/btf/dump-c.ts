/**
 * `dumpC`: a compilable C header from BTF, like `bpftool btf dump file F format c` (vmlinux.h).
 * Types are ordered so that everything used by value is defined first; types only used through
 * pointers get forward declarations; anonymous types are emitted inline. The ordering and emission
 * state machine follows libbpf's btf_dump.
 */
import { type CNames, compositeDef, type DeclOptions, enumDef, typeDecl } from './dump-c-decl.js';
import { BtfError } from './errors.js';
import type { Spec } from './spec.js';
import { childTypes } from './type-utils.js';
import type { CompositeType, Enum, Fwd, Type, Typedef } from './types.js';

/** Options of `dumpC`. */
export interface DumpCOptions {
  /** Include-guard macro, or false for none (default `__VMLINUX_H__`). */
  guard?: string | false;
  /** Wrap the types in `#pragma clang attribute push(preserve_access_index)` (default true). */
  preserveAccessIndex?: boolean;
  /** Print type tags as `btf_type_tag` attributes (default true). */
  typeTags?: boolean;
  /** Only these types (and what they need); default: every type of the spec. */
  types?: Iterable<Type>;
}

const ORDERING = 1;
const ORDERED = 2;
const EMITTING = 1;
const EMITTED = 2;
/** Typedefs that compilers provide themselves. */
const BUILTIN_TYPEDEFS = /^__builtin_va_list$/;
/** Recursion cap for ordering/emission (deep by-value nesting in vmlinux is well below this). */
const MAX_DEPTH = 512;

class LoopError extends BtfError {}

class CDumper implements CNames {
  readonly #opts: DeclOptions;
  readonly #out: string[] = [];
  readonly #order = new Map<Type, number>();
  readonly #emit = new Map<Type, number>();
  readonly #fwdEmitted = new Set<Type>();
  readonly #referenced = new Set<Type>();
  readonly #names = new Map<Type, string>();
  readonly #tagCounts = new Map<string, number>();
  readonly #identCounts = new Map<string, number>();

  constructor(opts: DeclOptions) {
    this.#opts = opts;
  }

  /** Marks every type referenced by another (anonymous enums that are referenced are inlined). */
  markReferenced(all: readonly Type[]): void {
    for (const t of all) for (const c of childTypes(t)) this.#referenced.add(c);
  }

  tagName(t: CompositeType | Enum | Fwd): string {
    return this.resolveName(t, this.#tagCounts);
  }

  typedefName(t: Typedef): string {
    return this.resolveName(t, this.#identCounts);
  }

  enumeratorName(name: string): string {
    const count = (this.#identCounts.get(name) ?? 0) + 1;
    this.#identCounts.set(name, count);
    return count > 1 ? `${name}___${count}` : name;
  }

  private resolveName(t: Type, counts: Map<string, number>): string {
    const known = this.#names.get(t);
    if (known !== undefined) return known;
    const count = (counts.get(t.name) ?? 0) + 1;
    counts.set(t.name, count);
    const name = count > 1 ? `${t.name}___${count}` : t.name;
    this.#names.set(t, name);
    return name;
  }

  /** Orders `t` and emits everything it needs; a type that cannot be ordered is skipped. */
  dumpType(t: Type): void {
    const queue: Type[] = [];
    try {
      this.orderType(t, false, queue, 0);
    } catch (e) {
      if (e instanceof LoopError) return;
      throw e;
    }
    for (const q of queue) this.emitType(q, undefined, 0);
  }

  output(): string {
    return this.#out.join('');
  }

  /** Returns true when `t` is a "strong" (by-value) definition; queues named definitions. */
  private orderType(t: Type, throughPtr: boolean, queue: Type[], depth: number): boolean {
    if (depth > MAX_DEPTH) throw new LoopError('type nesting too deep');
    const state = this.#order.get(t);
    if (state === ORDERED || t.kind === 'void') return true;
    if (state === ORDERING) {
      if ((t.kind === 'struct' || t.kind === 'union') && throughPtr && t.name !== '') return false;
      throw new LoopError(`unsatisfiable type cycle at ${t.kind} ${t.name}`);
    }
    const d = depth + 1;
    switch (t.kind) {
      case 'int':
      case 'float':
        this.#order.set(t, ORDERED);
        return false;
      case 'pointer': {
        const strong = this.orderType(t.target, true, queue, d);
        this.#order.set(t, ORDERED);
        return strong;
      }
      case 'array':
        return this.orderType(t.type, false, queue, d);
      case 'struct':
      case 'union':
        if (throughPtr && t.name !== '') return false;
        this.#order.set(t, ORDERING);
        for (const m of t.members) this.orderType(m.type, false, queue, d);
        if (t.name !== '') queue.push(t);
        this.#order.set(t, ORDERED);
        return true;
      case 'enum':
      case 'fwd':
        if (t.name !== '' || !this.#referenced.has(t)) queue.push(t);
        this.#order.set(t, ORDERED);
        return true;
      case 'typedef': {
        const strong = this.orderType(t.type, throughPtr, queue, d);
        if (throughPtr && !strong) return false;
        queue.push(t);
        this.#order.set(t, ORDERED);
        return true;
      }
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'typeTag':
        return this.orderType(t.type, throughPtr, queue, d);
      case 'funcProto': {
        let strong = this.orderType(t.type, throughPtr, queue, d);
        for (const p of t.params) if (this.orderType(p.type, throughPtr, queue, d)) strong = true;
        return strong;
      }
      default:
        // FUNC, VAR, DATASEC, DECL_TAG and unknown kinds are not emitted.
        this.#order.set(t, ORDERED);
        return false;
    }
  }

  /** Emits `t` (and forward declarations it needs). `cont` is the containing definition, if any. */
  private emitType(t: Type, cont: Type | undefined, depth: number): void {
    if (depth > MAX_DEPTH) return;
    const state = this.#emit.get(t);
    if (state === EMITTED || t.kind === 'void') return;
    const d = depth + 1;
    if (state === EMITTING) {
      if (this.#fwdEmitted.has(t)) return;
      if (t.kind === 'struct' || t.kind === 'union') {
        if (t === cont || t.name === '') return;
        this.print(`${t.kind} ${this.tagName(t)};\n\n`);
        this.#fwdEmitted.add(t);
      } else if (t.kind === 'typedef') {
        if (!BUILTIN_TYPEDEFS.test(t.name)) this.print(`${this.typedefDef(t)};\n\n`);
        this.#fwdEmitted.add(t);
      }
      return;
    }
    switch (t.kind) {
      case 'int':
      case 'float':
        this.#emit.set(t, EMITTED);
        return;
      case 'enum':
        if (cont === undefined) this.print(`${enumDef(this, t, 0)};\n\n`);
        this.#emit.set(t, EMITTED);
        return;
      case 'pointer':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'typeTag':
      case 'array':
        this.emitType(t.type, cont, d);
        return;
      case 'fwd':
        this.print(`${t.fwdKind} ${this.tagName(t)};\n\n`);
        this.#emit.set(t, EMITTED);
        return;
      case 'typedef':
        this.#emit.set(t, EMITTING);
        this.emitType(t.type, t, d);
        if (!this.#fwdEmitted.has(t) && !BUILTIN_TYPEDEFS.test(t.name))
          this.print(`${this.typedefDef(t)};\n\n`);
        this.#emit.set(t, EMITTED);
        return;
      case 'struct':
      case 'union': {
        this.#emit.set(t, EMITTING);
        const topLevel = cont === undefined;
        if (topLevel || t.name === '') {
          const inner = t.name === '' ? cont : t;
          for (const m of t.members) this.emitType(m.type, inner, d);
        } else if (!this.#fwdEmitted.has(t) && t !== cont) {
          this.print(`${t.kind} ${this.tagName(t)};\n\n`);
          this.#fwdEmitted.add(t);
        }
        if (topLevel) {
          this.print(`${compositeDef(this, this.#opts, t, 0)};\n\n`);
          this.#emit.set(t, EMITTED);
        } else {
          this.#emit.delete(t);
        }
        return;
      }
      case 'funcProto':
        this.emitType(t.type, cont, d);
        for (const p of t.params) this.emitType(p.type, cont, d);
        return;
      default:
        return;
    }
  }

  private typedefDef(t: Typedef): string {
    return `typedef ${typeDecl(this, this.#opts, t.type, this.typedefName(t), 0)}`;
  }

  private print(s: string): void {
    this.#out.push(s);
  }
}

/**
 * A C header declaring the spec's types (or `options.types` and their dependencies), in an order a
 * C compiler accepts, with bpftool's vmlinux.h framing (include guard, preserve_access_index pragma).
 * Kernels since 6.19 embed tagged structs and unions as unnamed members (`struct ns_tree;` inside a union),
 * a Microsoft C extension the kernel builds with; the header reproduces them as bpftool does, so code
 * including it needs `-fms-extensions -Wno-microsoft-anon-tag` (clang), as the kernel's own selftests use.
 */
export function dumpC(spec: Spec, options: DumpCOptions = {}): string {
  const all = [...spec.types()];
  const dumper = new CDumper({
    typeTags: options.typeTags ?? true,
    alignMemo: new Map(),
    budget: { inlineDefs: 4 * all.length + 1024 },
  });
  dumper.markReferenced(all);
  for (const t of options.types ?? all) dumper.dumpType(t);
  const guard = options.guard ?? '__VMLINUX_H__';
  const pai = options.preserveAccessIndex ?? true;
  let s = '';
  if (guard !== false) s += `#ifndef ${guard}\n#define ${guard}\n\n`;
  if (pai) {
    s += '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n';
    s += '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n';
    s += '#endif\n\n';
  }
  s += dumper.output();
  if (pai) s += '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n';
  if (guard !== false) s += `#endif /* ${guard} */\n`;
  return s;
}
