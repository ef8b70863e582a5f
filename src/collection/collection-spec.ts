/**
 * `CollectionSpec`: everything parsed from a BPF object, as pure data — map specs, program specs (each
 * linked with its subprograms), global variables, the object's BTF and its byte order — plus what the
 * loader needs beyond the public specs (extern declarations, map key/value types, function BTF, the BTF
 * fixups). Build one with `loadCollectionSpec`, adjust it, then `newCollection(spec)` or
 * `spec.loadAndAssign(...)`.
 */
import type { Func, Spec, Type } from '../btf/index.js';
import { EbpfError } from '../errors.js';
import { type ByteOrder, hostByteOrder } from '../internal/bytes.js';
import type { MapEntry, MapSpec } from '../maps/index.js';
import type { ProgramSpec } from '../prog/index.js';
import type { MapBtfTypes } from './btf-maps.js';
import type { Collection } from './collection.js';
import type { ExternTable } from './externs.js';
import {
  type CollectionOptions,
  type LoadRequest,
  loadCollection,
  loadCollectionAsync,
} from './load-collection.js';
import { mapRecord, type NamedRecord, namedRecord } from './records.js';
import type { VariableSpec } from './variable-spec.js';
import type { VariableValue } from './variable-value.js';

/** What the loader needs from the object beyond the public specs. */
export interface ObjectInfo {
  /** The object's name in messages (`coll_globals.bpf.o`), if known. */
  readonly source: string | undefined;
  readonly externs: ExternTable;
  /** BTF key/value types of maps, by map key. */
  readonly mapTypes: ReadonlyMap<string, MapBtfTypes>;
  /** BTF FUNC of each function (from `.BTF.ext` func info), by name. */
  readonly funcTypes: ReadonlyMap<string, Func>;
  /** Types marshalled in place of others (same ID) when the BTF goes to the kernel. */
  readonly btfReplacements: ReadonlyMap<Type, Type>;
}

/** An `ObjectInfo` with nothing in it (for hand-built specs). */
export function emptyObjectInfo(source?: string): ObjectInfo {
  return {
    source,
    externs: { externs: new Map(), kconfigSize: 0 },
    mapTypes: new Map(),
    funcTypes: new Map(),
    btfReplacements: new Map(),
  };
}

/** Fields of the `CollectionSpec` constructor; all optional. */
export interface CollectionSpecInit {
  maps?: NamedRecord<MapSpec>;
  programs?: NamedRecord<ProgramSpec>;
  variables?: NamedRecord<VariableSpec>;
  types?: Spec | undefined;
  byteOrder?: ByteOrder;
  object?: ObjectInfo;
}

function copyEntry([key, value]: MapEntry): MapEntry {
  // `new Uint8Array(x)` copies; `slice()` would share memory when x is a Node Buffer.
  return [
    key instanceof Uint8Array ? new Uint8Array(key) : key,
    value instanceof Uint8Array ? new Uint8Array(value) : value,
  ];
}

/** Maps, programs and variables of one BPF object, before loading. */
export class CollectionSpec {
  /** Map specs by ELF name: BTF/legacy maps by symbol, global data by section (`.rodata`), `.kconfig`. */
  maps: NamedRecord<MapSpec>;
  /** Program specs by function name. */
  programs: NamedRecord<ProgramSpec>;
  /** Global variables by name. */
  variables: NamedRecord<VariableSpec>;
  /** The object's BTF (undefined when it has none). */
  types: Spec | undefined;
  /** Byte order of the object; only objects in the host's order can be loaded. */
  readonly byteOrder: ByteOrder;
  /** Loader information taken from the object. */
  readonly object: ObjectInfo;

  constructor(init: CollectionSpecInit = {}) {
    this.maps = init.maps ?? namedRecord();
    this.programs = init.programs ?? namedRecord();
    this.variables = init.variables ?? namedRecord();
    this.types = init.types;
    this.byteOrder = init.byteOrder ?? hostByteOrder;
    this.object = init.object ?? emptyObjectInfo();
  }

  /** A deep copy: map specs (with their initial contents), program specs and variables bound to the copies. */
  copy(): CollectionSpec {
    const maps = mapRecord(this.maps, (m) => {
      const c = m.copy();
      c.contents = m.contents?.map(copyEntry);
      return c;
    });
    const variables = mapRecord(this.variables, (v) => {
      const map = maps[v.section];
      return map === undefined ? v : v.rebind(map);
    });
    return new CollectionSpec({
      maps,
      programs: mapRecord(this.programs, (p) => p.copy()),
      variables,
      types: this.types,
      byteOrder: this.byteOrder,
      object: this.object,
    });
  }

  /**
   * Sets read-only global variables (`volatile const` in `.rodata*`) before loading. Every name must be
   * such a variable; otherwise nothing is changed and an `EbpfError` (code `ENOENT`) lists the missing ones.
   */
  rewriteConstants(values: Readonly<Record<string, VariableValue>>): void {
    const entries = Object.entries(values);
    const missing = entries.filter(([name]) => this.variables[name]?.readOnly !== true).map(([name]) => name);
    if (missing.length > 0) {
      throw new EbpfError(`rewrite constants: no read-only variable named ${missing.join(', ')}`, 'ENOENT');
    }
    for (const [name, value] of entries) (this.variables[name] as VariableSpec).set(value);
  }

  /**
   * Loads only the named maps and programs, with what they depend on (maps programs use, maps of
   * map-in-map contents, programs of prog arrays' static contents). The result exposes exactly the
   * requested objects; it also owns the dependencies and closes them with itself. See `newCollection`
   * for the options.
   */
  loadAndAssign(request: LoadRequest, options: CollectionOptions = {}): Collection {
    return loadCollection(this, request, options);
  }

  /** `loadAndAssign` with program verification on the libuv thread pool (the event loop keeps running). */
  loadAndAssignAsync(request: LoadRequest, options: CollectionOptions = {}): Promise<Collection> {
    return loadCollectionAsync(this, request, options);
  }
}
