/**
 * Human names for UAPI enum values, for CLI output (`hash`, `tracepoint`).
 */
import { MapType, ProgramType } from '../syscall/uapi-enums.js';

function reverse(table: Record<string, number>): Map<number, string> {
  return new Map(Object.entries(table).map(([k, v]) => [v, k.toLowerCase()]));
}

const MAP_NAMES = reverse(MapType);
const PROG_NAMES = reverse(ProgramType);

/** `hash`, `percpu_array`, ... or `type N` for unknown values. */
export function mapTypeName(type: number): string {
  return MAP_NAMES.get(type) ?? `type ${type}`;
}

/** `xdp`, `tracepoint`, ... or `type N` for unknown values. */
export function programTypeName(type: number): string {
  return PROG_NAMES.get(type) ?? `type ${type}`;
}
