/**
 * `Variable`: a global variable of a loaded collection, read and written in its data map — through the
 * map's memory mapping when the map is `BPF_F_MMAPABLE` (no syscall; programs see writes at once),
 * otherwise with a lookup/update of the map's single value (synchronous, short). Variables of frozen
 * `.rodata` maps are read-only.
 */
import type { Type } from '../btf/index.js';
import { EbpfError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import type { BpfMap, MapMemory } from '../maps/index.js';
import { MapFlags } from '../syscall/uapi-enums.js';
import type { VariableSpec } from './variable-spec.js';
import { decodeInteger, encodeVariableValue, isSignedType, type VariableValue } from './variable-value.js';

const KEY_ZERO = new Uint8Array(4);

/** Hands out the memory mapping of a data map, shared by the variables of that map. */
export class MapMemoryCache {
  readonly #memories = new Map<BpfMap, MapMemory | null>();

  /** The mapping of `map`, or undefined when it is not mmapable or mapping fails. */
  memoryOf(map: BpfMap): MapMemory | undefined {
    if (map.closed) return undefined;
    let mem = this.#memories.get(map);
    if (mem === undefined) {
      mem = null;
      if ((map.flags & MapFlags.MMAPABLE) !== 0) {
        try {
          mem = map.mmap();
        } catch {
          mem = null;
        }
      }
      this.#memories.set(map, mem);
    }
    return mem === null || mem.closed ? undefined : mem;
  }
}

/** A global variable in a loaded collection. */
export class Variable {
  readonly name: string;
  /** The data section (and key in `Collection.maps`) holding it. */
  readonly section: string;
  readonly offset: number;
  readonly size: number;
  readonly type: Type;
  /** True for variables of read-only sections; `set` throws. */
  readonly readOnly: boolean;
  readonly #map: BpfMap;
  readonly #memories: MapMemoryCache;

  constructor(spec: VariableSpec, map: BpfMap, memories: MapMemoryCache) {
    this.name = spec.name;
    this.section = spec.section;
    this.offset = spec.offset;
    this.size = spec.size;
    this.type = spec.type;
    this.readOnly = spec.readOnly;
    this.#map = map;
    this.#memories = memories;
  }

  #label(): string {
    return `variable ${JSON.stringify(this.name)}`;
  }

  /** The current value (a copy). */
  get(): Uint8Array {
    const mem = this.#memories.memoryOf(this.#map);
    if (mem !== undefined) return new Uint8Array(mem.bytes.subarray(this.offset, this.offset + this.size));
    const value = this.#map.lookup(KEY_ZERO);
    return new Uint8Array(value.subarray(this.offset, this.offset + this.size));
  }

  /** The current value as an integer (1, 2, 4 or 8 bytes; sign-extended for signed types). */
  getInteger(): bigint {
    return decodeInteger(this.#label(), this.get(), isSignedType(this.type), hostByteOrder);
  }

  /**
   * Writes a new value (bytes of exactly `size`, or an integer for integer-like variables). Without a
   * memory mapping this is a read-modify-write of the whole section value, not atomic against programs.
   */
  set(value: VariableValue): void {
    if (this.readOnly)
      throw new EbpfError(`${this.#label()}: read-only (${this.section} is frozen)`, 'EPERM');
    const bytes = encodeVariableValue(this.#label(), this.type, this.size, value, hostByteOrder);
    const mem = this.#memories.memoryOf(this.#map);
    if (mem !== undefined && !mem.readOnly) {
      mem.bytes.set(bytes, this.offset);
      return;
    }
    const whole = new Uint8Array(this.#map.lookup(KEY_ZERO));
    whole.set(bytes, this.offset);
    this.#map.update(KEY_ZERO, whole);
  }
}
