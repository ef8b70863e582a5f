/**
 * `Collection`: the maps, programs and variables of a loaded `CollectionSpec`. It owns every descriptor
 * in it, and those of the dependencies `loadAndAssign` loaded without returning them (a prog array must
 * stay open for its tail calls to work: the kernel empties prog arrays whose last descriptor closes).
 * `close()` (or `using`) closes programs, then maps. Pins stay in place.
 */
import type { BpfMap } from '../maps/index.js';
import type { Program } from '../prog/index.js';
import type { NamedRecord } from './records.js';
import type { Variable } from './variable.js';

/** Loaded maps, programs and variables, by the names of the spec. */
export class Collection {
  readonly maps: NamedRecord<BpfMap>;
  readonly programs: NamedRecord<Program>;
  readonly variables: NamedRecord<Variable>;
  readonly #dependencies: { maps: BpfMap[]; programs: Program[] };

  /** `dependencies` are loaded objects the collection owns without exposing them. */
  constructor(
    maps: NamedRecord<BpfMap>,
    programs: NamedRecord<Program>,
    variables: NamedRecord<Variable>,
    dependencies: { maps: BpfMap[]; programs: Program[] } = { maps: [], programs: [] },
  ) {
    this.maps = maps;
    this.programs = programs;
    this.variables = variables;
    this.#dependencies = dependencies;
  }

  /** Closes every program and map of the collection (and its hidden dependencies). Idempotent. */
  close(): void {
    for (const p of [...Object.values(this.programs), ...this.#dependencies.programs]) p.close();
    for (const m of [...Object.values(this.maps), ...this.#dependencies.maps]) m.close();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
