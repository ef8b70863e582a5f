/**
 * The loader's side of the USDT spec map (`__ebpf_ts_usdt_specs`, see `usdt-spec.ts`): finding it among the
 * maps a program uses, and handing out spec ids. Ownership lives in the map itself: a slot whose `flags`
 * has `USDT_SPEC_IN_USE` belongs to an open link, and freeing zeroes it. No process-wide bookkeeping is
 * needed, so several links, collections or copies of the map agree on which ids are free. Synchronous:
 * one lookup per slot scanned (256 by default).
 */
import { EbpfError, isKeyNotFoundError } from '../errors.js';
import { BpfMap } from '../maps/bpf-map.js';
import { raw, u32 } from '../maps/codec.js';
import { sanitizeMapName } from '../maps/map-create.js';
import { programInfo } from '../prog/program-info.js';
import type { KernelContext } from '../syscall/context.js';
import { MapType } from '../syscall/uapi-enums.js';
import { type LinkProgram, programLabel } from './program-ref.js';
import { decodeUsdtSpec, USDT_SPEC_MAP_NAME, USDT_SPEC_SIZE } from './usdt-spec.js';

/** The spec map as the loader uses it: u32 spec id → raw spec bytes. */
export type UsdtSpecMap = BpfMap<number, Uint8Array>;

/** The shape a map must have to be a spec map (one built from `usdt.bpf.h`). */
export interface MapShapeInfo {
  readonly type: number;
  readonly keySize: number;
  readonly valueSize: number;
}

/** Why `map` cannot be a spec map, or undefined when it can. */
export function specMapMismatch(map: MapShapeInfo): string | undefined {
  if (map.type !== MapType.ARRAY) return `type ${map.type} is not ARRAY (${MapType.ARRAY})`;
  if (map.keySize !== 4) return `key size ${map.keySize} is not 4`;
  if (map.valueSize !== USDT_SPEC_SIZE)
    return `value size ${map.valueSize} is not ${USDT_SPEC_SIZE} (built with another usdt.bpf.h?)`;
  return undefined;
}

/**
 * A private handle (duplicated descriptor) on `map` typed for spec access, after checking its shape. The
 * caller owns the result and closes it; `map` stays the caller's.
 */
export function openSpecMap(map: BpfMap<unknown, unknown>, label: string): UsdtSpecMap {
  const why = specMapMismatch(map);
  if (why !== undefined)
    throw new EbpfError(`${label}: map ${JSON.stringify(map.name)} is not a usdt spec map: ${why}`, 'EINVAL');
  const copy = map.clone();
  try {
    return copy.typed(u32, raw(USDT_SPEC_SIZE));
  } catch (e) {
    copy.close();
    throw e;
  }
}

/**
 * Finds the spec map among the maps `program` uses (by its kernel name, `__ebpf_ts_usdt_specs` cut to 15
 * characters, and its shape). Returns a private handle the caller closes; `ENOENT` when the program does not
 * use one (it was not built with `usdt.bpf.h`, or never calls its helpers).
 */
export function findSpecMap(ctx: KernelContext, program: LinkProgram, label: string): UsdtSpecMap {
  const wanted = sanitizeMapName(USDT_SPEC_MAP_NAME);
  for (const id of programInfo(ctx, program.fd).mapIds) {
    let map: BpfMap | undefined;
    try {
      map = BpfMap.fromId(id, { ctx });
    } catch {
      continue; // the map went away, or is not ours to open
    }
    if (map.name === wanted && specMapMismatch(map) === undefined) {
      try {
        return map.typed(u32, raw(USDT_SPEC_SIZE));
      } catch (e) {
        map.close();
        throw e;
      }
    }
    map.close();
  }
  throw new EbpfError(
    `${label}: ${programLabel(program)} uses no ${USDT_SPEC_MAP_NAME} map (include usdt.bpf.h and call its helpers, or pass specMap)`,
    'ENOENT',
  );
}

function slotInUse(map: UsdtSpecMap, id: number): boolean {
  try {
    return decodeUsdtSpec(map.lookup(id)).inUse;
  } catch (e) {
    if (isKeyNotFoundError(e)) return true; // past the end: never hand it out
    throw e;
  }
}

/**
 * Writes `specs` (encoded, with the in-use flag set) into free slots of `map` and returns their ids, in
 * order. `E2BIG` naming the capacity when there are not enough free slots (nothing is written then).
 */
export function allocateSpecs(map: UsdtSpecMap, specs: readonly Uint8Array[], label: string): number[] {
  const ids: number[] = [];
  for (let id = 0; id < map.maxEntries && ids.length < specs.length; id++) {
    if (!slotInUse(map, id)) ids.push(id);
  }
  if (ids.length < specs.length)
    throw new EbpfError(
      `${label}: the usdt spec map has ${map.maxEntries} slots and too few are free for ${specs.length} more specs (raise EBPF_TS_USDT_MAX_SPECS)`,
      'E2BIG',
    );
  const written: number[] = [];
  try {
    specs.forEach((spec, i) => {
      const id = ids[i] as number;
      map.update(id, spec);
      written.push(id);
    });
  } catch (e) {
    freeSpecs(map, written);
    throw e;
  }
  return ids;
}

/** Zeroes the slots `ids` (clearing the in-use flag). Every slot is tried; the first failure is thrown. */
export function freeSpecs(map: UsdtSpecMap, ids: readonly number[]): void {
  const zero = new Uint8Array(USDT_SPEC_SIZE);
  let failure: unknown;
  for (const id of ids) {
    try {
      map.update(id, zero);
    } catch (e) {
      failure ??= e;
    }
  }
  if (failure !== undefined) throw failure;
}
