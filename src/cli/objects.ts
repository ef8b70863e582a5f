/**
 * `ebpf-ts prog list`, `ebpf-ts map list`, `ebpf-ts map dump`: the everyday bpftool needs.
 */
import { BpfMap, isPerCpuMapType, perCpuStride } from '../maps/index.js';
import { Program } from '../prog/index.js';
import { listIds } from '../syscall/bpf.js';
import { defaultContext } from '../syscall/context.js';
import { mapTypeName, programTypeName } from './names.js';
import { type Output, table } from './output.js';

/** Lists loaded programs. */
export function progList(out: Output): void {
  const ctx = defaultContext();
  const rows: Array<Record<string, string | number>> = [];
  for (const id of listIds(ctx, 'prog')) {
    let prog: Program;
    try {
      prog = Program.fromId(id, { ctx });
    } catch {
      continue; // unloaded between listing and opening
    }
    try {
      const info = prog.info();
      rows.push({
        id,
        type: programTypeName(info.type),
        name: info.name,
        tag: info.tag,
        maps: info.mapIds.join(','),
        xlated: info.xlatedSize,
      });
    } finally {
      prog.close();
    }
  }
  out.print(rows, () => table(rows, ['id', 'type', 'name', 'tag', 'maps', 'xlated']));
}

/** Lists maps. */
export function mapList(out: Output): void {
  const ctx = defaultContext();
  const rows: Array<Record<string, string | number>> = [];
  for (const id of listIds(ctx, 'map')) {
    let map: BpfMap;
    try {
      map = BpfMap.fromId(id, { ctx });
    } catch {
      continue;
    }
    try {
      const info = map.info();
      rows.push({
        id,
        type: mapTypeName(info.type),
        name: info.name,
        key: info.keySize,
        value: info.valueSize,
        max: info.maxEntries,
        flags: `0x${info.flags.toString(16)}`,
      });
    } finally {
      map.close();
    }
  }
  out.print(rows, () => table(rows, ['id', 'type', 'name', 'key', 'value', 'max', 'flags']));
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/** Dumps a map's entries (raw bytes as hex) given an id or a pinned path. */
export function mapDump(out: Output, target: string): void {
  const ctx = defaultContext();
  const map = /^\d+$/.test(target)
    ? BpfMap.fromId(Number(target), { ctx })
    : BpfMap.loadPinned(target, { ctx });
  try {
    const rows: Array<{ key: string; value: string | string[] }> = [];
    const info = map.info();
    const perCpu = isPerCpuMapType(info.type);
    const stride = perCpuStride(info.valueSize);
    for (const [k, v] of map.entries()) {
      const value = perCpu
        ? Array.from({ length: v.byteLength / stride }, (_, cpu) =>
            hex(v.subarray(cpu * stride, cpu * stride + info.valueSize)),
          )
        : hex(v);
      rows.push({ key: hex(k), value });
    }
    const render = (r: (typeof rows)[number]): string =>
      Array.isArray(r.value)
        ? `key: ${r.key}\n${r.value.map((v, cpu) => `  cpu${cpu}: ${v}`).join('\n')}`
        : `key: ${r.key}  value: ${r.value}`;
    out.print(
      rows,
      () => `${rows.map(render).join('\n')}\n${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}`,
    );
  } finally {
    map.close();
  }
}
