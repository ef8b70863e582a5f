/**
 * Global data: every `.data`, `.rodata`, `.bss` (and `.data.*`, `.rodata.*`, `.bss.*`) section becomes an
 * ARRAY map with one entry whose value is the section's bytes (zeros for `.bss`). Read-only sections get
 * `BPF_F_RDONLY_PROG` and are frozen once written, before any program loads; every data map asks for
 * `BPF_F_MMAPABLE` (dropped at load on kernels that refuse it). Each VAR of the section's DATASEC becomes a
 * `VariableSpec`. Pure.
 */
import type { Datasec } from '../btf/index.js';
import { type ElfSection, SHT } from '../elf/index.js';
import { MapSpec } from '../maps/index.js';
import { MapFlags, MapType } from '../syscall/uapi-enums.js';
import { type ElfObject, isReadOnlyDataSection } from './elf-object.js';
import { type NamedRecord, namedRecord } from './records.js';
import { VariableSpec } from './variable-spec.js';

/** Largest data section accepted (the kernel caps array values at a few MiB anyway). */
export const MAX_DATA_SECTION_SIZE = 16 << 20;

/** The kernel's object name limit, NUL included. */
const OBJ_NAME_LEN = 16;

/**
 * The kernel name of the map of data section `section`, as libbpf 1.x forms it: up to 8 characters of the
 * object name followed by the section name, keeping at least 7 characters for the suffix
 * (`coll_glo.rodata`, `coll_glo.bss`, `coll_gl.kconfig`); custom sections (`.data.foo`, with a second dot)
 * use their own name. Without an object name the section name is used as is. Truncated to 15 characters
 * and reduced to `[A-Za-z0-9_.]` by the kernel-name sanitiser at creation.
 */
export function internalMapName(objectName: string | undefined, section: string): string {
  const suffix = Math.max(7, section.length);
  const custom = section.indexOf('.', 1) >= 0;
  const prefix =
    objectName === undefined || custom ? 0 : Math.min(OBJ_NAME_LEN - suffix - 1, objectName.length);
  return `${objectName?.slice(0, Math.max(0, prefix)) ?? ''}${section.slice(0, suffix)}`.slice(
    0,
    OBJ_NAME_LEN - 1,
  );
}

/** The object name libbpf derives from a path: the file name up to its first dot. */
export function objectNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/** Maps and variables of the data sections. */
export interface DataSections {
  readonly maps: NamedRecord<MapSpec>;
  readonly variables: NamedRecord<VariableSpec>;
  /** The (fixed) DATASEC describing each data map's value, by map key. */
  readonly valueTypes: ReadonlyMap<string, Datasec>;
}

function sectionBytes(obj: ElfObject, section: ElfSection): Uint8Array {
  if (section.size > MAX_DATA_SECTION_SIZE) {
    throw obj.error(section, 0, `data section of ${section.size} bytes exceeds ${MAX_DATA_SECTION_SIZE}`);
  }
  if (section.type === SHT.NOBITS) return new Uint8Array(section.size);
  return new Uint8Array(obj.data(section)); // a copy (the input may be a Node Buffer)
}

/** Reads every data section of `obj`; `datasecs` are the fixed DATASECs by section name. */
export function readDataSections(
  obj: ElfObject,
  datasecs: ReadonlyMap<string, Datasec>,
  objectName: string | undefined,
): DataSections {
  const maps = namedRecord<MapSpec>();
  const variables = namedRecord<VariableSpec>();
  const valueTypes = new Map<string, Datasec>();
  for (const section of obj.sections) {
    if (obj.kindOf(section) !== 'data') continue;
    const key = section.name;
    if (maps[key] !== undefined)
      throw obj.error(section, 0, `data section ${JSON.stringify(key)} appears twice`);
    const readOnly = isReadOnlyDataSection(key);
    const map = new MapSpec({
      name: internalMapName(objectName, key),
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: section.size,
      maxEntries: 1,
      flags: (readOnly ? MapFlags.RDONLY_PROG : 0) | MapFlags.MMAPABLE,
      contents: [[0, sectionBytes(obj, section)]],
      freeze: readOnly,
    });
    maps[key] = map;
    const datasec = datasecs.get(key);
    if (datasec === undefined) continue;
    valueTypes.set(key, datasec);
    for (const vs of datasec.vars) {
      const v = vs.type;
      if (v.kind !== 'var' || variables[v.name] !== undefined) continue;
      variables[v.name] = new VariableSpec(
        { name: v.name, section: key, offset: vs.offset, size: vs.size, type: v.type, readOnly },
        map,
        obj.byteOrder,
      );
    }
  }
  return { maps, variables, valueTypes };
}
