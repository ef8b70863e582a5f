/**
 * Reads what `ebpf-ts gen` needs from a BPF object through `loadCollectionSpec`: the BTF, each map's
 * type and BTF key/value types, program names and global variables. The one place that knows the
 * collection API's shape, so the generator proper works on plain data.
 */
import { loadCollectionSpec } from '../collection/index.js';
import { isPerCpuMapType } from '../maps/index.js';
import type { GenSource } from './gen-model.js';

/** Parses the object bytes (`file` is its name, for messages and the generated header). */
export function readGenSource(bytes: Uint8Array, file: string): GenSource {
  const spec = loadCollectionSpec(bytes, { name: file });
  const maps = Object.entries(spec.maps).map(([name, m]) => {
    const types = spec.object.mapTypes.get(name);
    return { name, mapType: m.type, perCpu: isPerCpuMapType(m.type), key: types?.key, value: types?.value };
  });
  const variables = Object.entries(spec.variables).map(([name, v]) => ({
    name,
    type: v.type,
    readOnly: v.readOnly,
  }));
  return { file, btf: spec.types, maps, programs: Object.keys(spec.programs), variables };
}
