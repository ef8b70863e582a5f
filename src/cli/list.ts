/**
 * `ebpf-ts list`: the examples in this checkout, read from each `examples/<name>/example.json`
 * (`{ "hook": "...", "kernel": "...", "description": "..." }`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Output, table } from './output.js';
import { findExamplesRoot } from './run-example.js';

/** What an example declares about itself. */
export interface ExampleInfo {
  name: string;
  hook: string;
  kernel: string;
  description: string;
}

/** Reads the example descriptions of a checkout. */
export function readExamples(root = findExamplesRoot()): ExampleInfo[] {
  if (!root) return [];
  const dir = join(root, 'examples');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'main.ts')))
    .map((d) => {
      const metaPath = join(dir, d.name, 'example.json');
      const meta = existsSync(metaPath)
        ? (JSON.parse(readFileSync(metaPath, 'utf8')) as Partial<ExampleInfo>)
        : {};
      return {
        name: d.name,
        hook: meta.hook ?? '',
        kernel: meta.kernel ?? '',
        description: meta.description ?? '',
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Prints the examples table. */
export function listExamples(out: Output): void {
  const rows = readExamples();
  out.print(rows, () =>
    rows.length === 0
      ? 'no examples found (run from a checkout of ebpf-ts)'
      : table(rows, ['name', 'hook', 'kernel', 'description']),
  );
}
