/**
 * Prints the README's examples table (markdown) from each examples/<name>/example.json.
 * Usage: npx tsx scripts/examples-table.ts
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExamples } from '../src/cli/list.js';

const root = join(import.meta.dirname, '..');
const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const rows = readExamples(root).map((e) => {
  const meta = JSON.parse(readFileSync(join(root, 'examples', e.name, 'example.json'), 'utf8')) as {
    sample?: string;
  };
  return `| \`${e.name}\` | ${esc(e.hook)} | ${esc(e.kernel)} | \`${esc(meta.sample ?? '')}\` |`;
});
process.stdout.write(
  `${['| example | hook | kernel | sample output |', '| --- | --- | --- | --- |', ...rows].join('\n')}\n`,
);
