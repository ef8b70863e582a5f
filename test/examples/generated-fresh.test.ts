/**
 * Committed generated modules (`examples/<name>/*.gen.ts`) must equal what `ebpf-ts gen` makes now from the
 * committed objects, with the arguments recorded in each file's "Regenerate with:" line. Stale files fail.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { generateFromArgs, parseGenArgs } from '../../src/cli/gen.js';

const ROOT = join(import.meta.dirname, '..', '..');

function genFiles(): string[] {
  const dir = join(ROOT, 'examples');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(dir, d.name))
        .filter((f) => f.endsWith('.gen.ts'))
        .map((f) => join(dir, d.name, f)),
    );
}

/** Splits a recorded command line, honouring double quotes. */
function splitArgs(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? (m[2] as string));
}

describe('committed generated modules are fresh', () => {
  const files = genFiles();
  it('there are generated modules to check', () => {
    assert.ok(files.length > 0);
  });
  for (const file of files) {
    it(file.slice(ROOT.length + 1), () => {
      const text = readFileSync(file, 'utf8');
      const m = /^\/\/ Regenerate with: ebpf-ts gen (.*)$/m.exec(text);
      assert.ok(m, 'has a "Regenerate with:" line');
      const argv = splitArgs(m[1] as string);
      const args = parseGenArgs(argv);
      // The recorded object path is relative to the module; a bare name means bpf/<name>.
      let object = resolve(dirname(file), args.object);
      if (!existsSync(object)) object = join(ROOT, 'bpf', args.object);
      const regenerated = generateFromArgs({ ...args, object, out: file });
      assert.equal(regenerated, text, `stale: regenerate with ebpf-ts gen ${m[1]} --out ${file}`);
    });
  }
});
