/**
 * Dynamic perf PMUs (`kprobe`, `uprobe`) as described in sysfs: the PMU's perf type
 * (`/sys/bus/event_source/devices/<pmu>/type`) and where its format fields live in the attr
 * (`format/retprobe` = `config:0`, `format/ref_ctr_offset` = `config:32-63`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EbpfError } from '../errors.js';

/** Where sysfs lists perf PMUs. */
export const PMU_ROOT = '/sys/bus/event_source/devices';

/** A PMU format field: which config word (`config`, `config1`, `config2`) and which bits. */
export interface PmuFormatField {
  word: 'config' | 'config1' | 'config2' | 'config3';
  /** Lowest bit. */
  shift: number;
  /** Number of bits. */
  width: number;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The perf type of PMU `name`, or undefined when the kernel does not have it. */
export function pmuType(name: string, root = PMU_ROOT): number | undefined {
  const text = readText(join(root, name, 'type'));
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new EbpfError(`pmu ${name}: bad type ${JSON.stringify(text)}`, 'EINVAL');
  return n;
}

/** Parses a sysfs format string such as `config:0` or `config:32-63`. */
export function parsePmuFormat(text: string): PmuFormatField {
  const m = /^(config[123]?):(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new EbpfError(`pmu format: cannot parse ${JSON.stringify(text)}`, 'EINVAL');
  const lo = Number(m[2]);
  const hi = m[3] === undefined ? lo : Number(m[3]);
  if (hi < lo || hi > 63) throw new EbpfError(`pmu format: bad bit range ${JSON.stringify(text)}`, 'EINVAL');
  return { word: m[1] as PmuFormatField['word'], shift: lo, width: hi - lo + 1 };
}

/** Format field `field` of PMU `name`, or undefined when sysfs does not describe it. */
export function pmuFormat(name: string, field: string, root = PMU_ROOT): PmuFormatField | undefined {
  const text = readText(join(root, name, 'format', field));
  return text === undefined ? undefined : parsePmuFormat(text);
}

/** `value` placed in `field`'s bits (checked to fit). */
export function pmuFieldValue(field: PmuFormatField, value: bigint | number, what: string): bigint {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << BigInt(field.width))
    throw new EbpfError(`${what} ${v} does not fit in ${field.width} bits`, 'EINVAL');
  return v << BigInt(field.shift);
}
