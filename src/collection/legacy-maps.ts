/**
 * Legacy map definitions in the `maps` section: libbpf's old `struct bpf_map_def` (type, key_size,
 * value_size, max_entries, map_flags: 20 bytes) and iproute2's `struct bpf_elf_map` (36 bytes: adds id,
 * pinning, inner_id, inner_idx). Every definition has the same size (section size / number of symbols).
 * iproute2 pinning (`PIN_OBJECT_NS` 1, `PIN_GLOBAL_NS` 2) becomes pin-by-name under `maps.pinPath`; an
 * inner map (`inner_id` = the outer map's `id`) becomes the outer map's template and is stored at
 * `inner_idx` in it. Extra bytes of libbpf definitions must be zero. Pure.
 */
import { type ElfSection, SHT, STT } from '../elf/index.js';
import { MapSpec, Pinning } from '../maps/index.js';
import type { MapType } from '../syscall/uapi-enums.js';
import type { ElfObject } from './elf-object.js';
import { type NamedRecord, namedRecord } from './records.js';

/** Size of `struct bpf_map_def`. */
export const BPF_MAP_DEF_SIZE = 20;
/** Size of iproute2's `struct bpf_elf_map`. */
export const BPF_ELF_MAP_SIZE = 36;

interface ElfMapExtras {
  id: number;
  innerId: number;
  innerIdx: number;
}

/** Reads the map definitions of the legacy `maps` section. */
export function readLegacyMaps(obj: ElfObject, section: ElfSection): NamedRecord<MapSpec> {
  const maps = namedRecord<MapSpec>();
  if (section.type === SHT.NOBITS) throw obj.error(section, 0, 'legacy maps section has no data');
  const symbols = obj
    .symbolsIn(section.index)
    .filter((s) => s.name !== '' && (s.type === STT.OBJECT || s.type === STT.NOTYPE));
  if (symbols.length === 0) {
    if (section.size === 0) return maps;
    throw obj.error(section, 0, 'legacy maps section has no map symbols');
  }
  const defSize = section.size / symbols.length;
  if (!Number.isInteger(defSize) || defSize < BPF_MAP_DEF_SIZE) {
    throw obj.error(
      section,
      0,
      `size ${section.size} is not ${symbols.length} map definitions of at least ${BPF_MAP_DEF_SIZE} bytes`,
    );
  }
  const iproute2 = defSize >= BPF_ELF_MAP_SIZE;
  const r = obj.elf.sectionReader(section);
  const extras = new Map<string, ElfMapExtras>();
  for (const sym of symbols) {
    const at = Number(sym.value);
    if (!Number.isSafeInteger(at) || at + defSize > section.size) {
      throw obj.error(
        section,
        Math.min(at, section.size),
        `map ${JSON.stringify(sym.name)} definition outside the section`,
      );
    }
    if (maps[sym.name] !== undefined)
      throw obj.error(section, at, `map ${JSON.stringify(sym.name)} defined twice`);
    const fixedEnd = iproute2 ? BPF_ELF_MAP_SIZE : BPF_MAP_DEF_SIZE;
    for (let i = fixedEnd; i < defSize; i++) {
      if (r.u8At(at + i) !== 0) {
        throw obj.error(
          section,
          at + i,
          `map ${JSON.stringify(sym.name)}: unsupported non-zero bytes after the ${fixedEnd}-byte definition`,
        );
      }
    }
    let pinning: Pinning | undefined;
    if (iproute2) {
      const pin = r.u32At(at + 24);
      if (pin === 1 || pin === 2) pinning = Pinning.BY_NAME;
      else if (pin !== 0)
        throw obj.error(section, at + 24, `map ${JSON.stringify(sym.name)}: unsupported pinning ${pin}`);
      extras.set(sym.name, { id: r.u32At(at + 20), innerId: r.u32At(at + 28), innerIdx: r.u32At(at + 32) });
    }
    maps[sym.name] = new MapSpec({
      name: sym.name,
      type: r.u32At(at) as MapType,
      keySize: r.u32At(at + 4),
      valueSize: r.u32At(at + 8),
      maxEntries: r.u32At(at + 12),
      flags: r.u32At(at + 16),
      pinning,
    });
  }
  for (const [name, extra] of extras) {
    if (extra.innerId === 0) continue;
    const outerName = [...extras].find(([, e]) => e.id === extra.innerId)?.[0];
    const outer = outerName === undefined ? undefined : maps[outerName];
    const inner = maps[name];
    if (outer === undefined || inner === undefined || outerName === name) {
      throw obj.error(
        section,
        0,
        `map ${JSON.stringify(name)}: inner_id ${extra.innerId} names no other map`,
      );
    }
    if (extra.innerIdx >= outer.maxEntries) {
      throw obj.error(
        section,
        0,
        `map ${JSON.stringify(name)}: inner_idx ${extra.innerIdx} beyond max_entries of ${JSON.stringify(outerName)}`,
      );
    }
    if (outer.innerMap === undefined) {
      const template = inner.copy();
      template.name = `${outerName}.inner`;
      template.pinning = undefined;
      outer.innerMap = template;
    }
    outer.contents = [...(outer.contents ?? []), [extra.innerIdx, name]];
  }
  return maps;
}
