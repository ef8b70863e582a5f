/**
 * `Collection`: the maps, programs and variables of a loaded `CollectionSpec`. It owns every descriptor
 * in it: `close()` (or `using`) closes programs, then maps. Pins stay in place.
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

  constructor(maps: NamedRecord<BpfMap>, programs: NamedRecord<Program>, variables: NamedRecord<Variable>) {
    this.maps = maps;
    this.programs = programs;
    this.variables = variables;
  }

  /** Closes every program and map of the collection. Idempotent. */
  close(): void {
    for (const p of Object.values(this.programs)) p.close();
    for (const m of Object.values(this.maps)) m.close();
  }

  /** Same as `close()`, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
