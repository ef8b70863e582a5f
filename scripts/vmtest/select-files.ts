/**
 * Turns the configured subset (directories, files, `*` patterns) into a sorted list of test files, and
 * splits a list of files into shards of similar weight for guests that run side by side.
 */
import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

/** The files an entry list expands to, and the entries that matched nothing. */
export interface TestSelection {
  /** Paths relative to the root, `/`-separated, sorted, without duplicates. */
  readonly files: readonly string[];
  /** Entries that matched no test file (e.g. folders not written yet). */
  readonly unmatched: readonly string[];
  /** Files the entries matched but `excludes` removed. */
  readonly excluded: readonly string[];
}

const TEST_FILE = /\.test\.ts$/;

function kindOf(path: string): 'dir' | 'file' | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** Every `*.test.ts` below `dir` (absolute), skipping `node_modules` and dot folders. */
function testFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFilesUnder(path));
    else if (entry.isFile() && TEST_FILE.test(entry.name)) out.push(path);
  }
  return out;
}

/** A glob segment (only `*`, matching any run of characters) as an anchored RegExp. */
export function segmentPattern(segment: string): RegExp {
  const escaped = segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Absolute paths of the test files one entry stands for (relative entries are taken from `root`). */
function expandEntry(root: string, entry: string): string[] {
  const parts = entry.split('/').filter((p) => p !== '' && p !== '.');
  const last = parts.at(-1) ?? '';
  if (parts.slice(0, -1).some((p) => p.includes('*'))) {
    throw new Error(`test path '${entry}': '*' is only supported in the last segment`);
  }
  const base = isAbsolute(entry) ? sep : root;
  if (!last.includes('*')) {
    const path = join(base, ...parts);
    const kind = kindOf(path);
    if (kind === 'dir') return testFilesUnder(path);
    if (kind === 'file') return [path];
    return [];
  }
  const dir = join(base, ...parts.slice(0, -1));
  if (kindOf(dir) !== 'dir') return [];
  const match = segmentPattern(last);
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!match.test(name)) continue;
    const path = join(dir, name);
    const kind = kindOf(path);
    if (kind === 'dir') out.push(...testFilesUnder(path));
    else if (kind === 'file' && TEST_FILE.test(name)) out.push(path);
  }
  return out;
}

function relativeFiles(root: string, entry: string): string[] {
  return expandEntry(root, entry).map((abs) => {
    const rel = relative(root, abs);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`test path '${entry}' is outside ${root}`);
    return rel.split(sep).join('/');
  });
}

/**
 * Expands `entries` against `root`, minus what `excludes` (same syntax) expands to. Results are relative to
 * `root`; an entry that leads outside `root` is an error (the guest runs in the repository).
 */
export function selectTestFiles(
  root: string,
  entries: readonly string[],
  excludes: readonly string[] = [],
): TestSelection {
  const files = new Set<string>();
  const unmatched: string[] = [];
  for (const entry of entries) {
    const found = relativeFiles(root, entry);
    if (found.length === 0) unmatched.push(entry);
    for (const f of found) files.add(f);
  }
  const excluded = new Set<string>();
  for (const entry of excludes) {
    for (const f of relativeFiles(root, entry)) if (files.delete(f)) excluded.add(f);
  }
  return { files: [...files].sort(), unmatched, excluded: [...excluded].sort() };
}

/**
 * Splits `files` into at most `count` shards of similar total weight (longest first onto the lightest
 * shard; ties go to the lower shard, then by name, so the split is deterministic). Empty shards are
 * dropped; each shard lists its files sorted.
 */
export function splitIntoShards(
  files: readonly string[],
  count: number,
  weightOf: (file: string) => number = () => 1,
): string[][] {
  const n = Math.max(1, Math.min(count, files.length));
  const shards: { weight: number; files: string[] }[] = Array.from({ length: n }, () => ({
    weight: 0,
    files: [],
  }));
  const weighed = files.map((file) => ({ file, weight: Math.max(0, weightOf(file)) }));
  weighed.sort((a, b) => b.weight - a.weight || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const { file, weight } of weighed) {
    let target = shards[0]!;
    for (const shard of shards) if (shard.weight < target.weight) target = shard;
    target.files.push(file);
    target.weight += weight;
  }
  return shards.filter((s) => s.files.length > 0).map((s) => s.files.sort());
}

/** Weight of a test file for sharding: its size in bytes (a fair proxy for how many tests it holds). */
export function fileSizeWeight(root: string): (file: string) => number {
  return (file) => {
    try {
      return statSync(join(root, file)).size;
    } catch {
      return 0;
    }
  };
}
