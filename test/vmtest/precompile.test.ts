import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  outputPath,
  PrecompileError,
  precompiledTestFiles,
  precompileTree,
  rewriteAliases,
} from '../../scripts/vmtest/precompile.js';

describe('outputPath', () => {
  const cases: [string, string | undefined][] = [
    ['test/maps/a.test.ts', 'test/maps/a.test.js'],
    ['examples/embedded/embedded.gen.ts', 'examples/embedded/embedded.gen.js'],
    ['src/types.d.ts', undefined],
    ['bpf/x.bpf.c', undefined],
  ];
  for (const [input, want] of cases) {
    it(`${input} -> ${want}`, () => assert.equal(outputPath(input), want));
  }

  it('maps test file lists, leaving non-.ts entries alone', () => {
    assert.deepEqual(precompiledTestFiles(['test/a.test.ts', 'test/b.mjs']), [
      'test/a.test.js',
      'test/b.mjs',
    ]);
  });
});

describe('rewriteAliases', () => {
  const cases: [string, string, string, string][] = [
    [
      'root entry from an example',
      'examples/hello/main.ts',
      'import { x } from "ebpf-ts";',
      'import { x } from "../../src/index.js";',
    ],
    [
      'sub-path entry',
      'examples/hello/main.ts',
      'import { y } from "ebpf-ts/link";',
      'import { y } from "../../src/link/index.js";',
    ],
    ['re-export', 'test/a.test.ts', 'export * from "ebpf-ts/btf";', 'export * from "../src/btf/index.js";'],
    [
      'dynamic import',
      'bench/x.ts',
      'const m = await import("ebpf-ts");',
      'const m = await import("../src/index.js");',
    ],
    ['side-effect import', 'test/x/y.test.ts', 'import "ebpf-ts";', 'import "../../src/index.js";'],
    [
      'file at the root',
      'x.ts',
      'import { a } from "ebpf-ts/elf";',
      'import { a } from "./src/elf/index.js";',
    ],
    [
      'string literal left alone',
      'test/a.test.ts',
      `const s = "from 'ebpf-ts';";`,
      `const s = "from 'ebpf-ts';";`,
    ],
    [
      'other packages left alone',
      'test/a.test.ts',
      'import k from "ebpf-ts-extra";',
      'import k from "ebpf-ts-extra";',
    ],
  ];
  for (const [name, file, input, want] of cases) {
    it(name, () => assert.equal(rewriteAliases(input, file).code, want));
  }

  it('counts rewrites', () => {
    assert.equal(rewriteAliases('import "ebpf-ts";\nimport { a } from "ebpf-ts/link";', 'a/b.ts').count, 2);
  });
});

describe('precompileTree', () => {
  const root = mkdtempSync(join(tmpdir(), 'ebpf-ts-precompile-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('transpiles a tree that plain node then runs, aliases and enums included', async () => {
    mkdirSync(join(root, 'src', 'link'), { recursive: true });
    mkdirSync(join(root, 'examples', 'demo'), { recursive: true });
    writeFileSync(
      join(root, 'src', 'index.ts'),
      'export enum Kind { A = 1, B }\nexport const answer: number = 42;\n',
    );
    writeFileSync(
      join(root, 'src', 'link', 'index.ts'),
      "import type { Kind } from '../index.js';\nexport const k = (x: Kind): string => 'k' + String(x);\n",
    );
    writeFileSync(join(root, 'src', 'types.d.ts'), 'export type T = number;\n');
    writeFileSync(
      join(root, 'examples', 'demo', 'main.ts'),
      "import { answer, Kind } from 'ebpf-ts';\nimport { k } from 'ebpf-ts/link';\nclass C { readonly v: number; constructor(v: number) { this.v = v; } }\nconsole.log(answer, k(Kind.B), new C(3).v);\n",
    );
    writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
    const res = await precompileTree(root);
    assert.deepEqual(res, { files: 3, aliases: 2 });
    assert.match(readFileSync(join(root, 'examples', 'demo', 'main.js'), 'utf8'), /sourceMappingURL=data:/);
    const run = spawnSync(process.execPath, [join(root, 'examples', 'demo', 'main.js')], {
      encoding: 'utf8',
    });
    assert.equal(run.stderr, '');
    assert.equal(run.stdout, '42 k2 3\n');
  });

  it('names the file esbuild rejects', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'ebpf-ts-precompile-bad-'));
    try {
      mkdirSync(join(bad, 'test'));
      writeFileSync(join(bad, 'test', 'broken.test.ts'), 'const = ;\n');
      await assert.rejects(precompileTree(bad), (err: unknown) => {
        assert.ok(err instanceof PrecompileError);
        assert.equal(err.file, join('test', 'broken.test.ts'));
        return true;
      });
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });
});
