/**
 * The steps of loading a `CollectionSpec`, as a generator that yields each prepared program and resumes
 * with the loaded `Program` (so one sequence serves the blocking and the async loaders). Order: plan, the
 * object BTF, maps (created, pinned or reused; contents written; read-only data frozen), programs, then
 * prog arrays' static contents. On failure everything created is closed, pins made by this load are
 * removed, and the error is prefixed with `load "<file>"`.
 */
import { CoreCandidateCache } from '../btf/core.js';
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import type { BpfMap, MapSpec } from '../maps/index.js';
import type { Program } from '../prog/index.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { Collection } from './collection.js';
import type { CollectionSpec } from './collection-spec.js';
import { KCONFIG_SECTION, type KconfigExtern } from './externs.js';
import { lineInfoStrings } from './func-line-info.js';
import { kconfigMapValue } from './kconfig-values.js';
import { KernelResolver } from './kernel-resolver.js';
import type { CollectionOptions } from './load-options.js';
import { type LoadPlan, type LoadRequest, planLoad } from './load-plan.js';
import { createMap, fillMap, type LoadedMap, type MapLoadEnv } from './map-loader.js';
import { loadObjectBtf, type ObjectBtf } from './object-btf.js';
import { type PreparedProgram, prepareProgram } from './program-loader.js';
import { type NamedRecord, namedRecord } from './records.js';
import { MapMemoryCache, Variable } from './variable.js';

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

function mapContext(e: unknown, name: string): unknown {
  return e instanceof EbpfError && !e.message.startsWith('map ')
    ? e.withContext(`map ${JSON.stringify(name)}`)
    : e;
}

/** State shared by the steps, for cleanup on failure. */
interface Loaded {
  readonly maps: NamedRecord<BpfMap>;
  readonly programs: NamedRecord<Program>;
  readonly pinnedHere: BpfMap[];
}

/** Creates the planned maps; returns those whose contents wait for the programs. */
function createMaps(
  spec: CollectionSpec,
  plan: LoadPlan,
  env: MapLoadEnv,
  kernel: KernelResolver,
  loaded: Loaded,
  resolveName: (name: string) => number,
): Array<[string, LoadedMap, MapSpec]> {
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
      const created = createMap(env, name, mapSpec, spec.object.mapTypes.get(name));
      loaded.maps[name] = created.map;
      if (created.pinnedHere) loaded.pinnedHere.push(created.map);
      if (!fillMap(created, mapSpec, resolveName, false)) pending.push([name, created, mapSpec]);
    } catch (e) {
      throw mapContext(e, name);
    }
  }
  return pending;
}

/** Moves what the caller did not ask for out of the records, into the collection's hidden dependencies. */
function splitDependencies(plan: LoadPlan, loaded: Loaded): { maps: BpfMap[]; programs: Program[] } {
  const dependencies: { maps: BpfMap[]; programs: Program[] } = { maps: [], programs: [] };
  const keep = plan.keep;
  if (keep === undefined) return dependencies;
  for (const [name, map] of Object.entries(loaded.maps)) {
    if (keep.maps.has(name)) continue;
    dependencies.maps.push(map);
    delete loaded.maps[name];
  }
  for (const [name, program] of Object.entries(loaded.programs)) {
    if (keep.programs.has(name)) continue;
    dependencies.programs.push(program);
    delete loaded.programs[name];
  }
  return dependencies;
}

function cleanup(loaded: Loaded): void {
  for (const m of loaded.pinnedHere) {
    try {
      m.unpin();
    } catch {
      // best effort: the load error matters more
    }
  }
  for (const p of Object.values(loaded.programs)) p.close();
  for (const m of Object.values(loaded.maps)) m.close();
}

/** The load of `spec` (everything when `request` is undefined) as steps; see the module comment. */
export function* collectionLoadSteps(
  spec: CollectionSpec,
  request: LoadRequest | undefined,
  options: CollectionOptions,
): Generator<PreparedProgram, Collection, Program> {
  const ctx = options.ctx ?? defaultContext();
  const source = spec.object.source;
  const context = source === undefined ? 'load collection' : `load ${JSON.stringify(source)}`;
  const loaded: Loaded = { maps: namedRecord(), programs: namedRecord(), pinnedHere: [] };
  const kernel = new KernelResolver(ctx, options.kernelTypes);
  let btf: ObjectBtf | undefined;
  try {
    if (spec.byteOrder !== hostByteOrder) {
      const target = hostByteOrder === 'little' ? 'bpfel' : 'bpfeb';
      throw new EbpfError(
        `the object is ${spec.byteOrder}-endian but this machine is ${hostByteOrder}-endian; build it for ${target}`,
        'EINVAL',
      );
    }
    const plan = planLoad(spec, request);
    btf = loadBtf(ctx, spec, plan.programs);
    const { maps, programs } = loaded;
    const resolveName = (name: string): number => {
      const fd = (maps[name] ?? programs[name])?.fd.raw;
      if (fd === undefined) throw new EbpfError(`${JSON.stringify(name)} is not loaded`, 'ENOENT');
      return fd;
    };
    const env: MapLoadEnv = {
      ctx,
      btf,
      pinPath: options.maps?.pinPath,
      replacements: options.mapReplacements,
    };
    const pending = createMaps(spec, plan, env, kernel, loaded, resolveName);
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
      if (program !== undefined) programs[name] = yield prepareProgram(penv, name, program);
    }
    for (const [name, created, mapSpec] of pending) {
      try {
        fillMap(created, mapSpec, resolveName, true);
      } catch (e) {
        throw mapContext(e, name);
      }
    }
    const dependencies = splitDependencies(plan, loaded);
    const memories = new MapMemoryCache();
    const variables = namedRecord<Variable>();
    for (const [name, v] of Object.entries(spec.variables)) {
      const map = maps[v.section];
      if (map !== undefined) variables[name] = new Variable(v, map, memories);
    }
    return new Collection(maps, programs, variables, dependencies);
  } catch (e) {
    cleanup(loaded);
    throw e instanceof EbpfError ? e.withContext(context) : e;
  } finally {
    kernel.close();
    btf?.handle.close();
  }
}
