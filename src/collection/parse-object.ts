/**
 * ELF bytes → `CollectionSpec`: decodes the code sections into functions, applies relocations, reads maps
 * (BTF-defined, legacy, global data, `.kconfig`), variables and externs, and builds one `ProgramSpec` per
 * function of every program section, linked with the subprograms it calls. Pure: no kernel access.
 */
import type { Func, Type } from '../btf/index.js';
import { ParseError } from '../errors.js';
import { MapSpec } from '../maps/index.js';
import { ProgramSpec } from '../prog/index.js';
import { type AttachType, MapFlags, MapType, ProgramFlags, type ProgramType } from '../syscall/uapi-enums.js';
import { type BtfFixups, fixupBtf } from './btf-fixup.js';
import { type MapBtfTypes, readBtfMaps } from './btf-maps.js';
import { applyCodeRelocations, type RelocationContext, resolveLocalCalls } from './code-relocations.js';
import { attachExtInfo, type CodeSection, type ObjectFunction, readCodeSection } from './code-sections.js';
import { CollectionSpec } from './collection-spec.js';
import { internalMapName, readDataSections } from './data-sections.js';
import { ElfObject } from './elf-object.js';
import { collectExterns, KCONFIG_SECTION } from './externs.js';
import { readLegacyMaps } from './legacy-maps.js';
import { linkFunctions } from './link-functions.js';
import { namedRecord } from './records.js';
import { parseSectionName } from './section-names.js';

/** Names used in the spec and in messages. */
export interface ObjectNames {
  /** The object name for internal map names (`coll_globals`), if known. */
  objectName: string | undefined;
  /** The object's name in messages (`coll_globals.bpf.o`), if known. */
  source: string | undefined;
}

function readCode(obj: ElfObject): Map<number, CodeSection> {
  const code = new Map<number, CodeSection>();
  for (const section of obj.sections) {
    const kind = obj.kindOf(section);
    if (kind !== 'program' && kind !== 'text') continue;
    const c = readCodeSection(obj, section);
    if (obj.ext !== undefined) attachExtInfo(obj, c, obj.ext);
    code.set(section.index, c);
  }
  return code;
}

function functionTable(obj: ElfObject, code: Map<number, CodeSection>): Map<string, ObjectFunction> {
  const byName = new Map<string, ObjectFunction>();
  for (const c of code.values()) {
    for (const f of c.functions) {
      if (byName.has(f.name))
        throw obj.error(c.section, f.offset, `function ${JSON.stringify(f.name)} defined twice`);
      byName.set(f.name, f);
    }
  }
  return byName;
}

function functionTypes(obj: ElfObject, code: Map<number, CodeSection>): Map<string, Func> {
  const out = new Map<string, Func>();
  const { btf, ext } = obj;
  if (btf === undefined || ext === undefined) return out;
  for (const c of code.values()) {
    if (obj.elf.sectionByName(c.section.name) !== c.section) continue;
    for (const info of ext.funcInfos.get(c.section.name) ?? []) {
      const fn = c.functions.find((f) => f.offset === info.insnOff);
      if (fn === undefined) {
        throw new ParseError(
          '.BTF.ext',
          0,
          `func info at offset ${info.insnOff} of ${JSON.stringify(c.section.name)} names no function`,
        );
      }
      const t: Type = btf.typeByID(info.typeID);
      if (t.kind !== 'func')
        throw new ParseError('.BTF.ext', 0, `func info of ${JSON.stringify(fn.name)} points at a ${t.kind}`);
      out.set(fn.name, t);
    }
  }
  return out;
}

function programSpecs(
  obj: ElfObject,
  code: Map<number, CodeSection>,
  functions: Map<string, ObjectFunction>,
) {
  const programs = namedRecord<ProgramSpec>();
  const bodyOf = (name: string) => functions.get(name)?.instructions;
  for (const c of code.values()) {
    if (obj.kindOf(c.section) !== 'program') continue;
    const info = parseSectionName(c.section.name);
    const flags =
      (info.sleepable ? ProgramFlags.SLEEPABLE : 0) | (info.xdpFrags ? ProgramFlags.XDP_HAS_FRAGS : 0);
    for (const fn of c.functions) {
      let instructions: ReturnType<typeof linkFunctions>;
      try {
        instructions = linkFunctions(fn.instructions, bodyOf);
      } catch (e) {
        throw obj.error(c.section, fn.offset, `program ${JSON.stringify(fn.name)}: ${(e as Error).message}`);
      }
      programs[fn.name] = new ProgramSpec({
        name: fn.name,
        type: info.programType as ProgramType,
        attachType: info.expectedAttachType as AttachType | undefined,
        attachTo: info.target,
        sectionName: c.section.name,
        license: obj.license ?? '',
        kernelVersion: obj.kernelVersion,
        flags,
        instructions,
      });
    }
  }
  return programs;
}

function checkMapReferences(
  obj: ElfObject,
  code: Map<number, CodeSection>,
  maps: Record<string, MapSpec>,
): void {
  for (const c of code.values()) {
    for (const insn of c.instructions) {
      if (insn.isMapLoad && insn.reference !== undefined && maps[insn.reference] === undefined) {
        throw obj.error(c.section, 0, `instruction refers to unknown map ${JSON.stringify(insn.reference)}`);
      }
    }
  }
}

/** Parses the ELF object `bytes` into a `CollectionSpec`. Throws `ParseError` (or BtfError) on bad input. */
export function parseObject(bytes: Uint8Array, names: ObjectNames): CollectionSpec {
  const obj = new ElfObject(bytes);
  const btf = obj.btf;
  const externs = collectExterns(obj, btf);
  const fix: BtfFixups =
    btf === undefined ? { replacements: new Map(), datasecs: new Map() } : fixupBtf(obj, btf, externs);
  const code = readCode(obj);
  const functions = functionTable(obj, code);
  const rctx: RelocationContext = { obj, code, externs };
  for (const c of code.values()) {
    applyCodeRelocations(rctx, c);
    resolveLocalCalls(rctx, c);
  }

  const data = readDataSections(obj, fix.datasecs, names.objectName);
  const maps = data.maps;
  const mapTypes = new Map<string, MapBtfTypes>();
  for (const [key, datasec] of data.valueTypes) mapTypes.set(key, { key: undefined, value: datasec });
  const add = (name: string, spec: MapSpec, types: MapBtfTypes | undefined): void => {
    if (maps[name] !== undefined)
      throw new ParseError('maps', 0, `map ${JSON.stringify(name)} defined twice`);
    maps[name] = spec;
    if (types !== undefined) mapTypes.set(name, types);
  };
  for (const section of obj.sections) {
    const kind = obj.kindOf(section);
    if (kind === 'btf-maps') {
      const btfMaps = readBtfMaps(obj, section, btf, fix.datasecs.get(section.name));
      for (const [name, spec] of Object.entries(btfMaps.maps)) add(name, spec, btfMaps.types.get(name));
    } else if (kind === 'legacy-maps') {
      for (const [name, spec] of Object.entries(readLegacyMaps(obj, section))) add(name, spec, undefined);
    }
  }
  if (externs.kconfigSize > 0) {
    const spec = new MapSpec({
      name: internalMapName(names.objectName, KCONFIG_SECTION),
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: externs.kconfigSize,
      maxEntries: 1,
      flags: MapFlags.RDONLY_PROG | MapFlags.MMAPABLE,
      freeze: true,
    });
    add(KCONFIG_SECTION, spec, { key: undefined, value: fix.datasecs.get(KCONFIG_SECTION) });
  }
  checkMapReferences(obj, code, maps);

  return new CollectionSpec({
    maps,
    programs: programSpecs(obj, code, functions),
    variables: data.variables,
    types: btf,
    byteOrder: obj.byteOrder,
    object: {
      source: names.source,
      externs,
      mapTypes,
      funcTypes: functionTypes(obj, code),
      btfReplacements: fix.replacements,
    },
  });
}
