/**
 * The README's examples table (markdown), generated from each examples/<name>/example.json (hook, kernel,
 * sample). Usage: npx tsx scripts/examples-table.ts [--check | --stdout]
 *   (default)  rewrites the table in README.md in place (the block starting with `| example | hook |`)
 *   --check    exits 1 when README.md's table differs from the generated one
 *   --stdout   prints the table only
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readExamples } from '../src/cli/list.js';

/** The first line of the table; it marks where the table starts in README.md. */
export const TABLE_HEADER = '| example | hook | kernel | sample output |';

/** Escapes a value for a markdown table cell. */
const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table of the examples under `root`, one row per example, ending with a newline. */
export function renderExamplesTable(root: string): string {
  const rows = readExamples(root).map((e) => {
    const meta = JSON.parse(readFileSync(join(root, 'examples', e.name, 'example.json'), 'utf8')) as {
      sample?: string;
    };
    return `| \`${e.name}\` | ${esc(e.hook)} | ${esc(e.kernel)} | \`${esc(meta.sample ?? '')}\` |`;
  });
  return `${[TABLE_HEADER, '| --- | --- | --- | --- |', ...rows].join('\n')}\n`;
}

/**
 * `readme` with its examples table (from the header line to the last consecutive `|` line) replaced by
 * `table`. Throws when the README has no such table.
 */
export function replaceExamplesTable(readme: string, table: string): string {
  const lines = readme.split('\n');
  const start = lines.indexOf(TABLE_HEADER);
  if (start < 0) throw new Error(`README.md has no examples table (a line "${TABLE_HEADER}")`);
  let end = start;
  while (end < lines.length && (lines[end] as string).startsWith('|')) end++;
  return [...lines.slice(0, start), ...table.replace(/\n$/, '').split('\n'), ...lines.slice(end)].join('\n');
}

/** Runs the command line described at the top of this file; returns the exit code. */
function main(argv: readonly string[]): number {
  const root = join(import.meta.dirname, '..');
  const table = renderExamplesTable(root);
  if (argv.includes('--stdout')) {
    process.stdout.write(table);
    return 0;
  }
  const readmePath = join(root, 'README.md');
  const readme = readFileSync(readmePath, 'utf8');
  const updated = replaceExamplesTable(readme, table);
  const rows = table.split('\n').length - 3;
  if (argv.includes('--check')) {
    if (updated === readme) return 0;
    process.stderr.write('README.md: the examples table is stale; run npx tsx scripts/examples-table.ts\n');
    return 1;
  }
  if (updated !== readme) writeFileSync(readmePath, updated);
  process.stdout.write(
    `README.md: examples table ${updated === readme ? 'already up to date' : 'updated'} (${rows} examples)\n`,
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
