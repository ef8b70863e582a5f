import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KERNEL_TEST_EXCLUDES, KERNEL_TEST_PATHS } from '../../scripts/vmtest/config.js';
import {
  fileSizeWeight,
  segmentPattern,
  selectTestFiles,
  splitIntoShards,
} from '../../scripts/vmtest/select-files.js';

const TREE: Record<string, number> = {
  'test/maps/a.test.ts': 10,
  'test/maps/b.test.ts': 20,
  'test/maps/helper.ts': 5,
  'test/maps/deep/c.test.ts': 30,
  'test/btf/kernel-spec.test.ts': 40,
  'test/btf/kernel/inner.test.ts': 50,
  'test/btf/spec.test.ts': 60,
  'test/btf/kernel-notes.md': 1,
  'test/prog/.hidden/x.test.ts': 1,
  'test/prog/node_modules/y.test.ts': 1,
  'test/prog/p.test.ts': 70,
};

describe('selectTestFiles', () => {
  let root = '';
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'vmtest-select-'));
    for (const [path, size] of Object.entries(TREE)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), 'x'.repeat(size));
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const cases: [string, string[], string[], string[]][] = [
    [
      'a directory: every *.test.ts below it',
      ['test/maps'],
      ['test/maps/a.test.ts', 'test/maps/b.test.ts', 'test/maps/deep/c.test.ts'],
      [],
    ],
    [
      'a pattern in the last segment: matching files and folders',
      ['test/btf/kernel*'],
      ['test/btf/kernel-spec.test.ts', 'test/btf/kernel/inner.test.ts'],
      [],
    ],
    ['a single file', ['test/btf/spec.test.ts'], ['test/btf/spec.test.ts'], []],
    ['skips dot folders and node_modules', ['test/prog'], ['test/prog/p.test.ts'], []],
    [
      'reports entries that match nothing, keeps going',
      ['test/ringbuf', 'test/btf/none*', 'test/prog'],
      ['test/prog/p.test.ts'],
      ['test/ringbuf', 'test/btf/none*'],
    ],
    [
      'sorts and removes duplicates across entries',
      ['test/maps/b.test.ts', 'test/maps', './test/maps/'],
      ['test/maps/a.test.ts', 'test/maps/b.test.ts', 'test/maps/deep/c.test.ts'],
      [],
    ],
  ];
  for (const [what, entries, files, unmatched] of cases) {
    it(what, () => assert.deepEqual(selectTestFiles(root, entries), { files, unmatched, excluded: [] }));
  }

  it('removes what the excludes match (files, folders, patterns) and says which', () => {
    assert.deepEqual(
      selectTestFiles(
        root,
        ['test/maps', 'test/btf/kernel*'],
        ['test/maps/deep', 'test/btf/kernel-*', 'test/none'],
      ),
      {
        files: ['test/btf/kernel/inner.test.ts', 'test/maps/a.test.ts', 'test/maps/b.test.ts'],
        unmatched: [],
        excluded: ['test/btf/kernel-spec.test.ts', 'test/maps/deep/c.test.ts'],
      },
    );
  });

  it('refuses * outside the last segment', () => {
    assert.throws(() => selectTestFiles(root, ['test/*/a.test.ts']), /only supported in the last segment/);
  });

  it('refuses paths leading outside the root', () => {
    writeFileSync(join(dirname(root), `${root.split('/').at(-1)}-outside.test.ts`), '');
    try {
      assert.throws(
        () => selectTestFiles(root, [`../${root.split('/').at(-1)}-outside.test.ts`]),
        /is outside/,
      );
    } finally {
      rmSync(join(dirname(root), `${root.split('/').at(-1)}-outside.test.ts`), { force: true });
    }
  });

  it('weighs files by size, missing files as 0', () => {
    const weigh = fileSizeWeight(root);
    assert.equal(weigh('test/prog/p.test.ts'), 70);
    assert.equal(weigh('test/nope.test.ts'), 0);
  });
});

describe('the configured subset', () => {
  it('lists the kernel-facing folders the issue names, each once', () => {
    for (const p of [
      'test/maps',
      'test/prog',
      'test/features',
      'test/link',
      'test/collection',
      'test/ringbuf',
    ]) {
      assert.ok(KERNEL_TEST_PATHS.includes(p), p);
    }
    for (const p of ['test/perf', 'test/syscall', 'test/tracepipe', 'test/btf/kernel*']) {
      assert.ok(KERNEL_TEST_PATHS.includes(p), p);
    }
    // the examples whose hooks the development kernel lacks must run in guests
    for (const p of [
      'test/examples/kprobe*',
      'test/examples/fentry-unlink.test.ts',
      'test/examples/lsm-connect.test.ts',
      'test/examples/tcpconnlat.test.ts',
    ]) {
      assert.ok(KERNEL_TEST_PATHS.includes(p), p);
    }
    assert.equal(new Set(KERNEL_TEST_PATHS).size, KERNEL_TEST_PATHS.length);
  });

  it('expands in this repository to test files only, none of the pure-parser folders', () => {
    const root = join(dirname(new URL(import.meta.url).pathname), '../..');
    const { files, excluded } = selectTestFiles(
      root,
      KERNEL_TEST_PATHS,
      KERNEL_TEST_EXCLUDES.map((e) => e.path),
    );
    assert.ok(files.length > 0);
    assert.ok(excluded.includes('test/collection/fuzz.test.ts'));
    // every exclusion names an existing file of the subset, and the kernel-facing files stay in
    assert.deepEqual([...excluded].sort(), KERNEL_TEST_EXCLUDES.map((e) => e.path).sort());
    for (const f of [
      'test/link/kprobe.test.ts',
      'test/syscall/attr-layouts.test.ts',
      'test/link/layouts.test.ts',
    ])
      assert.ok(files.includes(f), f);
    for (const f of files) {
      assert.match(f, /\.test\.ts$/);
      assert.doesNotMatch(f, /^test\/(elf|asm|vmtest)\//);
    }
  });
});

describe('segmentPattern', () => {
  const cases: [string, string, boolean][] = [
    ['kernel*', 'kernel-spec.test.ts', true],
    ['kernel*', 'kernel', true],
    ['kernel*', 'akernel', false],
    ['*.test.ts', 'x.test.ts', true],
    ['*.test.ts', 'xtest.ts', false],
    ['a+b*', 'a+bc', true],
  ];
  for (const [pattern, name, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${name}`, () => {
      assert.equal(segmentPattern(pattern).test(name), expected);
    });
  }
});

describe('splitIntoShards', () => {
  const weights: Record<string, number> = { a: 50, b: 40, c: 30, d: 20, e: 10, f: 10 };
  const weigh = (f: string): number => weights[f] ?? 0;

  it('balances by weight, longest first onto the lightest shard', () => {
    assert.deepEqual(splitIntoShards(['a', 'b', 'c', 'd', 'e', 'f'], 2, weigh), [
      ['a', 'd', 'e'],
      ['b', 'c', 'f'],
    ]);
  });

  it('keeps every file exactly once', () => {
    const files = Array.from({ length: 37 }, (_, i) => `f${i}`);
    const shards = splitIntoShards(files, 3, (f) => Number(f.slice(1)) % 7);
    assert.equal(shards.length, 3);
    assert.deepEqual(shards.flat().sort(), [...files].sort());
  });

  it('one shard keeps the list (sorted)', () => {
    assert.deepEqual(splitIntoShards(['b', 'a'], 1), [['a', 'b']]);
  });

  it('never makes more shards than files, and none from no files', () => {
    assert.deepEqual(splitIntoShards(['a'], 4), [['a']]);
    assert.deepEqual(splitIntoShards([], 2), []);
  });

  it('is deterministic with equal weights (round robin by name)', () => {
    assert.deepEqual(splitIntoShards(['d', 'c', 'b', 'a'], 2), [
      ['a', 'c'],
      ['b', 'd'],
    ]);
  });
});
