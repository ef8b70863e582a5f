import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listCheckoutFiles, snapshotCheckout } from '../../scripts/vmtest/snapshot.js';

describe('snapshotCheckout', () => {
  let base = '';
  let repo = '';
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'vmtest-snap-'));
    repo = join(base, 'repo');
    mkdirSync(join(repo, 'src/deep'), { recursive: true });
    mkdirSync(join(repo, 'node_modules/pkg'), { recursive: true });
    execFileSync('git', ['init', '-q', repo]);
    const files: Record<string, string> = {
      '.gitignore': 'node_modules/\n*.log\nbpf/include/vmlinux.h\n',
      'src/a.ts': 'tracked',
      'src/deep/b.ts': 'tracked deep',
      'src/gone.ts': 'tracked, then deleted',
      'src/new.ts': 'untracked, not ignored',
      'debug.log': 'ignored',
      'node_modules/pkg/index.js': 'dependency',
    };
    for (const [path, text] of Object.entries(files)) writeFileSync(join(repo, path), text);
    symlinkSync('a.ts', join(repo, 'src/link.ts'));
    execFileSync('git', [
      '-C',
      repo,
      'add',
      '.gitignore',
      'src/a.ts',
      'src/deep/b.ts',
      'src/gone.ts',
      'src/link.ts',
    ]);
    rmSync(join(repo, 'src/gone.ts'));
    writeFileSync(join(repo, 'src/a.ts'), 'tracked, edited after git add');
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('lists tracked and untracked-not-ignored paths', () => {
    assert.deepEqual(listCheckoutFiles(repo).sort(), [
      '.gitignore',
      'src/a.ts',
      'src/deep/b.ts',
      'src/gone.ts',
      'src/link.ts',
      'src/new.ts',
    ]);
  });

  it('copies what is on disk now, keeps symlinks, skips deleted and ignored files, links node_modules', () => {
    const dest = join(base, 'copy');
    const snap = snapshotCheckout(repo, dest);
    assert.equal(snap.dir, dest);
    assert.equal(snap.copied, 5);
    assert.equal(readFileSync(join(dest, 'src/a.ts'), 'utf8'), 'tracked, edited after git add');
    assert.equal(readFileSync(join(dest, 'src/deep/b.ts'), 'utf8'), 'tracked deep');
    assert.equal(readFileSync(join(dest, 'src/new.ts'), 'utf8'), 'untracked, not ignored');
    assert.equal(readlinkSync(join(dest, 'src/link.ts')), 'a.ts');
    assert.equal(existsSync(join(dest, 'src/gone.ts')), false);
    assert.equal(existsSync(join(dest, 'debug.log')), false);
    assert.equal(readlinkSync(join(dest, 'node_modules')), join(repo, 'node_modules'));
    assert.equal(readFileSync(join(dest, 'node_modules/pkg/index.js'), 'utf8'), 'dependency');
  });

  it('is a copy: later edits in the checkout do not reach it', () => {
    const dest = join(base, 'frozen');
    snapshotCheckout(repo, dest);
    writeFileSync(join(repo, 'src/deep/b.ts'), 'edited during the run');
    assert.equal(readFileSync(join(dest, 'src/deep/b.ts'), 'utf8'), 'tracked deep');
  });

  it('fails outside a git checkout', () => {
    const plain = mkdtempSync(join(base, 'plain-'));
    assert.throws(() => snapshotCheckout(join(plain, 'nope'), join(base, 'x')));
  });
});
