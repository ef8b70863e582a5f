/**
 * The running kernel's BTF as `Spec`s: vmlinux (read — or mapped, where sysfs allows — once per kernel
 * context and parsed lazily: only an index of record offsets is built up front; types are decoded when
 * looked up) and the split BTF of loaded modules, on top of vmlinux, read only when asked for.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EbpfError } from '../errors.js';
import type { SyscallBackend } from '../syscall/backend.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import {
  type BtfFileContents,
  checkModuleName,
  locateKernelBtf,
  mapBtfFile,
  readBtfFile,
  SYSFS_BTF_DIR,
  SYSFS_VMLINUX_BTF,
  vmlinuxImageCandidates,
} from './kernel-source.js';
import { loadSpec, type Spec } from './spec.js';

/** Context cache key of the running kernel's vmlinux spec (default location). */
export const KERNEL_SPEC_CACHE_KEY = 'btf:kernel-spec';

/** Options of `loadKernelSpec`. */
export interface KernelSpecOptions {
  /** Kernel context whose cache holds the spec (the default context when omitted). */
  ctx?: KernelContext;
  /**
   * Read the kernel's BTF from this file (raw BTF, or an ELF image with `.BTF`) instead of searching
   * sysfs and the usual vmlinux locations. Cached separately per path.
   */
  path?: string;
}

/** Options of the module BTF functions. */
export interface KernelModuleOptions {
  /** Kernel context whose cache holds the specs (the default context when omitted). */
  ctx?: KernelContext;
  /**
   * Directory holding `vmlinux` and one split BTF file per module (default `/sys/kernel/btf`). With
   * another directory, its `vmlinux` file is the base.
   */
  dir?: string;
}

/** A loaded module's BTF. */
export interface KernelModuleSpec {
  /** Module name (`nf_conntrack`). */
  readonly name: string;
  /** The module's split BTF; its base is the kernel's spec. */
  readonly spec: Spec;
}

/**
 * Raw BTF was read (or mapped) into a buffer of its own, which the spec can keep; an ELF file's `.BTF`
 * is a view of the whole image, so it is copied out.
 */
function parseKernelBtf(file: BtfFileContents, base?: Spec): Spec {
  const copy = file.format !== 'raw';
  return loadSpec(
    file.bytes,
    base === undefined ? { section: file.path, copy } : { base, section: file.path, copy },
  );
}

/** Reads a kernel BTF candidate, mapping sysfs vmlinux BTF when the kernel and backend allow. */
function readKernelBtf(path: string, ctx: KernelContext): BtfFileContents {
  if (path === SYSFS_VMLINUX_BTF) {
    let backend: SyscallBackend | undefined;
    try {
      backend = ctx.backend;
    } catch {
      backend = undefined;
    }
    const mapped = backend === undefined ? undefined : mapBtfFile(path, backend);
    if (mapped !== undefined) return mapped;
  }
  return readBtfFile(path);
}

/**
 * The running kernel's BTF (`vmlinux`): `/sys/kernel/btf/vmlinux`, or the `.BTF` section of a vmlinux ELF
 * image (`/boot/vmlinux-<release>`, `/lib/modules/<release>/...`, `/usr/lib/debug/...`) on kernels without
 * it. Read and indexed once per context (later calls return the same `Spec`); types are decoded on
 * lookup. Throws `NotSupportedError('kernel BTF', '5.4')` when no BTF is found.
 */
export function loadKernelSpec(opts: KernelSpecOptions = {}): Spec {
  const ctx = opts.ctx ?? defaultContext();
  const path = opts.path;
  if (path !== undefined) {
    return ctx.cached(`${KERNEL_SPEC_CACHE_KEY}:${path}`, () => parseKernelBtf(readBtfFile(path)));
  }
  return ctx.cached(KERNEL_SPEC_CACHE_KEY, () =>
    parseKernelBtf(locateKernelBtf(searchPath(ctx), (p) => readKernelBtf(p, ctx))),
  );
}

/** Sysfs first; the kernel release (a syscall) is only asked for when sysfs has no BTF. */
function* searchPath(ctx: KernelContext): Generator<string> {
  yield SYSFS_VMLINUX_BTF;
  yield* vmlinuxImageCandidates(ctx.backend.uname().release);
}

function moduleDir(opts: KernelModuleOptions): string {
  return opts.dir ?? SYSFS_BTF_DIR;
}

/**
 * The vmlinux spec that module BTF in `opts.dir` is split against: `loadKernelSpec()` for the default
 * directory, else `<dir>/vmlinux`.
 */
export function kernelBaseSpec(opts: KernelModuleOptions = {}): Spec {
  const ctx = opts.ctx ?? defaultContext();
  if (opts.dir === undefined) return loadKernelSpec({ ctx });
  return loadKernelSpec({ ctx, path: join(opts.dir, 'vmlinux') });
}

/**
 * Names of the modules that expose BTF (the files of `/sys/kernel/btf` other than `vmlinux`), sorted.
 * Empty when the directory is missing or the kernel has no module BTF. Not cached: modules come and go.
 */
export function kernelModuleNames(opts: KernelModuleOptions = {}): string[] {
  let names: string[];
  try {
    names = readdirSync(moduleDir(opts));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new EbpfError(`list ${moduleDir(opts)}: ${String(e)}`, typeof code === 'string' ? code : 'EIO', {
      cause: e,
    });
  }
  return names.filter((n) => n !== 'vmlinux').sort();
}

/**
 * The split BTF of module `name` (`/sys/kernel/btf/<name>`) on top of the kernel's spec, cached per
 * context. Throws `EbpfError` with code `ENOENT` when the module is not loaded or has no BTF.
 */
export function loadKernelModuleSpec(name: string, opts: KernelModuleOptions = {}): Spec {
  checkModuleName(name);
  if (name === 'vmlinux') throw new EbpfError('"vmlinux" is the kernel, not a module', 'EINVAL');
  const ctx = opts.ctx ?? defaultContext();
  const dir = moduleDir(opts);
  const key = opts.dir === undefined ? `btf:kernel-module:${name}` : `btf:kernel-module:${dir}:${name}`;
  return ctx.cached(key, () => {
    const base = kernelBaseSpec({ ...opts, ctx });
    let file: BtfFileContents;
    try {
      file = readBtfFile(join(dir, name));
    } catch (e) {
      if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
      throw new EbpfError(
        `kernel module "${name}": no BTF in ${dir} (module not loaded, or kernel built without CONFIG_DEBUG_INFO_BTF_MODULES)`,
        'ENOENT',
        { cause: e },
      );
    }
    return parseKernelBtf(file, base);
  });
}

/**
 * Iterates the BTF of every loaded module, reading each one only when the iteration reaches it (a lookup
 * that stops early never parses the rest). Each spec is cached as by `loadKernelModuleSpec`; modules
 * unloaded since the directory was listed are skipped.
 */
export function* kernelModuleSpecs(opts: KernelModuleOptions = {}): Generator<KernelModuleSpec> {
  for (const name of kernelModuleNames(opts)) {
    let spec: Spec;
    try {
      spec = loadKernelModuleSpec(name, opts);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'ENOENT') continue;
      throw e;
    }
    yield { name, spec };
  }
}
