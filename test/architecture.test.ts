/**
 * Enforces the layering in shared/design/architecture.md: imports under src/ only point down, koffi is
 * imported by exactly one file, and the pure layers use no node:* modules.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = resolve(import.meta.dirname, '..', 'src');

/** Layer of each top-level area of src/ (lower number = lower layer). */
const LAYER: Record<string, number> = {
  internal: 0,
  'errors.ts': 0,
  elf: 1,
  btf: 2,
  asm: 2,
  syscall: 3,
  kernel: 4,
  maps: 5,
  prog: 5,
  rlimit: 5,
  collection: 6,
  link: 7,
  ringbuf: 7,
  perf: 7,
  tracepipe: 7,
  features: 8,
  cli: 8,
  'index.ts': 8,
};
/** Areas that must stay pure: no node:* imports, no koffi. */
const PURE = new Set(['internal', 'errors.ts', 'elf', 'asm']);
/** Files of the BTF layer that may touch the kernel (L4 part of btf/). */
const BTF_KERNEL_FILES = /^btf\/kernel/;
/** Siblings at the same layer that may not import each other. */
const SIBLINGS_APART: Array<[string, string]> = [
  ['maps', 'prog'],
  ['prog', 'maps'],
];

function listTs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return listTs(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function areaOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? (rel.split('/')[0] as string) : rel;
}

const IMPORT_RE =
  /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\breq\(\s*['"]([^'"]+)['"]\s*\)/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5];
    if (spec) out.push(spec);
  }
  return out;
}

const files = listTs(SRC);

describe('architecture', () => {
  it('every area of src/ has a layer', () => {
    const unknown = [...new Set(files.map(areaOf))].filter((a) => !(a in LAYER));
    assert.deepEqual(unknown, [], 'add new areas to LAYER in this test and to the architecture doc');
  });

  it('imports point down only (or within the same area)', () => {
    const bad: string[] = [];
    for (const file of files) {
      const from = areaOf(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        const to = areaOf(target);
        if (to === from) continue;
        const rel = relative(SRC, file);
        const fromLayer = from === 'btf' && BTF_KERNEL_FILES.test(rel) ? 4 : (LAYER[from] ?? 99);
        const toRel = relative(SRC, target);
        const toLayer = to === 'btf' && BTF_KERNEL_FILES.test(toRel) ? 4 : (LAYER[to] ?? 99);
        if (toLayer > fromLayer) bad.push(`${rel} -> ${toRel} (L${fromLayer} imports L${toLayer})`);
        if (SIBLINGS_APART.some(([a, b]) => a === from && b === to))
          bad.push(`${rel} -> ${toRel} (siblings)`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('koffi is imported by exactly one file', () => {
    const users = files.filter((f) => importsOf(f).some((s) => s === 'koffi')).map((f) => relative(SRC, f));
    assert.deepEqual(users, ['syscall/koffi-backend.ts']);
  });

  it('pure layers import no node:* modules', () => {
    const bad: string[] = [];
    for (const file of files) {
      const rel = relative(SRC, file);
      const area = areaOf(file);
      const pure = PURE.has(area) || (area === 'btf' && !BTF_KERNEL_FILES.test(rel));
      if (!pure) continue;
      for (const spec of importsOf(file))
        if (spec.startsWith('node:') || spec === 'koffi') bad.push(`${rel}: ${spec}`);
    }
    assert.deepEqual(bad, []);
  });

  it('no `any` in src/', () => {
    const bad = files
      .filter((f) => /:\s*any\b|\bas any\b|<any>/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    assert.deepEqual(bad, []);
  });
});
