/**
 * Resolving a library name (`libc.so.6`) to a file the way the dynamic loader would: `LD_LIBRARY_PATH`,
 * then `/etc/ld.so.cache`, then the default directories (multiarch ones included). Names containing `/`
 * are paths and are used as they are.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EbpfError, isParseError } from '../errors.js';
import { hostLdCacheFlags, LD_CACHE_ELF_LIBC6, type LdSoCacheEntry, parseLdSoCache } from './ld-so-cache.js';

/** The default ld.so.cache location. */
export const LD_SO_CACHE_PATH = '/etc/ld.so.cache';

/** Debian-style multiarch tuple of `arch`, or undefined. */
export function multiarchTuple(arch: string = process.arch): string | undefined {
  const t: Record<string, string> = {
    x64: 'x86_64-linux-gnu',
    arm64: 'aarch64-linux-gnu',
    s390x: 's390x-linux-gnu',
    ppc64: 'powerpc64le-linux-gnu',
    riscv64: 'riscv64-linux-gnu',
    loong64: 'loongarch64-linux-gnu',
  };
  return t[arch];
}

/** The directories searched after the cache, in order. */
export function defaultLibraryDirs(arch: string = process.arch): string[] {
  const tuple = multiarchTuple(arch);
  const multi = tuple ? [`/lib/${tuple}`, `/usr/lib/${tuple}`] : [];
  return [...multi, '/lib64', '/usr/lib64', '/lib', '/usr/lib', '/usr/local/lib'];
}

/** Options of `resolveLibraryPath`. */
export interface ResolveLibraryOptions {
  /** ld.so.cache to consult (default `/etc/ld.so.cache`; `null` skips it). */
  cachePath?: string | null;
  /** Directories to search after the cache (default `defaultLibraryDirs()`). */
  dirs?: readonly string[];
  /** Colon-separated directories searched first (default `process.env.LD_LIBRARY_PATH`). */
  libraryPath?: string | undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The best cache entry for `name`: the host ABI first, then any ELF libc6 entry whose file exists. */
export function pickCacheEntry(entries: readonly LdSoCacheEntry[], name: string): string | undefined {
  const host = hostLdCacheFlags();
  const matches = entries.filter((e) => e.name === name && (e.flags & 0xff) === LD_CACHE_ELF_LIBC6);
  const ordered = host === undefined ? matches : [...matches.filter((e) => e.flags === host)];
  if (host !== undefined && ordered.length === 0)
    ordered.push(...matches.filter((e) => (e.flags & 0xff00) === 0));
  return ordered.find((e) => isFile(e.path))?.path;
}

function fromCache(cachePath: string, name: string): string | undefined {
  if (!existsSync(cachePath)) return undefined;
  try {
    return pickCacheEntry(parseLdSoCache(readFileSync(cachePath)), name);
  } catch (e) {
    // A corrupt cache is not fatal: the loader falls back to the default directories too.
    if (isParseError(e)) return undefined;
    throw e;
  }
}

/** Resolves `name` to a library file, or throws `ENOENT` naming where it looked. */
export function resolveLibraryPath(name: string, opts: ResolveLibraryOptions = {}): string {
  if (name.includes('/')) {
    if (!isFile(name)) throw new EbpfError(`${name}: no such file`, 'ENOENT');
    return name;
  }
  if (name === '' || name === '.' || name === '..')
    throw new EbpfError(`invalid library name ${JSON.stringify(name)}`, 'EINVAL');
  const envDirs = (opts.libraryPath ?? process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  for (const dir of envDirs) if (isFile(join(dir, name))) return join(dir, name);
  const cachePath = opts.cachePath === undefined ? LD_SO_CACHE_PATH : opts.cachePath;
  if (cachePath !== null) {
    const hit = fromCache(cachePath, name);
    if (hit !== undefined) return hit;
  }
  const dirs = opts.dirs ?? defaultLibraryDirs();
  for (const dir of dirs) if (isFile(join(dir, name))) return join(dir, name);
  throw new EbpfError(
    `library ${name} not found (searched LD_LIBRARY_PATH, ${cachePath ?? 'no cache'}, ${dirs.join(', ')})`,
    'ENOENT',
  );
}
