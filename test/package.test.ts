/**
 * The package's entry points agree: every sub-path in package.json `exports` has a tsup entry and a source
 * index, and the root entry imports without touching the kernel (no I/O at import).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { import: string; require: string }>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
};
const tsup = readFileSync(join(ROOT, 'tsup.config.ts'), 'utf8');

describe('package', () => {
  for (const [path, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    it(`export ${path} has a tsup entry and a source file`, () => {
      const name = path === '.' ? 'index' : path.slice(2);
      assert.equal(target.import, `./dist/${name}.js`);
      assert.equal(target.require, `./dist/${name}.cjs`);
      const m = new RegExp(`\\b'?${name}'?: '([^']+)'`).exec(tsup);
      assert.ok(m, `tsup entry for ${name}`);
      assert.ok(existsSync(join(ROOT, m[1] as string)), `${m[1]} exists`);
    });
  }

  it('the bin is the built CLI', () => {
    assert.equal(pkg.bin['ebpf-ts'], './dist/cli/main.js');
    assert.match(tsup, /'cli\/main': 'src\/cli\/main.ts'/);
  });

  it('koffi is the only runtime dependency', () => {
    assert.deepEqual(Object.keys(pkg.dependencies), ['koffi']);
  });

  it('importing the root entry performs no syscalls (the backend is created lazily)', async () => {
    const ctxMod = await import('../src/syscall/context.js');
    const before = ctxMod.setDefaultContext(undefined);
    try {
      await import('../src/index.js');
      // No default context was created by importing.
      const prev = ctxMod.setDefaultContext(undefined);
      assert.equal(prev, undefined);
    } finally {
      ctxMod.setDefaultContext(before);
    }
  });
});
