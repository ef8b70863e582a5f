/**
 * Reading the running kernel's configuration for `__kconfig` externs: `/boot/config-$(uname -r)` or, when
 * that is missing, `/proc/config.gz` (gunzipped with node:zlib). `CONFIG_X=value` lines give values;
 * `# CONFIG_X is not set` gives `n`. Parsed once per kernel context.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { EbpfError } from '../errors.js';
import type { KernelContext } from '../syscall/context.js';

/** Where the configuration came from and what it says. */
export interface KernelConfig {
  readonly path: string;
  /** Raw values by option name (`CONFIG_HZ` → `250`, `CONFIG_X` → `y`, strings with their quotes). */
  readonly values: ReadonlyMap<string, string>;
}

/** Parses kernel config text. */
export function parseKernelConfig(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const unset = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (unset) {
      values.set(unset[1] as string, 'n');
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return values;
}

function tryRead(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new EbpfError(`kernel config: read ${path}: ${(e as Error).message}`, code ?? 'EIO', { cause: e });
  }
}

/**
 * The running kernel's configuration (cached on `ctx`). Throws `EbpfError` (code `ENOENT`) when neither
 * `/boot/config-<release>` nor `/proc/config.gz` exists.
 */
export function kernelConfig(ctx: KernelContext): KernelConfig {
  return ctx.cached('collection:kernel-config', () => {
    const release = ctx.backend.uname().release;
    const boot = `/boot/config-${release}`;
    const plain = tryRead(boot);
    if (plain !== undefined) return { path: boot, values: parseKernelConfig(plain.toString('latin1')) };
    const gz = tryRead('/proc/config.gz');
    if (gz === undefined) {
      throw new EbpfError(
        `kernel config: neither ${boot} nor /proc/config.gz exists (CONFIG_IKCONFIG_PROC); __kconfig externs need one`,
        'ENOENT',
      );
    }
    let text: string;
    try {
      text = gunzipSync(gz).toString('latin1');
    } catch (e) {
      throw new EbpfError(`kernel config: /proc/config.gz: ${(e as Error).message}`, 'EIO', { cause: e });
    }
    return { path: '/proc/config.gz', values: parseKernelConfig(text) };
  });
}
