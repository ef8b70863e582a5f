/**
 * Which maps and programs a load creates, and in which order: the requested ones (or, for
 * `newCollection`, every map and every program whose section is not `?`-prefixed) plus everything they
 * need — maps the programs reference, maps and programs named in static contents (map-in-maps, prog
 * arrays). Maps come in dependency order (a map-in-map after the maps it holds).
 */
import { EbpfError } from '../errors.js';
import { isFdArrayMapType } from '../maps/index.js';
import { MapType } from '../syscall/uapi-enums.js';
import type { CollectionSpec } from './collection-spec.js';
import { parseSectionName } from './section-names.js';

/** Names of maps and programs to load only (`spec.loadAndAssign`). */
export interface LoadRequest {
  maps?: readonly string[];
  programs?: readonly string[];
}

/** What to load. */
export interface LoadPlan {
  /** Maps in creation order. */
  readonly maps: string[];
  readonly programs: string[];
  /** The names the caller asked for (undefined: keep everything). */
  readonly keep: { maps: ReadonlySet<string>; programs: ReadonlySet<string> } | undefined;
}

function contentNames(spec: CollectionSpec, map: string): string[] {
  const m = spec.maps[map];
  if (m === undefined || !isFdArrayMapType(m.type)) return [];
  return (m.contents ?? []).map(([, v]) => v).filter((v): v is string => typeof v === 'string');
}

/** Plans a load of `spec` (everything when `request` is undefined). */
export function planLoad(spec: CollectionSpec, request: LoadRequest | undefined): LoadPlan {
  const maps = new Set<string>();
  const programs = new Set<string>();
  if (request === undefined) {
    for (const name of Object.keys(spec.maps)) maps.add(name);
    for (const [name, p] of Object.entries(spec.programs)) {
      if (p.sectionName === undefined || parseSectionName(p.sectionName).autoload) programs.add(name);
    }
  } else {
    for (const name of request.maps ?? []) {
      if (spec.maps[name] === undefined)
        throw new EbpfError(`no map named ${JSON.stringify(name)}`, 'ENOENT');
      maps.add(name);
    }
    for (const name of request.programs ?? []) {
      if (spec.programs[name] === undefined)
        throw new EbpfError(`no program named ${JSON.stringify(name)}`, 'ENOENT');
      programs.add(name);
    }
  }
  const keep = request === undefined ? undefined : { maps: new Set(maps), programs: new Set(programs) };
  for (let changed = true; changed; ) {
    changed = false;
    const add = (set: Set<string>, name: string) => {
      if (!set.has(name)) {
        set.add(name);
        changed = true;
      }
    };
    for (const name of programs) {
      const insns = spec.programs[name]?.instructions;
      if (insns === undefined || insns instanceof Uint8Array) continue;
      for (const insn of insns) {
        if (!insn.isMapLoad || insn.reference === undefined) continue;
        if (spec.maps[insn.reference] === undefined) {
          throw new EbpfError(
            `program ${JSON.stringify(name)} uses unknown map ${JSON.stringify(insn.reference)}`,
            'ENOENT',
          );
        }
        add(maps, insn.reference);
      }
    }
    for (const name of maps) {
      const isProgArray = spec.maps[name]?.type === MapType.PROG_ARRAY;
      for (const ref of contentNames(spec, name)) {
        const known = isProgArray ? spec.programs[ref] : spec.maps[ref];
        if (known === undefined) {
          throw new EbpfError(
            `map ${JSON.stringify(name)} holds unknown ${isProgArray ? 'program' : 'map'} ${JSON.stringify(ref)}`,
            'ENOENT',
          );
        }
        add(isProgArray ? programs : maps, ref);
      }
    }
  }
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') throw new EbpfError(`map ${JSON.stringify(name)} contains itself`, 'EINVAL');
    state.set(name, 'visiting');
    if (spec.maps[name]?.type !== MapType.PROG_ARRAY) for (const ref of contentNames(spec, name)) visit(ref);
    state.set(name, 'done');
    ordered.push(name);
  };
  for (const name of maps) visit(name);
  return { maps: ordered, programs: [...programs], keep };
}
