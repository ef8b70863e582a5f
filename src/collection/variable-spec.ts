/**
 * `VariableSpec`: a global variable of a BPF object (a VAR of a `.data`, `.rodata`, `.bss` or custom data
 * section), backed by the initial contents of that section's map spec. `set()` changes the value the map
 * is created with; `.rodata` ones are the constants of `CollectionSpec.rewriteConstants`. Pure.
 */
import type { Type } from '../btf/index.js';
import { EbpfError } from '../errors.js';
import type { ByteOrder } from '../internal/bytes.js';
import type { MapSpec } from '../maps/index.js';
import { decodeInteger, encodeVariableValue, isSignedType, type VariableValue } from './variable-value.js';

/** Where a variable lives. */
export interface VariableSpecInit {
  name: string;
  /** The data section (and map key) holding it: `.data`, `.rodata`, `.bss`, `.data.custom`... */
  section: string;
  offset: number;
  size: number;
  type: Type;
  /** True for variables of read-only sections (`.rodata*`): constants, frozen before programs load. */
  readOnly: boolean;
}

/** A global variable before loading. */
export class VariableSpec {
  readonly name: string;
  readonly section: string;
  /** Byte offset in the section (= in the map value). */
  readonly offset: number;
  readonly size: number;
  /** The variable's BTF type. */
  readonly type: Type;
  readonly readOnly: boolean;
  readonly #map: MapSpec;
  readonly #order: ByteOrder;

  /** `map` is the section's map spec; its first content entry holds the section bytes. */
  constructor(init: VariableSpecInit, map: MapSpec, order: ByteOrder) {
    this.name = init.name;
    this.section = init.section;
    this.offset = init.offset;
    this.size = init.size;
    this.type = init.type;
    this.readOnly = init.readOnly;
    this.#map = map;
    this.#order = order;
  }

  /** A copy bound to another map spec (used by `CollectionSpec.copy`). */
  rebind(map: MapSpec): VariableSpec {
    return new VariableSpec(this, map, this.#order);
  }

  #label(): string {
    return `variable ${JSON.stringify(this.name)}`;
  }

  /** The section bytes (the map's initial value), created zeroed if the contents were removed. */
  #buffer(): Uint8Array {
    const map = this.#map;
    const first = map.contents?.[0];
    const value = first?.[1];
    if (value instanceof Uint8Array && value.byteLength === map.valueSize) return value;
    if (first !== undefined || map.valueSize < this.offset + this.size) {
      throw new EbpfError(
        `${this.#label()}: map ${JSON.stringify(this.section)} no longer holds the section bytes`,
        'EINVAL',
      );
    }
    const bytes = new Uint8Array(map.valueSize);
    map.contents = [[0, bytes]];
    return bytes;
  }

  /** A copy of the variable's current initial value. */
  get(): Uint8Array {
    return new Uint8Array(this.#buffer().subarray(this.offset, this.offset + this.size));
  }

  /** The value as an integer (1, 2, 4 or 8 bytes; sign-extended for signed types). */
  getInteger(): bigint {
    return decodeInteger(this.#label(), this.get(), isSignedType(this.type), this.#order);
  }

  /**
   * Sets the initial value: a `Uint8Array` of exactly `size` bytes, or a number/bigint/boolean for
   * integer-like variables (range-checked). Written in the object's byte order.
   */
  set(value: VariableValue): void {
    const bytes = encodeVariableValue(this.#label(), this.type, this.size, value, this.#order);
    this.#buffer().set(bytes, this.offset);
  }
}
