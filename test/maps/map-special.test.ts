/**
 * Map types with their own semantics: per-CPU values, LPM longest-prefix match, queue/stack order, bloom
 * filter membership, ring buffer and perf event array creation, map-in-map, prog and cgroup arrays,
 * stack traces.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isEbpfError, isKeyNotFoundError, isSyscallError } from '../../src/errors.js';
import { BpfMap, codecs, pageSize, perCpu, possibleCpus } from '../../src/maps/index.js';
import {
  Attr,
  allocAttr,
  BpfCmd,
  bpfFd,
  defaultContext,
  type FD,
  MapFlags,
  MapType,
  objInfo,
  ProgInfoLayout,
  ProgLoadAttr,
  ProgramType,
  UpdateFlags,
} from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

const ctx = defaultContext();
const CPUS = possibleCpus(ctx);

describe('per-CPU maps', () => {
  it('the possible CPU count matches /sys/devices/system/cpu/possible', () => {
    const text = readFileSync('/sys/devices/system/cpu/possible', 'latin1').trim();
    assert.ok(CPUS >= 1);
    if (text === '0-1') assert.equal(CPUS, 2);
  });

  it('untyped values are the whole kernel buffer, one 8-byte slot per CPU', () => {
    using m = BpfMap.create({
      name: 'pcpu_raw',
      type: MapType.PERCPU_ARRAY,
      keySize: 4,
      valueSize: 4,
      maxEntries: 1,
    });
    const v = m.lookup(new Uint8Array(4));
    assert.equal(v.byteLength, 8 * CPUS);
    const u = m.typed(codecs.u32, perCpu(codecs.u32));
    u.update(
      0,
      Array.from({ length: CPUS }, (_, i) => 7 + i),
    );
    const raw = m.lookup(new Uint8Array(4));
    for (let i = 0; i < CPUS; i++) assert.equal(raw[i * 8], 7 + i);
  });

  it('rejects a per-element codec without perCpu() and arrays of the wrong length', () => {
    using m = BpfMap.create({
      name: 'pcpu',
      type: MapType.PERCPU_HASH,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
    });
    if (CPUS > 1) assert.throws(() => m.typed(codecs.u32, codecs.u64), /wrap it in perCpu\(\)/);
    const t = m.typed(codecs.u32, perCpu(codecs.u64));
    assert.throws(() => t.update(1, new Array(CPUS + 1).fill(0n)), /one per possible CPU/);
    assert.equal(t.cpus, CPUS);
  });
});

describe('LPM_TRIE', () => {
  const key = codecs.struct({ prefixlen: [0, codecs.u32], addr: [4, codecs.raw(4)] }, 8);
  const ip = (s: string) => new Uint8Array(s.split('.').map(Number));

  it('returns the longest matching prefix', () => {
    using m = BpfMap.create(
      {
        name: 'routes',
        type: MapType.LPM_TRIE,
        keySize: 8,
        valueSize: 4,
        maxEntries: 16,
        flags: MapFlags.NO_PREALLOC,
      },
      { key, value: codecs.u32 },
    );
    m.update({ prefixlen: 8, addr: ip('10.0.0.0') }, 8);
    m.update({ prefixlen: 16, addr: ip('10.1.0.0') }, 16);
    m.update({ prefixlen: 24, addr: ip('10.1.2.0') }, 24);
    assert.equal(m.lookup({ prefixlen: 32, addr: ip('10.1.2.3') }), 24);
    assert.equal(m.lookup({ prefixlen: 32, addr: ip('10.1.9.9') }), 16);
    assert.equal(m.lookup({ prefixlen: 32, addr: ip('10.9.9.9') }), 8);
    assert.equal(m.get({ prefixlen: 32, addr: ip('11.0.0.1') }), undefined);
  });

  it('without BPF_F_NO_PREALLOC fails with a hint', () => {
    assert.throws(
      () =>
        BpfMap.create({ name: 'lpm_bad', type: MapType.LPM_TRIE, keySize: 8, valueSize: 4, maxEntries: 4 }),
      (e: unknown) =>
        isSyscallError(e) &&
        e.message === 'map "lpm_bad": create: EINVAL: LPM_TRIE maps require flags BPF_F_NO_PREALLOC',
    );
  });
});

describe('QUEUE and STACK', () => {
  const cases = [
    { type: MapType.QUEUE, name: 'queue', order: [1, 2, 3] },
    { type: MapType.STACK, name: 'stack', order: [3, 2, 1] },
  ];
  for (const c of cases) {
    it(`${c.name} pops in ${c.name === 'queue' ? 'FIFO' : 'LIFO'} order`, () => {
      using m = BpfMap.create(
        { name: c.name, type: c.type, valueSize: 4, maxEntries: 3 },
        { value: codecs.u32 },
      );
      for (const v of [1, 2, 3]) m.push(v);
      assert.throws(
        () => m.push(4),
        (e: unknown) => isSyscallError(e) && e.code === 'E2BIG',
      );
      assert.equal(m.peek(), c.order[0]);
      const popped = [m.lookupAndDelete(), m.lookupAndDelete(), m.lookupAndDelete()];
      assert.deepEqual(popped, c.order);
      assert.throws(() => m.lookupAndDelete(), isKeyNotFoundError);
      assert.throws(() => m.peek(), isKeyNotFoundError);
    });
  }

  it('push with BPF_EXIST evicts the oldest element of a full queue', () => {
    using m = BpfMap.create(
      { name: 'q', type: MapType.QUEUE, valueSize: 8, maxEntries: 2 },
      { value: codecs.u64 },
    );
    m.push(1n);
    m.push(2n);
    m.push(3n, UpdateFlags.EXIST);
    assert.deepEqual([m.lookupAndDelete(), m.lookupAndDelete()], [2n, 3n]);
  });
});

describe('BLOOM_FILTER', () => {
  it('reports members and (very likely) non-members', () => {
    using m = BpfMap.create(
      { name: 'bloom', type: MapType.BLOOM_FILTER, valueSize: 4, maxEntries: 128, mapExtra: 3n },
      { value: codecs.u32 },
    );
    for (let i = 0; i < 10; i++) m.push(i * 1000);
    for (let i = 0; i < 10; i++) assert.equal(m.contains(i * 1000), true);
    const falsePositives = Array.from({ length: 50 }, (_, i) => m.contains(i * 1000 + 1)).filter(
      Boolean,
    ).length;
    assert.ok(falsePositives < 10, `${falsePositives} false positives`);
    assert.equal(m.info().mapExtra, 3n);
  });
});

describe('RINGBUF and PERF_EVENT_ARRAY (creation)', () => {
  it('creates a ring buffer of a power-of-2 page multiple', () => {
    using m = BpfMap.create({ name: 'rb', type: MapType.RINGBUF, maxEntries: pageSize(ctx) * 4 });
    const info = m.info();
    assert.equal(info.type, MapType.RINGBUF);
    assert.equal(info.maxEntries, pageSize(ctx) * 4);
  });

  it('rejects a ring buffer size that is not a power-of-2 page multiple, with a hint', () => {
    assert.throws(
      () => BpfMap.create({ name: 'rb_bad', type: MapType.RINGBUF, maxEntries: pageSize(ctx) * 3 }),
      /map "rb_bad": create: EINVAL: ring buffers need .*power-of-2 multiple of the page size/,
    );
  });

  it('a perf event array defaults to one slot per possible CPU', () => {
    using m = BpfMap.create({ name: 'events', type: MapType.PERF_EVENT_ARRAY });
    const info = m.info();
    assert.equal(info.maxEntries, CPUS);
    assert.equal(info.keySize, 4);
    assert.equal(info.valueSize, 4);
  });
});

/** A two-instruction socket filter (`r0 = 0; exit`). */
function loadTrivialProgram(): FD {
  const insns = allocAttr(16);
  insns.set([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
  const a = new Attr(ProgLoadAttr.SIZE, ctx.backend)
    .u32(ProgLoadAttr.prog_type, ProgramType.SOCKET_FILTER)
    .u32(ProgLoadAttr.insn_cnt, 2)
    .ptr(ProgLoadAttr.insns, insns)
    .cstringPtr(ProgLoadAttr.license, 'GPL');
  return bpfFd(ctx, BpfCmd.PROG_LOAD, a, 'prog load', 'program');
}

describe('fd arrays and map-in-map', () => {
  it('ARRAY_OF_MAPS takes an inner map fd and reads back its id', () => {
    const innerSpec = { name: 'inner', type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 4 } as const;
    using outer = BpfMap.create(
      { name: 'outer', type: MapType.ARRAY_OF_MAPS, keySize: 4, maxEntries: 2, innerMap: innerSpec },
      { key: codecs.u32, value: codecs.u32 },
    );
    using inner = BpfMap.create(innerSpec);
    outer.update(1, inner.fd.raw);
    assert.equal(outer.lookup(1), inner.info().id);
    assert.throws(() => outer.lookup(0), isKeyNotFoundError);
    assert.deepEqual([...outer.entries()], [[1, inner.info().id]]);
  });

  it('HASH_OF_MAPS accepts an explicit inner map fd', () => {
    using template = BpfMap.create({
      name: 'tmpl',
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
    });
    using outer = BpfMap.create(
      { name: 'hom', type: MapType.HASH_OF_MAPS, keySize: 8, maxEntries: 4 },
      { innerMapFd: template.fd, key: codecs.u64, value: codecs.u32 },
    );
    using inner = BpfMap.create({
      name: 'in2',
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
    });
    outer.update(42n, inner.fd.raw);
    assert.equal(outer.lookup(42n), inner.info().id);
    outer.delete(42n);
    assert.equal(outer.get(42n), undefined);
  });

  it('PROG_ARRAY stores a program fd and reads back its id', () => {
    using prog = loadTrivialProgram();
    const info = allocAttr(ProgInfoLayout.SIZE);
    objInfo(ctx, prog, info);
    const progId = new DataView(info.buffer).getUint32(ProgInfoLayout.id, true);
    assert.ok(progId > 0);
    using m = BpfMap.create(
      { name: 'jmp', type: MapType.PROG_ARRAY, maxEntries: 4 },
      { key: codecs.u32, value: codecs.u32 },
    );
    m.update(2, prog.raw);
    assert.equal(m.lookup(2), progId);
    assert.deepEqual([...m.keys()], [0, 1, 2, 3]);
    assert.deepEqual([...m.entries()], [[2, progId]]);
    m.delete(2);
    assert.equal(m.get(2), undefined);
  });

  it('CGROUP_ARRAY stores a cgroup v2 directory fd', () => {
    const mount = readFileSync('/proc/mounts', 'latin1')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[2] === 'cgroup2');
    assert.ok(mount, 'a cgroup2 mount is needed');
    const dirFd = openSync(mount[1]!, 'r');
    try {
      using m = BpfMap.create(
        { name: 'cgroups', type: MapType.CGROUP_ARRAY, maxEntries: 2 },
        { key: codecs.u32, value: codecs.u32 },
      );
      m.update(0, dirFd);
      assert.throws(
        () => m.lookup(0),
        (e: unknown) => isSyscallError(e) && /map "cgroups": lookup: ENOTSUPP/.test(e.message),
      );
      m.delete(0);
      assert.throws(() => m.delete(0), isKeyNotFoundError);
    } finally {
      closeSync(dirFd);
    }
  });

  it('STACK_TRACE is empty, refuses user writes and reads through the batch fallback', () => {
    using m = BpfMap.create(
      { name: 'stacks', type: MapType.STACK_TRACE, keySize: 4, valueSize: 8 * 127, maxEntries: 16 },
      { key: codecs.u32 },
    );
    assert.deepEqual([...m.keys()], []);
    assert.throws(() => m.lookup(1), isKeyNotFoundError);
    assert.throws(
      () => m.update(1, new Uint8Array(8 * 127)),
      (e: unknown) => isEbpfError(e) && e.code === 'EINVAL',
    );
    assert.deepEqual(m.batchLookup(), []);
  });
});
