/**
 * Uprobe target resolution without a kernel: symbol → file offset (against readelf), library lookup
 * (against ldconfig), globs, and the errors for bad inputs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isParseError } from '../../src/errors.js';
import { matchGlob } from '../../src/link/elf-symbols.js';
import { openExecutable } from '../../src/link/executable.js';
import { resolveLibraryPath } from '../../src/link/library-path.js';
import { removeUprobeTarget, uprobeTarget } from './fixture-binary.js';

after(removeUprobeTarget);

/** File offset of `symbol` computed from `readelf` output: value - p_vaddr + p_offset of its PT_LOAD. */
function readelfOffset(path: string, symbol: string, dynamic = false): bigint {
  const syms = execFileSync('readelf', ['-W', dynamic ? '--dyn-syms' : '-s', path], { encoding: 'utf8' });
  const line = syms
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[3] === 'FUNC' && (f[7] === symbol || f[7]?.startsWith(`${symbol}@@`)));
  assert.ok(line, `readelf does not list ${symbol}`);
  const value = BigInt(`0x${line[1]}`);
  const loads = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[0] === 'LOAD')
    .map((f) => ({
      offset: BigInt(f[1] as string),
      vaddr: BigInt(f[2] as string),
      filesz: BigInt(f[4] as string),
    }));
  const seg = loads.find((s) => value >= s.vaddr && value < s.vaddr + s.filesz);
  assert.ok(seg, `no PT_LOAD maps ${symbol}`);
  return value - seg.vaddr + seg.offset;
}

function ldconfigPath(name: string): string {
  const line = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.trim().startsWith(`${name} (`) && /x86-64|AArch64|64bit/.test(l));
  assert.ok(line, `ldconfig does not know ${name}`);
  return (line.split(' => ')[1] as string).trim();
}

describe('Executable symbol offsets', () => {
  it('matches readelf for the functions of the test binary', () => {
    const path = uprobeTarget();
    const exe = openExecutable(path);
    for (const sym of ['ebpfts_target_add', 'ebpfts_target_other', 'main'])
      assert.equal(exe.symbolOffset(sym), readelfOffset(path, sym), sym);
    assert.ok(exe.symbolNames().includes('ebpfts_target_add'));
  });

  it('matches readelf for getpid in libc (dynamic symbols)', () => {
    const exe = openExecutable('libc.so.6');
    assert.equal(exe.symbolOffset('getpid'), readelfOffset(exe.path, 'getpid', true));
  });

  it('does not offer data symbols or imports', () => {
    const exe = openExecutable(uprobeTarget());
    assert.throws(() => exe.symbolOffset('ebpfts_semaphore'), { code: 'ENOENT' });
    assert.throws(() => exe.symbolOffset('getpid'), { code: 'ENOENT' }); // imported from libc
    assert.throws(() => exe.symbolOffset('no_such_function'), /not found/);
  });

  it('names the file when it is not ELF', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-exe-'));
    try {
      const p = join(dir, 'not-elf');
      writeFileSync(p, 'hello, this is not an ELF file at all, just text that is long enough\n');
      assert.throws(
        () => openExecutable(p).symbolOffset('main'),
        (e: unknown) => isParseError(e) && e.message.includes(p),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses relocatable objects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-exe-'));
    try {
      const src = join(dir, 'a.c');
      writeFileSync(src, 'int f(void) { return 1; }\n');
      execFileSync('gcc', ['-c', src, '-o', join(dir, 'a.o')]);
      assert.throws(() => openExecutable(join(dir, 'a.o')).symbolOffset('f'), { code: 'EINVAL' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('matchGlob', () => {
  const names = ['malloc', 'malloc_trim', 'calloc', 'free', 'pthread_create', 'pthread_join'];
  const cases: Array<[string, string[]]> = [
    ['malloc', ['malloc']],
    ['*alloc', ['calloc', 'malloc']],
    ['malloc*', ['malloc', 'malloc_trim']],
    ['pthread_*', ['pthread_create', 'pthread_join']],
    ['?alloc', ['calloc', 'malloc']],
    ['fre.', []],
    ['*', [...names].sort()],
  ];
  for (const [pattern, want] of cases)
    it(pattern, () => {
      assert.deepEqual(matchGlob(names, pattern), want);
    });
});

describe('resolveLibraryPath', () => {
  it('finds libc.so.6 where ldconfig says it is', () => {
    assert.equal(resolveLibraryPath('libc.so.6'), ldconfigPath('libc.so.6'));
  });

  it('takes paths as they are and rejects missing ones', () => {
    const libc = ldconfigPath('libc.so.6');
    assert.equal(resolveLibraryPath(libc), libc);
    assert.throws(() => resolveLibraryPath('/no/such/lib.so'), { code: 'ENOENT' });
  });

  it('searches LD_LIBRARY_PATH first, then the cache, then the directories', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-lib-'));
    try {
      writeFileSync(join(dir, 'libc.so.6'), 'shadow');
      writeFileSync(join(dir, 'libonly-here.so.1'), 'x');
      assert.equal(
        resolveLibraryPath('libc.so.6', { libraryPath: `/nonexistent:${dir}` }),
        join(dir, 'libc.so.6'),
      );
      assert.equal(resolveLibraryPath('libc.so.6', { libraryPath: '' }), ldconfigPath('libc.so.6'));
      assert.equal(
        resolveLibraryPath('libonly-here.so.1', { libraryPath: '', dirs: ['/nonexistent', dir] }),
        join(dir, 'libonly-here.so.1'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('falls back to the directories when the cache is corrupt or absent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-lib-'));
    try {
      const cache = join(dir, 'ld.so.cache');
      writeFileSync(cache, 'garbage');
      writeFileSync(join(dir, 'libx.so'), 'x');
      assert.equal(
        resolveLibraryPath('libx.so', { cachePath: cache, dirs: [dir], libraryPath: '' }),
        join(dir, 'libx.so'),
      );
      assert.equal(
        resolveLibraryPath('libx.so', { cachePath: null, dirs: [dir], libraryPath: '' }),
        join(dir, 'libx.so'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports where it looked when nothing matches', () => {
    assert.throws(
      () => resolveLibraryPath('libdefinitely-not-here.so.9', { libraryPath: '' }),
      (e: unknown) => (e as { code?: string }).code === 'ENOENT' && /searched/.test((e as Error).message),
    );
    assert.throws(() => resolveLibraryPath('..'), { code: 'EINVAL' });
  });
});
