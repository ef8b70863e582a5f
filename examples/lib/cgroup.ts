/**
 * cgroup v2 helpers for the examples: where the unified hierarchy is mounted (from /proc/self/mountinfo,
 * so hybrid systems with it at /sys/fs/cgroup/unified work as well as pure v2 ones), and a temporary child
 * cgroup that is removed again when disposed.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Undoes mountinfo's octal escapes (`\040` for a space, ...) in a path field. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/**
 * The mount point of the cgroup v2 hierarchy, read from `mountinfo` (default: this process's). Throws a
 * one-line error when none is mounted.
 */
export function cgroup2Mount(mountinfo: string = readFileSync('/proc/self/mountinfo', 'latin1')): string {
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point options [optional fields...] - fstype source super-options
    const fields = line.split(' ');
    const sep = fields.indexOf('-');
    const mountPoint = fields[4];
    if (sep > 4 && fields[sep + 1] === 'cgroup2' && mountPoint !== undefined)
      return unescapeMountField(mountPoint);
  }
  throw new Error('no cgroup v2 hierarchy is mounted (e.g. mount -t cgroup2 none /sys/fs/cgroup)');
}

/** A cgroup directory created for the run; disposing it moves leftover processes out and removes it. */
export interface TemporaryCgroup extends Disposable {
  /** The cgroup's directory. */
  readonly path: string;
}

/** Pids listed in a cgroup's `cgroup.procs` (empty when it cannot be read). */
function procsOf(cgroup: string): number[] {
  try {
    return readFileSync(join(cgroup, 'cgroup.procs'), 'latin1')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Creates the cgroup `<parent>/<name>`. Disposing it moves any process still inside to `parent` (a cgroup
 * with members cannot be removed) and removes the directory; `onRemoved` reports what happened.
 */
export function createTemporaryCgroup(
  parent: string,
  name: string,
  onRemoved: (message: string) => void = () => {},
): TemporaryCgroup {
  const path = join(parent, name);
  try {
    mkdirSync(path);
  } catch (e) {
    throw new Error(`create cgroup ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return {
    path,
    [Symbol.dispose](): void {
      const moved = procsOf(path);
      for (const pid of moved) {
        try {
          writeFileSync(join(dirname(path), 'cgroup.procs'), `${pid}\n`);
        } catch {
          // exited meanwhile
        }
      }
      try {
        rmdirSync(path);
        onRemoved(
          `removed cgroup ${path}${moved.length > 0 ? ` (moved pids ${moved.join(' ')} to ${parent})` : ''}`,
        );
      } catch (e) {
        onRemoved(`could not remove cgroup ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    },
  };
}
