/**
 * The loader part of a generated module: the object itself (embedded as base64, or found by a path
 * relative to the generated file) and `load<Name>Spec()`.
 */
import type { GenModel } from './gen-model.js';
import { commentText } from './gen-types.js';

/** How the generated module gets the object. */
export type ObjectSource = { kind: 'embed'; bytes: Uint8Array } | { kind: 'path'; relative: string };

const BASE64_LINE = 100;

/** Node imports the loader code needs. */
export function loaderImports(source: ObjectSource): string[] {
  return source.kind === 'path' ? ["import { fileURLToPath } from 'node:url';"] : [];
}

/** Declarations of the object bytes/path and `load<Name>Spec` (whose name is returned too). */
export function emitLoader(
  model: GenModel,
  name: string,
  source: ObjectSource,
  helpers: Set<string>,
): { text: string; specFn: string } {
  const pascal = name.charAt(0).toUpperCase() + name.slice(1);
  const specFn = model.names.allocate(`load${pascal}Spec`);
  const file = JSON.stringify(model.file);
  const out: string[] = [];
  if (source.kind === 'embed') {
    helpers.add('decodeBase64');
    const constName = model.names.allocate(`${name}Object`);
    const b64 = Buffer.from(source.bytes.buffer, source.bytes.byteOffset, source.bytes.byteLength).toString(
      'base64',
    );
    const lines: string[] = [];
    for (let i = 0; i < b64.length; i += BASE64_LINE) lines.push(`  '${b64.slice(i, i + BASE64_LINE)}',`);
    out.push(
      `/** The object file \`${commentText(model.file)}\` (${source.bytes.byteLength} bytes), base64. */`,
      `const ${constName}: string = [\n${lines.join('\n')}\n].join('');`,
      '',
      `/** Parses the embedded \`${commentText(model.file)}\` into a fresh \`CollectionSpec\` (adjust it, then load it). */`,
      `export function ${specFn}(): CollectionSpec {`,
      `  return loadCollectionSpec(decodeBase64(${constName}), { name: ${file} });`,
      '}',
    );
  } else {
    out.push(
      `/** Parses \`${commentText(source.relative)}\` (relative to this module) into a fresh \`CollectionSpec\`. */`,
      `export function ${specFn}(): CollectionSpec {`,
      `  return loadCollectionSpec(fileURLToPath(new URL(${JSON.stringify(source.relative)}, import.meta.url)));`,
      '}',
    );
  }
  return { text: out.join('\n'), specFn };
}
