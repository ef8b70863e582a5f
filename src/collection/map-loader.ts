/**
 * Creating the maps of a collection: a replacement map from `mapReplacements`, a map pinned by name
 * under `maps.pinPath` (reused only when compatible with the spec), or a new map with the object's BTF
 * key/value types. Creation falls back like libbpf: without BTF when the kernel rejects the types, and
 * without `BPF_F_MMAPABLE` on kernels that refuse it for arrays. Then the initial contents are written
 * (names of other maps become their fds; program names wait until the programs are loaded) and
 * read-only maps are frozen.
 */
import { EbpfError, isEbpfError, isSyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { BpfMap, effectiveSpec, type MapSpec, Pinning } from '../maps/index.js';
import type { KernelContext } from '../syscall/context.js';
import { MapFlags, MapType } from '../syscall/uapi-enums.js';
import type { MapBtfTypes } from './btf-maps.js';
import { hasNamedValues, type NameResolver, writeContents } from './map-contents.js';
import type { ObjectBtf } from './object-btf.js';

/** Map types created without BTF key/value types (as libbpf does). */
const NO_BTF_TYPES: ReadonlySet<number> = new Set([
  MapType.PERF_EVENT_ARRAY,
  MapType.CGROUP_ARRAY,
  MapType.STACK_TRACE,
  MapType.PROG_ARRAY,
  MapType.ARRAY_OF_MAPS,
  MapType.HASH_OF_MAPS,
  MapType.DEVMAP,
  MapType.DEVMAP_HASH,
  MapType.CPUMAP,
  MapType.XSKMAP,
  MapType.SOCKMAP,
  MapType.SOCKHASH,
  MapType.QUEUE,
  MapType.STACK,
  MapType.ARENA,
]);

/** What map creation needs. */
export interface MapLoadEnv {
  readonly ctx: KernelContext;
  readonly btf: ObjectBtf | undefined;
  readonly pinPath: string | undefined;
  readonly replacements: Readonly<Record<string, BpfMap<unknown, unknown>>> | undefined;
}

/** A created (or reused) map and whether its contents still have to be written. */
export interface LoadedMap {
  readonly map: BpfMap;
  /** True for reused maps (pinned or replacements): contents and freezing are left alone. */
  readonly reused: boolean;
  /** True when this load created the map's pin (removed again if the load fails). */
  readonly pinnedHere: boolean;
}

function withBtf(
  spec: MapSpec,
  types: MapBtfTypes | undefined,
  btf: ObjectBtf | undefined,
): MapSpec | undefined {
  if (btf === undefined || types === undefined || NO_BTF_TYPES.has(spec.type)) return undefined;
  const key = types.key === undefined ? 0 : (btf.typeId(types.key) ?? 0);
  const value = types.value === undefined ? 0 : (btf.typeId(types.value) ?? 0);
  if (key === 0 && value === 0) return undefined;
  const s = spec.copy();
  s.btfFd = btf.handle.fd.raw;
  s.btfKeyTypeId = key;
  s.btfValueTypeId = value;
  return s;
}

function createWithFallbacks(
  ctx: KernelContext,
  spec: MapSpec,
  types: MapBtfTypes | undefined,
  btf: ObjectBtf | undefined,
): BpfMap {
  const plain = spec.copy();
  plain.contents = undefined;
  plain.freeze = undefined;
  const attempts: MapSpec[] = [];
  const typed = withBtf(plain, types, btf);
  if (typed !== undefined) attempts.push(typed);
  attempts.push(plain);
  if ((plain.flags & MapFlags.MMAPABLE) !== 0) {
    for (const a of [...attempts]) {
      const noMmap = a.copy();
      noMmap.flags &= ~MapFlags.MMAPABLE;
      attempts.push(noMmap);
    }
  }
  let first: unknown;
  for (const attempt of attempts) {
    try {
      return BpfMap.create(attempt, { ctx });
    } catch (e) {
      if (!isSyscallError(e) || e.errno === Errno.EPERM || e.errno === Errno.ENOMEM) throw e;
      first ??= e;
    }
  }
  throw first;
}

function openPinned(env: MapLoadEnv, name: string, spec: MapSpec): BpfMap | undefined {
  if (env.pinPath === undefined) {
    throw new EbpfError(
      `map ${JSON.stringify(name)}: pinned by name, but no maps.pinPath was given`,
      'EINVAL',
    );
  }
  const path = `${env.pinPath}/${name}`;
  let map: BpfMap;
  try {
    map = BpfMap.loadPinned(path, { ctx: env.ctx });
  } catch (e) {
    if (isSyscallError(e) && e.errno === Errno.ENOENT) return undefined;
    throw e;
  }
  try {
    const want = effectiveSpec(spec, env.ctx);
    const why = want.incompatibility(map.info());
    if (why !== undefined) {
      throw new EbpfError(
        `map ${JSON.stringify(name)}: pinned map at ${path} is incompatible: ${why}`,
        'EINCOMPATIBLE',
      );
    }
  } catch (e) {
    map.close();
    throw e;
  }
  return map;
}

/** Creates (or reuses) map `name`. Contents are not written yet (see `fillMap`). */
export function createMap(
  env: MapLoadEnv,
  name: string,
  spec: MapSpec,
  types: MapBtfTypes | undefined,
): LoadedMap {
  const replacement = env.replacements?.[name];
  if (replacement !== undefined) {
    effectiveSpec(spec, env.ctx).checkCompatible(replacement.info());
    return { map: replacement.clone() as BpfMap, reused: true, pinnedHere: false };
  }
  if (spec.pinning === Pinning.BY_NAME) {
    const pinned = openPinned(env, name, spec);
    if (pinned !== undefined) return { map: pinned, reused: true, pinnedHere: false };
  }
  const map = createWithFallbacks(env.ctx, spec, types, env.btf);
  if (spec.pinning === Pinning.BY_NAME) {
    try {
      map.pin(`${env.pinPath}/${name}`);
    } catch (e) {
      map.close();
      throw e;
    }
  }
  return { map, reused: false, pinnedHere: spec.pinning === Pinning.BY_NAME };
}

/**
 * Writes the contents of a newly created map and freezes it when asked. With `namesReady` false, maps
 * whose contents name programs are skipped (returns false: fill them after the programs load).
 */
export function fillMap(
  loaded: LoadedMap,
  spec: MapSpec,
  resolve: NameResolver,
  namesReady: boolean,
): boolean {
  if (loaded.reused) return true;
  const entries = spec.contents ?? [];
  if (!namesReady && spec.type === MapType.PROG_ARRAY && hasNamedValues(entries)) return false;
  try {
    writeContents(loaded.map, entries, resolve);
    if (spec.freeze) loaded.map.freeze();
  } catch (e) {
    throw isEbpfError(e) ? e.withContext('initial contents') : e;
  }
  return true;
}
