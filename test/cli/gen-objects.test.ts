/**
 * Kernel tests of a generated module's `load<Name>Objects`: the layout fixture loads with typed maps
 * (hash, array, per-CPU hash with BTF struct/union keys and values), typed global variables (.data,
 * .bss, frozen .rodata) and its program; a tracepoint-fed ring buffer delivers `struct lt_event`
 * records the generated codec decodes.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { codecFor } from '../../src/btf/codec.js';
import { readGenSource } from '../../src/cli/gen-input.js';
import { generateModule } from '../../src/cli/gen-module.js';
import { tracepoint } from '../../src/link/index.js';
import type { BpfMap } from '../../src/maps/index.js';
import { possibleCpus } from '../../src/maps/index.js';
import type { Program } from '../../src/prog/index.js';
import { RingBufReader } from '../../src/ringbuf/index.js';
import { defaultContext } from '../../src/syscall/context.js';
import { loadLayoutFixture, prng, randomBytes } from '../btf/codec-fixture.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { GenProject } from './gen-fixture.js';

checkFdLeaks();

interface Typed<T> {
  readonly variable: unknown;
  get(): T;
  set(value: T): void;
}
interface Objects extends Disposable {
  maps: Record<string, BpfMap<unknown, unknown>>;
  programs: Record<string, Program>;
  variables: Record<string, Typed<unknown>>;
  close(): void;
}

let project: GenProject;
let load: () => Objects;
let codecs: Record<string, { decode(b: Uint8Array): unknown }>;

before(async () => {
  project = new GenProject();
  assert.deepEqual(project.missing, [], 'the collection API exists');
  const bytes = new Uint8Array(readFileSync('bpf/test/layout_types.bpf.o'));
  const text = generateModule(readGenSource(bytes, 'layout_types.bpf.o'), {
    name: 'layoutTypes',
    types: ['lt_event'],
    source: { kind: 'embed', bytes },
    command: 'ebpf-ts gen layout_types.bpf.o',
  });
  const module = await project.import('objects', text);
  load = module.loadLayoutTypesObjects as () => Objects;
  codecs = module as typeof codecs;
});
after(() => project?.dispose());

/** A random valid value of the BTF type `name` (decoded from random bytes by the runtime codec). */
function randomValue(name: string, seed: number): unknown {
  const c = codecFor(loadLayoutFixture('little').spec.typeByName(name));
  return c.decode(randomBytes(c.layout, prng(seed), 'little', true));
}

describe('generated load<Name>Objects', () => {
  it('loads typed maps that round-trip struct, union and per-CPU values', () => {
    using objs = load();
    const { ltHash, ltArray, ltPercpu, ltClashA, ltEvents } = objs.maps;
    assert.ok(ltHash && ltArray && ltPercpu && ltClashA && ltEvents);
    const key = randomValue('lt_nested', 1);
    const value = randomValue('lt_arrays', 2);
    ltHash.update(key, value);
    assert.deepEqual(ltHash.lookup(key), value);
    const bits = randomValue('lt_bits', 3);
    ltArray.update(2, bits);
    assert.deepEqual(ltArray.lookup(2), bits);
    const sock = { family: 10, addr: { v6: Uint8Array.from({ length: 16 }, (_, i) => i) }, port: 443 };
    const perCpu = Array.from({ length: possibleCpus(defaultContext()) }, (_, i) => BigInt(i) * 3n);
    ltPercpu.update(sock, perCpu);
    assert.deepEqual(ltPercpu.lookup(sock), perCpu);
    const [gotKey] = [...ltPercpu.keys()] as { addr: { v4: number; v6: Uint8Array } }[];
    assert.deepEqual(gotKey?.addr.v6, sock.addr.v6);
    ltClashA.update({ id: 7, stamp: 9n }, { v: 1 });
    assert.deepEqual(ltClashA.lookup({ id: 7, stamp: 9n }), { v: 1 });
    assert.equal(ltEvents.keySize, 0, 'the ring buffer stays untyped');
  });

  it('gives typed variables: .data samples, writable .bss, read-only .rodata', () => {
    using objs = load();
    const v = objs.variables;
    const sample = v.ltEventSample?.get() as { pid: number; comm: string; state: number };
    assert.equal(sample.pid, 1234);
    assert.equal(sample.comm, 'systemd-journal');
    assert.equal(sample.state, 1);
    v.ltSeen?.set(41n);
    assert.equal(v.ltSeen?.get(), 41n);
    assert.equal(v.ltTargetPid?.get(), 0);
    assert.equal(v.ltMinState?.get(), 0);
    assert.throws(() => v.ltTargetPid?.set(5), /read-only/);
    assert.ok(objs.programs.ltOnGetpid);
  });

  it('delivers ring buffer records decoded by the generated struct lt_event codec', async () => {
    using objs = load();
    const prog = objs.programs.ltOnGetpid as Program;
    using link = tracepoint('syscalls', 'sys_enter_getpid', prog);
    using reader = new RingBufReader(objs.maps.ltEvents as BpfMap<unknown, unknown>);
    const seenBefore = objs.variables.ltSeen?.get() as bigint;
    execFileSync('sh', ['-c', 'echo $$ > /dev/null']);
    const { sample } = await reader.read({ signal: AbortSignal.timeout(10_000) });
    assert.ok(link);
    assert.equal(sample.byteLength, 64);
    const event = (codecs.ltEventCodec as { decode(b: Uint8Array): Record<string, unknown> }).decode(sample);
    assert.equal(typeof event.comm, 'string');
    assert.notEqual(event.comm, '');
    assert.equal(event.state, 0);
    assert.ok((event.pid as number) > 0);
    assert.ok((event.ts as bigint) > 0n);
    assert.ok((objs.variables.ltSeen?.get() as bigint) > seenBefore);
  });
});
