/**
 * TypeScript declarations of a generated module: each enum as a `const` object of its enumerators plus
 * a union type of their values, and each struct/union/datasec as an interface whose properties carry
 * the C member names (union members optional: encoding writes those present).
 */

import type { FieldLayout } from '../btf/codec-layout.js';
import { propertyKey, tsTypeOf } from '../btf/codec-source.js';
import type { GenEnum, GenModel, GenRecord } from './gen-model.js';
import { cTypeName } from './gen-model.js';

/** Makes text safe inside a block comment. */
export function commentText(s: string): string {
  return s.replace(/\*\//g, '*\\/').replace(/[\r\n]+/g, ' ');
}

/** `export const X = {...} as const; export type X = ...;` for one enum. */
export function emitEnum(e: GenEnum): string {
  const t = e.type;
  const label = commentText(t.name === '' ? 'anonymous enum' : `enum ${t.name}`);
  const big = t.size === 8;
  const entries = t.values.map(
    (v) => `  ${propertyKey(v.name, true)}: ${big ? `${v.value}n` : `${Number(v.value)}`},`,
  );
  const lines = [
    `/** Enumerators of \`${label}\` (${t.size} bytes, ${t.signed ? 'signed' : 'unsigned'}). */`,
    `export const ${e.name} = {`,
    ...entries,
    '} as const;',
    `/** A value of \`${label}\`. Decoding passes values without an enumerator through unchanged. */`,
  ];
  lines.push(
    t.values.length === 0
      ? `export type ${e.name} = ${big ? 'bigint' : 'number'};`
      : `export type ${e.name} = (typeof ${e.name})[keyof typeof ${e.name}];`,
  );
  return lines.join('\n');
}

function fieldComment(f: FieldLayout): string {
  const where =
    f.bitfield === undefined
      ? `offset ${f.offset}`
      : `bits ${f.bitfield.bitOffset}..${f.bitfield.bitOffset + f.bitfield.bits - 1} (${f.bitfield.bits}-bit bitfield)`;
  return `/** \`${commentText(cTypeName(f.type))}\` at ${where}. */`;
}

/** `export interface X { ... }` for one record. */
export function emitInterface(r: GenRecord, model: GenModel): string {
  const l = r.layout;
  const t = l.type;
  const label = commentText(
    t.kind === 'datasec'
      ? `section ${t.name}`
      : t.name === ''
        ? `anonymous ${t.kind}`
        : `${t.kind} ${t.name}`,
  );
  const note = l.union
    ? ' Members overlap: every one is decoded; encoding writes those present, in order.'
    : '';
  const doc = `/** \`${label}\` (${l.size} bytes).${note} */`;
  if (l.fields.length === 0) return `${doc}\nexport type ${r.name} = Record<string, never>;`;
  const lines = [doc, `export interface ${r.name} {`];
  for (const f of l.fields) {
    lines.push(`  ${fieldComment(f)}`);
    lines.push(
      `  ${propertyKey(f.name, false)}${f.optional ? '?' : ''}: ${tsTypeOf(f.layout, model.naming)};`,
    );
  }
  lines.push('}');
  return lines.join('\n');
}
