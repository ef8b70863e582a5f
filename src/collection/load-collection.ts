/**
 * Loading a `CollectionSpec` into the kernel: `newCollection(spec, opts)` loads every map and every
 * program whose section does not start with `?`; `spec.loadAndAssign(request, opts)` only the named ones
 * and what they need. Order: the object BTF, maps (created, pinned or reused; contents written; read-only
 * data frozen), programs (CO-RE, references, externs, func/line info, verifier), then prog arrays'
 * static contents. On failure everything created so far is closed and the error is prefixed with
 * `load "<file>"`.
 */
import { CoreCandidateCache } from '../btf/core.js';
import type { Spec } from '../btf/index.js';
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import type { BpfMap, MapSpec } from '../maps/index.js';
import type { LogOptions, Program } from '../prog/index.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { Collection } from './collection.js';
import type { CollectionSpec } from './collection-spec.js';
import { KCONFIG_SECTION, type KconfigExtern } from './externs.js';
import { lineInfoStrings } from './func-line-info.js';
import { kconfigMapValue } from './kconfig-values.js';
import { KernelResolver } from './kernel-resolver.js';
import { type LoadRequest, planLoad } from './load-plan.js';
import { createMap, fillMap, type LoadedMap } from './map-loader.js';
import { loadObjectBtf, type ObjectBtf } from './object-btf.js';
import { loadProgram } from './program-loader.js';
import { type NamedRecord, namedRecord } from './records.js';
import { MapMemoryCache, Variable } from './variable.js';

export type { LoadRequest } from './load-plan.js';

/** Options of `newCollection` and `loadAndAssign`. */
export interface CollectionOptions {
  /** Kernel context (backend and caches); the default context when omitted. */
  ctx?: KernelContext;
  maps?: {
    /** Directory on a bpffs where maps with `pinning: LIBBPF_PIN_BY_NAME` are pinned as `<pinPath>/<name>`. */
    pinPath?: string;
  };
  /**
   * Existing maps to use instead of creating the named ones (checked for compatibility). The collection
   * works on duplicates of their descriptors; the caller keeps ownership of the maps passed.
   */
  mapReplacements?: Readonly<Record<string, BpfMap<unknown, unknown>>>;
  /** Verifier log options of every program load. */
  programs?: LogOptions;
  /** BTF to use instead of the running kernel's (CO-RE, ksym/kfunc ids, attach targets). */
  kernelTypes?: Spec;
}

function closeAll(maps: NamedRecord<BpfMap>, programs: NamedRecord<Program>): void {
  for (const p of Object.values(programs)) p.close();
  for (const m of Object.values(maps)) m.close();
}

function loadBtf(
  ctx: KernelContext,
  spec: CollectionSpec,
  programs: readonly string[],
): ObjectBtf | undefined {
  if (spec.types === undefined) return undefined;
  const strings = new Set<string>();
  for (const name of programs) {
    const insns = spec.programs[name]?.instructions;
    if (insns !== undefined && !(insns instanceof Uint8Array)) lineInfoStrings(insns, strings);
  }
  return loadObjectBtf(ctx, spec.types, spec.object.btfReplacements, strings);
}

/** Loads `spec`: everything when `request` is undefined, else only the requested maps and programs. */
export function loadCollection(
  spec: CollectionSpec,
  request: LoadRequest | undefined,
  options: CollectionOptions = {},
): Collection {
  const ctx = options.ctx ?? defaultContext();
  const source = spec.object.source;
  const context = source === undefined ? 'load collection' : `load ${JSON.stringify(source)}`;
  const maps = namedRecord<BpfMap>();
  const programs = namedRecord<Program>();
  const kernel = new KernelResolver(ctx, options.kernelTypes);
  let btf: ObjectBtf | undefined;
  const pinnedHere: BpfMap[] = [];
  try {
    if (spec.byteOrder !== hostByteOrder) {
      throw new EbpfError(
        `the object is ${spec.byteOrder}-endian but this machine is ${hostByteOrder}-endian; build it for bpf${hostByteOrder === 'little' ? 'el' : 'eb'}`,
        'EINVAL',
      );
    }
    const plan = planLoad(spec, request);
    btf = loadBtf(ctx, spec, plan.programs);
    const env = { ctx, btf, pinPath: options.maps?.pinPath, replacements: options.mapReplacements };
    const resolveName = (name: string): number => {
      const fd = (maps[name] ?? programs[name])?.fd.raw;
      if (fd === undefined) throw new EbpfError(`${JSON.stringify(name)} is not loaded`, 'ENOENT');
      return fd;
    };
    const pending: Array<[string, LoadedMap, MapSpec]> = [];
    for (const name of plan.maps) {
      let mapSpec = spec.maps[name];
      if (mapSpec === undefined) continue;
      try {
        if (name === KCONFIG_SECTION && mapSpec.contents === undefined) {
          const externs = [...spec.object.externs.externs.values()].filter(
            (e): e is KconfigExtern => e.kind === 'kconfig',
          );
          mapSpec = mapSpec.copy();
          mapSpec.contents = [
            [0, kconfigMapValue(externs, mapSpec.valueSize, kernel.kconfigSources(), hostByteOrder)],
          ];
        }
        const loaded = createMap(env, name, mapSpec, spec.object.mapTypes.get(name));
        maps[name] = loaded.map;
        if (loaded.pinnedHere) pinnedHere.push(loaded.map);
        if (!fillMap(loaded, mapSpec, resolveName, false)) pending.push([name, loaded, mapSpec]);
      } catch (e) {
        throw e instanceof EbpfError && !e.message.startsWith('map ')
          ? e.withContext(`map ${JSON.stringify(name)}`)
          : e;
      }
    }
    const penv = {
      ctx,
      spec,
      maps,
      btf,
      kernel,
      coreCache: new CoreCandidateCache(),
      log: options.programs ?? {},
    };
    for (const name of plan.programs) {
      const program = spec.programs[name];
      if (program !== undefined) programs[name] = loadProgram(penv, name, program);
    }
    for (const [name, loaded, mapSpec] of pending) {
      try {
        fillMap(loaded, mapSpec, resolveName, true);
      } catch (e) {
        throw e instanceof EbpfError ? e.withContext(`map ${JSON.stringify(name)}`) : e;
      }
    }
    const dependencies: { maps: BpfMap[]; programs: Program[] } = { maps: [], programs: [] };
    if (plan.keep !== undefined) {
      for (const [name, map] of Object.entries(maps)) {
        if (plan.keep.maps.has(name)) continue;
        dependencies.maps.push(map);
        delete maps[name];
      }
      for (const [name, program] of Object.entries(programs)) {
        if (plan.keep.programs.has(name)) continue;
        dependencies.programs.push(program);
        delete programs[name];
      }
    }
    const memories = new MapMemoryCache();
    const variables = namedRecord<Variable>();
    for (const [name, v] of Object.entries(spec.variables)) {
      const map = maps[v.section];
      if (map !== undefined) variables[name] = new Variable(v, map, memories);
    }
    return new Collection(maps, programs, variables, dependencies);
  } catch (e) {
    for (const m of pinnedHere) {
      try {
        m.unpin();
      } catch {
        // best effort: the load error matters more
      }
    }
    closeAll(maps, programs);
    throw e instanceof EbpfError ? e.withContext(context) : e;
  } finally {
    kernel.close();
    btf?.handle.close();
  }
}

/** Loads every map and every autoloaded program of `spec` (see `CollectionOptions`). */
export function newCollection(spec: CollectionSpec, options: CollectionOptions = {}): Collection {
  return loadCollection(spec, undefined, options);
}
