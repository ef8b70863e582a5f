/**
 * loading: the steps of loading an object, made visible. `loadCollectionSpec` parses the ELF into a spec
 * (pure data, no kernel); `newCollection` loads every map and program; `spec.loadAndAssign` loads only what
 * is asked for plus what it needs (here: one program and the one map it uses). The object's BTF answers
 * type queries such as `spec.types.anyTypeByName('__u64')`. Loaded programs are checked with a test run.
 *
 *   sudo npx ebpf-ts examples/loading [--json]
 */
import { type Collection, codecs, loadCollectionSpec, MapType, newCollection, ProgramType } from 'ebpf-ts';
import type { Type } from 'ebpf-ts/btf';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { bpfObject, runExample } from '../lib/run.js';

/** The constant's name in a `{ NAME: number }` enum object. */
function nameOf(values: Record<string, number>, v: number): string {
  return Object.entries(values).find(([, n]) => n === v)?.[0] ?? String(v);
}

/** `typedef __u64 -> int "unsigned long long" (8 bytes, unsigned)`. */
function describeType(t: Type): string {
  if (t.kind === 'typedef') return `typedef ${t.name} -> ${describeType(t.type)}`;
  if (t.kind === 'int') return `int "${t.name}" (${t.size} bytes, ${t.signed ? 'signed' : 'unsigned'})`;
  return `${t.kind} "${'name' in t ? t.name : ''}"`;
}

/** One line naming the loaded objects of a collection, with kernel ids. */
function describeCollection(coll: Collection): string {
  const progs = Object.entries(coll.programs).map(([n, p]) => `${n}#${p.info().id}`);
  const maps = Object.entries(coll.maps).map(([n, m]) => `${n}#${m.info().id}`);
  return `programs=[${progs.join(',')}] maps=[${maps.join(',')}]`;
}

runExample(
  'Shows loadCollectionSpec, newCollection and selective loadAndAssign on a two-program object.',
  {},
  ({ json }) => {
    const out: Record<string, unknown> = {};
    const print = (key: string, text: string, value: unknown): void => {
      if (json) out[key] = value;
      else process.stdout.write(`${key}: ${text}\n`);
    };

    // 1. Parse: no kernel access, no privileges.
    const spec = loadCollectionSpec(bpfObject('loading'));
    for (const [name, p] of Object.entries(spec.programs)) {
      print(`spec.program ${name}`, `${nameOf(ProgramType, p.type)} section=${p.sectionName}`, {
        type: nameOf(ProgramType, p.type),
        section: p.sectionName,
      });
    }
    for (const [name, m] of Object.entries(spec.maps)) {
      const shape = `${nameOf(MapType, m.type)} key=${m.keySize} value=${m.valueSize} max=${m.maxEntries}`;
      print(`spec.map ${name}`, shape, {
        type: nameOf(MapType, m.type),
        keySize: m.keySize,
        valueSize: m.valueSize,
      });
    }
    if (spec.types === undefined) throw new Error('object has no BTF');
    const u64 = spec.types.anyTypeByName('__u64');
    print('spec.types __u64', describeType(u64), describeType(u64));

    removeMemlock();
    // 2. Everything.
    {
      using all = newCollection(spec);
      print('newCollection', describeCollection(all), {
        programs: Object.keys(all.programs),
        maps: Object.keys(all.maps),
      });
    }

    // 3. Only the XDP program and its map; count_writes and writes_by_pid are never created.
    using some = spec.loadAndAssign({ programs: ['count_xdp'], maps: ['xdp_packets'] });
    print('loadAndAssign', describeCollection(some), {
      programs: Object.keys(some.programs),
      maps: Object.keys(some.maps),
    });
    const prog = some.programs.count_xdp;
    const packets = some.maps.xdp_packets?.typed(codecs.u32, codecs.u64);
    if (prog === undefined || packets === undefined)
      throw new Error('loadAndAssign lost count_xdp/xdp_packets');
    const run = prog.testRun({ data: new Uint8Array(64), repeat: 5 });
    print('testRun count_xdp', `retval=${run.retval} xdp_packets=${packets.lookup(0)}`, {
      retval: run.retval,
      packets: Number(packets.lookup(0)),
    });
    if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
  },
);
