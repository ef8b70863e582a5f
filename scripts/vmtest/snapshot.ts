/**
 * A frozen copy of the checkout for the guests. They read the tree over 9p with `cache=loose` for speed, so
 * a file edited on the host during a run (others keep working while a run takes minutes) can be read stale
 * or cut short, and every test importing it then fails. The copy holds what git would see: tracked files
 * and untracked ones that are not ignored, as they are on disk now; `node_modules` is linked, not copied.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What `snapshotCheckout` copied. */
export interface Snapshot {
  /** The copy's root; run the tests with this as the working directory. */
  readonly dir: string;
  /** Files and symlinks copied. */
  readonly copied: number;
}

/** Paths git lists for `root` (tracked plus untracked-not-ignored), relative, as given by `git ls-files -z`. */
export function listCheckoutFiles(root: string): string[] {
  const out = execFileSync(
    'git',
    ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  return [...new Set(out.split('\0').filter((p) => p !== ''))];
}

/**
 * Copies the checkout at `root` into `dest` (which must be empty or absent) and links `dest/node_modules` to
 * `root/node_modules`. Files listed by git but gone from disk (deleted, not yet committed) are skipped.
 */
export function snapshotCheckout(root: string, dest: string): Snapshot {
  mkdirSync(dest, { recursive: true });
  let copied = 0;
  for (const rel of listCheckoutFiles(root)) {
    if (rel.split('/').includes('..')) continue; // git never lists these; do not trust it blindly either
    const from = join(root, rel);
    const to = join(dest, rel);
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(from);
    } catch {
      continue;
    }
    if (!st.isFile() && !st.isSymbolicLink()) continue;
    mkdirSync(dirname(to), { recursive: true });
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else copyFileSync(from, to);
    copied++;
  }
  try {
    lstatSync(join(root, 'node_modules'));
    symlinkSync(join(root, 'node_modules'), join(dest, 'node_modules'));
  } catch {
    // no node_modules to link: the guest will say what it misses
  }
  return { dir: dest, copied };
}
