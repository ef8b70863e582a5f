/**
 * BTF-defined maps: each VAR of the `.maps` DATASEC is a struct whose members encode the map definition
 * the way libbpf's `__uint`, `__type` and `__array` macros do — `int (*name)[N]` for numbers, `T *name`
 * for key/value types, `T *values[]` for the inner map template of map-in-maps or the programs of a prog
 * array. Static initial contents (`.values = { [1] = &prog }`) come from the `.rel.maps` relocations. Pure.
 */
import { type Datasec, type Spec, sizeof, type Type, underlyingType } from '../btf/index.js';
import { type ElfSection, STT } from '../elf/index.js';
import { ParseError } from '../errors.js';
import { type MapEntry, MapSpec, Pinning } from '../maps/index.js';
import { MapType } from '../syscall/uapi-enums.js';
import { ElfObject } from './elf-object.js';
import { type NamedRecord, namedRecord } from './records.js';

/** BTF key and value types of a map (used for the map's BTF ids at load). */
export interface MapBtfTypes {
  readonly key: Type | undefined;
  readonly value: Type | undefined;
}

/** What `readBtfMaps` returns. */
export interface BtfMaps {
  readonly maps: NamedRecord<MapSpec>;
  readonly types: ReadonlyMap<string, MapBtfTypes>;
}

interface MapDef {
  type?: number;
  keySize?: number;
  valueSize?: number;
  key?: Type;
  value?: Type;
  maxEntries?: number;
  flags?: number;
  numaNode?: number;
  pinning?: number;
  mapExtra?: bigint;
  /** `__array(values, ...)`: an inner map definition, or programs (a function prototype). */
  values?: { inner: MapDef | undefined; byteOffset: number };
}

const POINTER_SIZE = 8;
const MAX_MAP_ENTRIES_INDEX = 1 << 24;

type Fail = (detail: string) => ParseError;

/** `int (*name)[N]` → N, or the first value of an `enum { x = N } name` (libbpf `__ulong`). */
function numberMember(t: Type, member: string, fail: Fail): bigint {
  const u = underlyingType(t);
  if (u.kind === 'enum') {
    const first = u.values[0];
    if (first === undefined) throw fail(`${member}: enum without values`);
    return first.value;
  }
  if (u.kind !== 'pointer') throw fail(`${member}: expected a pointer to an array, got ${u.kind}`);
  const arr = u.target;
  if (arr.kind !== 'array')
    throw fail(`${member}: expected a pointer to an array, got a pointer to ${arr.kind}`);
  return BigInt(arr.nelems);
}

function u32Member(t: Type, member: string, fail: Fail): number {
  const n = numberMember(t, member, fail);
  if (n < 0n || n > 0xffffffffn) throw fail(`${member}: ${n} does not fit in 32 bits`);
  return Number(n);
}

function typeMember(t: Type, member: string, fail: Fail): Type {
  const u = underlyingType(t);
  if (u.kind !== 'pointer') throw fail(`${member}: expected a pointer to the type, got ${u.kind}`);
  return u.target;
}

function parseMapDef(def: Type, fail: Fail, inner: boolean): MapDef {
  const s = underlyingType(def);
  if (s.kind !== 'struct') throw fail(`definition is a ${s.kind}, not a struct`);
  const out: MapDef = {};
  for (const m of s.members) {
    const name = m.name;
    switch (name) {
      case 'type':
        out.type = u32Member(m.type, name, fail);
        break;
      case 'max_entries':
        out.maxEntries = u32Member(m.type, name, fail);
        break;
      case 'map_flags':
        out.flags = u32Member(m.type, name, fail);
        break;
      case 'numa_node':
        out.numaNode = u32Member(m.type, name, fail);
        break;
      case 'pinning':
        out.pinning = u32Member(m.type, name, fail);
        break;
      case 'key_size':
        out.keySize = u32Member(m.type, name, fail);
        break;
      case 'value_size':
        out.valueSize = u32Member(m.type, name, fail);
        break;
      case 'map_extra':
        out.mapExtra = BigInt.asUintN(64, numberMember(m.type, name, fail));
        break;
      case 'key':
        out.key = typeMember(m.type, name, fail);
        break;
      case 'value':
        out.value = typeMember(m.type, name, fail);
        break;
      case 'values': {
        if (inner) throw fail('values: nested map-in-map definitions are not supported');
        const arr = underlyingType(m.type);
        if (arr.kind !== 'array') throw fail(`values: expected an array, got ${arr.kind}`);
        const elem = underlyingType(arr.type);
        if (elem.kind !== 'pointer') throw fail(`values: expected an array of pointers, got ${elem.kind}`);
        const target = underlyingType(elem.target);
        if (m.bitOffset % 8 !== 0) throw fail('values: member is not byte aligned');
        if (target.kind === 'struct') {
          out.values = {
            inner: parseMapDef(target, (d) => fail(`inner map: ${d}`), true),
            byteOffset: m.bitOffset / 8,
          };
        } else if (target.kind === 'funcProto') {
          out.values = { inner: undefined, byteOffset: m.bitOffset / 8 };
        } else {
          throw fail(`values: expected pointers to a map definition or a function, got ${target.kind}`);
        }
        break;
      }
      default:
        throw fail(`unknown member ${JSON.stringify(name)}`);
    }
  }
  return out;
}

function sizeFrom(
  explicit: number | undefined,
  type: Type | undefined,
  what: string,
  fail: Fail,
): number | undefined {
  if (type === undefined) return explicit;
  const size = sizeof(type);
  if (size === 0) throw fail(`${what} type has size 0`);
  if (explicit !== undefined && explicit !== size)
    throw fail(`${what}_size ${explicit} != size of ${what} type ${size}`);
  return size;
}

function toMapSpec(name: string, def: MapDef, fail: Fail): MapSpec {
  if (def.type === undefined) throw fail('missing type');
  const mapInMap = def.type === MapType.ARRAY_OF_MAPS || def.type === MapType.HASH_OF_MAPS;
  if (def.values !== undefined) {
    const progArray = def.type === MapType.PROG_ARRAY;
    if (!mapInMap && !progArray) throw fail('values: only map-in-map and prog array maps have values');
    if (mapInMap !== (def.values.inner !== undefined)) {
      throw fail(
        mapInMap
          ? 'values: map-in-map values must be map definitions'
          : 'values: prog array values must be functions',
      );
    }
    if (def.value !== undefined) throw fail('value: not allowed together with values');
  }
  let pinning: Pinning | undefined;
  if (def.pinning === 1) pinning = Pinning.BY_NAME;
  else if (def.pinning !== undefined && def.pinning !== 0) throw fail(`unsupported pinning ${def.pinning}`);
  const inner = def.values?.inner;
  return new MapSpec({
    name,
    type: def.type as MapType,
    keySize: sizeFrom(def.keySize, def.key, 'key', fail),
    valueSize:
      def.values !== undefined ? (def.valueSize ?? 4) : sizeFrom(def.valueSize, def.value, 'value', fail),
    maxEntries: def.maxEntries,
    flags: def.flags,
    numaNode: def.numaNode,
    mapExtra: def.mapExtra,
    pinning,
    innerMap:
      inner === undefined ? undefined : toMapSpec(`${name}.inner`, inner, (d) => fail(`inner map: ${d}`)),
  });
}

/** Reads the BTF-defined maps of `section` (`.maps`), with `datasec` its fixed DATASEC. */
export function readBtfMaps(
  obj: ElfObject,
  section: ElfSection,
  btf: Spec | undefined,
  datasec: Datasec | undefined,
): BtfMaps {
  const maps = namedRecord<MapSpec>();
  const types = new Map<string, MapBtfTypes>();
  if (btf === undefined || datasec === undefined)
    throw obj.error(section, 0, "BTF-defined maps need the object's .BTF with a .maps DATASEC");
  const regions: { name: string; start: number; end: number; valuesAt: number | undefined; spec: MapSpec }[] =
    [];
  for (const vs of datasec.vars) {
    const v = vs.type;
    if (v.kind !== 'var') continue;
    const fail: Fail = (d) =>
      new ParseError('.maps', section.offset + vs.offset, `map ${JSON.stringify(v.name)}: ${d}`);
    if (maps[v.name] !== undefined) throw fail('defined twice');
    const def = parseMapDef(v.type, fail, false);
    const spec = toMapSpec(v.name, def, fail);
    maps[v.name] = spec;
    types.set(v.name, { key: def.key, value: def.value });
    regions.push({
      name: v.name,
      start: vs.offset,
      end: vs.offset + vs.size,
      valuesAt: def.values === undefined ? undefined : vs.offset + def.values.byteOffset,
      spec,
    });
  }
  for (const rel of obj.relocationsFor(section.index)) {
    rel.entries.forEach((entry, i) => {
      const at = i * (rel.section.entsize || 16);
      const offset = Number(entry.offset);
      const region = regions.find((r) => offset >= r.start && offset < r.end);
      if (region === undefined || region.valuesAt === undefined || offset < region.valuesAt) {
        throw obj.error(
          rel.section,
          at,
          `relocation at .maps offset ${entry.offset} is not inside the values of a map`,
        );
      }
      const delta = offset - region.valuesAt;
      const index = delta / POINTER_SIZE;
      if (delta % POINTER_SIZE !== 0 || index >= MAX_MAP_ENTRIES_INDEX) {
        throw obj.error(
          rel.section,
          at,
          `map ${JSON.stringify(region.name)}: misaligned values relocation at ${entry.offset}`,
        );
      }
      const sym = obj.relocationSymbol(rel, entry, at);
      const target = sym.sectionIndex === undefined ? undefined : obj.sections[sym.sectionIndex];
      const spec = region.spec;
      const wantsProgram = spec.type === MapType.PROG_ARRAY;
      const kind = target === undefined ? 'other' : obj.kindOf(target);
      const ok = wantsProgram
        ? kind === 'program' && sym.type === STT.FUNC
        : kind === 'btf-maps' && !ElfObject.isSectionSymbol(sym);
      if (!ok || sym.name === '') {
        throw obj.error(
          rel.section,
          at,
          `map ${JSON.stringify(region.name)}: values[${index}] must refer to a ${wantsProgram ? 'program' : 'map in .maps'}`,
        );
      }
      if (index >= spec.maxEntries) {
        throw obj.error(
          rel.section,
          at,
          `map ${JSON.stringify(region.name)}: values[${index}] beyond max_entries ${spec.maxEntries}`,
        );
      }
      const entries: MapEntry[] = spec.contents ?? [];
      entries.push([index, sym.name]);
      spec.contents = entries;
    });
  }
  return { maps, types };
}
