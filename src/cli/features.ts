/**
 * `ebpf-ts features`: a support table of map and program types for the running kernel (like
 * `bpftool feature probe`), built from the public probes in `ebpf-ts/features`.
 */
import { isNotSupportedError } from '../errors.js';
import { haveMapType, haveProgramType } from '../features/index.js';
import { MapType, ProgramType } from '../syscall/uapi-enums.js';
import { type Output, table } from './output.js';

/** One probe outcome. */
export interface FeatureRow {
  kind: 'map' | 'program';
  name: string;
  supported: boolean;
  detail: string;
}

function probe(kind: FeatureRow['kind'], name: string, fn: () => void): FeatureRow {
  try {
    fn();
    return { kind, name, supported: true, detail: '' };
  } catch (e) {
    if (isNotSupportedError(e)) return { kind, name, supported: false, detail: e.message };
    return { kind, name, supported: false, detail: `probe failed: ${(e as Error).message}` };
  }
}

/** Probes every map and program type. */
export function probeAll(): FeatureRow[] {
  const rows: FeatureRow[] = [];
  for (const [name, type] of Object.entries(MapType)) {
    if (type === MapType.UNSPEC) continue;
    rows.push(probe('map', name.toLowerCase(), () => haveMapType(type)));
  }
  for (const [name, type] of Object.entries(ProgramType)) {
    if (type === ProgramType.UNSPEC) continue;
    rows.push(probe('program', name.toLowerCase(), () => haveProgramType(type)));
  }
  return rows;
}

/** Prints the support table. */
export function featuresCommand(out: Output): void {
  const rows = probeAll();
  out.print(rows, () =>
    table(
      rows.map((r) => ({
        kind: r.kind,
        name: r.name,
        supported: r.supported ? 'yes' : 'no',
        detail: r.detail,
      })),
      ['kind', 'name', 'supported', 'detail'],
    ),
  );
}
