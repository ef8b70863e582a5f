/**
 * Kernel tests of `usdt()`: the gcc-built target fires USDT probes with known arguments (integers of every
 * size, negative values, a constant, memory operands through base, base+offset, base+index*scale and a
 * rip-relative global), `bpf/test/usdt_args.bpf.o` (built with bpf/include/usdt.bpf.h, loaded through the
 * collection loader) reads them with bpf_usdt_arg / BPF_USDT and reports them; semaphores rise while
 * attached; spec ids are shared by identical sites and freed on close; pid filter, user cookie, uprobe_multi
 * and auto-attach from a `usdt/...` section name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Collection, loadCollectionSpec, newCollection } from '../../src/collection/index.js';
import { isEbpfError, isNotSupportedError } from '../../src/errors.js';
import { attachFromSection, decodeUsdtSpec, type UsdtLink, usdt } from '../../src/link/index.js';
import { BpfMap } from '../../src/maps/bpf-map.js';
import { RingBufReader } from '../../src/ringbuf/index.js';
import { AttachType, MapType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { requireFeature } from '../helpers/require-feature.js';
import { counterMap, counterProgram } from './helpers.js';
import { removeUsdtTargets, startUsdtTarget, usdtTarget } from './usdt-fixture.js';

checkFdLeaks();
after(removeUsdtTargets);

const OBJECT = new URL('../../bpf/test/usdt_args.bpf.o', import.meta.url).pathname;
const N = 3;

/** One `struct usdt_event` from the ring buffer. */
interface UsdtEvent {
  cookie: bigint;
  tgid: number;
  argCount: number;
  args: bigint[];
  errs: number[];
}

function decodeEvent(sample: Uint8Array): UsdtEvent {
  const dv = new DataView(sample.buffer, sample.byteOffset, sample.byteLength);
  assert.equal(sample.byteLength, 160);
  return {
    cookie: dv.getBigUint64(0, true),
    tgid: dv.getUint32(8, true),
    argCount: dv.getInt32(12, true),
    args: Array.from({ length: 12 }, (_, i) => dv.getBigInt64(16 + i * 8, true)),
    errs: Array.from({ length: 12 }, (_, i) => dv.getInt32(112 + i * 4, true)),
  };
}

/** The arguments of iteration `i`, as the target computes them (see fixtures/usdt-target.c). */
const intsArgs = (i: number): bigint[] => [
  BigInt((250 + i) & 0xff),
  BigInt(-1000 - i),
  BigInt(-100000 * (i + 1)),
  -5000000000n - BigInt(i),
  4000000000n + BigInt(i),
  BigInt(-3 - i),
  -7n,
];
const memArgs = (i: number): bigint[] => [
  BigInt(11 * (i + 1)),
  -(1n << 40n) - BigInt(i),
  BigInt(100 + (i % 8)),
  -77n,
  BigInt(100 + (i % 8)),
];

describe('usdt', () => {
  let coll: Collection;
  let events: RingBufReader;
  before(() => {
    coll = newCollection(loadCollectionSpec(OBJECT));
    const ring = coll.maps.events;
    assert.ok(ring);
    events = new RingBufReader(ring);
  });
  after(() => {
    events.close();
    coll.close();
  });

  const program = (name: 'record' | 'typed_ints') => {
    const p = coll.programs[name];
    assert.ok(p);
    return p;
  };
  const drain = (): UsdtEvent[] => {
    const out: UsdtEvent[] = [];
    events.drain((r) => out.push(decodeEvent(r.sample)));
    return out;
  };
  const specSlotsInUse = (): number[] => {
    const map = coll.maps.__ebpf_ts_usdt_specs;
    assert.ok(map);
    const ids: number[] = [];
    for (let id = 0; id < map.maxEntries; id++) {
      const key = new Uint8Array(new Uint32Array([id]).buffer);
      if (decodeUsdtSpec(map.lookup(key)).inUse) ids.push(id);
    }
    return ids;
  };

  it('reads register, constant and memory arguments of every size and sign', async () => {
    drain();
    const path = usdtTarget();
    const target = startUsdtTarget(path, N);
    const links: UsdtLink[] = [];
    try {
      for (const [name, cookie] of [
        ['ints', 1n],
        ['mem', 2n],
        ['twice', 3n],
        ['none', 4n],
      ] as const)
        links.push(usdt(program('record'), { path, provider: 'ebpfts', name, pid: target.pid, cookie }));
      await target.go();
    } finally {
      for (const l of links) l.close();
    }
    const got = drain();
    const by = (cookie: bigint) => got.filter((e) => e.cookie === cookie);
    for (const e of got) assert.equal(e.tgid, target.pid);

    const ints = by(1n);
    assert.equal(ints.length, N);
    ints.forEach((e, i) => {
      assert.equal(e.argCount, 7);
      assert.deepEqual(e.args.slice(0, 7), intsArgs(i), `ints, iteration ${i}`);
      assert.deepEqual(e.errs.slice(0, 7), [0, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual(e.errs.slice(7), [-2, -2, -2, -2, -2], 'missing arguments give -ENOENT');
      assert.deepEqual(e.args.slice(7), [0n, 0n, 0n, 0n, 0n], 'and zero');
    });

    const mem = by(2n);
    assert.equal(mem.length, N);
    mem.forEach((e, i) => {
      assert.equal(e.argCount, 5);
      assert.deepEqual(e.args.slice(0, 5), memArgs(i), `mem, iteration ${i}`);
      assert.deepEqual(e.errs.slice(0, 5), [0, 0, 0, 0, 0]);
    });

    const twice = by(3n);
    assert.equal(twice.length, 2 * N, 'both sites of ebpfts:twice fire');
    assert.deepEqual(
      twice.map((e) => e.args[0] ?? -1n).sort((a, b) => Number(a - b)),
      [0n, 1n, 2n, 1000n, 1001n, 1002n],
    );

    const none = by(4n);
    assert.equal(none.length, N);
    for (const e of none) {
      assert.equal(e.argCount, 0);
      assert.equal(e.errs[0], -2);
    }
    assert.equal(got.length, 5 * N, 'nothing else was recorded');
  });

  it('BPF_USDT passes typed arguments', async () => {
    const typed = coll.maps.typed;
    assert.ok(typed);
    const zeroKey = new Uint8Array(4);
    typed.update(zeroKey, new Uint8Array(64));
    const path = usdtTarget();
    const target = startUsdtTarget(path, N);
    {
      using _link = usdt(program('typed_ints'), { path, provider: 'ebpfts', name: 'ints', pid: target.pid });
      await target.go();
    }
    const v = typed.lookup(zeroKey);
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    assert.equal(dv.getBigUint64(0, true), BigInt(N), 'one hit per iteration');
    const values = Array.from({ length: 7 }, (_, k) => dv.getBigInt64(8 + k * 8, true));
    assert.deepEqual(values, intsArgs(N - 1), 'the last iteration, cast through the parameter types');
  });

  it('raises the semaphore only while attached', async () => {
    const path = usdtTarget();
    const before = startUsdtTarget(path, N);
    assert.match(await before.go(), /enabled=0 /);
    const target = startUsdtTarget(path, N);
    let out: string;
    {
      using link = usdt(program('record'), {
        path,
        provider: 'ebpfts',
        name: 'sem',
        pid: target.pid,
        cookie: 5n,
      });
      assert.equal(link.probes.length, 1);
      assert.ok(link.probes[0]?.semaphoreOffset !== undefined);
      out = await target.go();
    }
    assert.match(out, new RegExp(`enabled=${N} count=${N}`));
    const sem = drain().filter((e) => e.cookie === 5n);
    assert.deepEqual(
      sem.map((e) => e.args[0]),
      Array.from({ length: N }, (_, i) => BigInt(i)),
    );
    const after = startUsdtTarget(path, N);
    assert.match(await after.go(), /enabled=0 /, 'the semaphore drops after close');
  });

  it('works through tracefs uprobe_events (legacy), semaphore included', async () => {
    drain();
    const path = usdtTarget();
    const target = startUsdtTarget(path, N);
    let out: string;
    {
      using _link = usdt(program('record'), {
        path,
        provider: 'ebpfts',
        name: 'sem',
        pid: target.pid,
        cookie: 10n,
        legacy: true,
      });
      out = await target.go();
    }
    assert.match(out, new RegExp(`enabled=${N} `));
    const got = drain().filter((e) => e.cookie === 10n);
    assert.deepEqual(
      got.map((e) => e.args[0]),
      Array.from({ length: N }, (_, i) => BigInt(i)),
    );
  });

  it('shares a spec between identical sites and frees spec ids on close', () => {
    const path = usdtTarget();
    assert.deepEqual(specSlotsInUse(), []);
    const twice = usdt(program('record'), { path, provider: 'ebpfts', name: 'twice' });
    const ints = usdt(program('record'), { path, provider: 'ebpfts', name: 'ints', cookie: 77n });
    try {
      assert.equal(twice.links.length, 2);
      assert.equal(twice.specIds.length, 1, 'both sites read -4@%edi');
      assert.equal(ints.specIds.length, 1);
      assert.deepEqual(
        specSlotsInUse(),
        [...twice.specIds, ...ints.specIds].sort((a, b) => a - b),
      );
      const map = coll.maps.__ebpf_ts_usdt_specs;
      assert.ok(map);
      const spec = decodeUsdtSpec(map.lookup(new Uint8Array(new Uint32Array([ints.specIds[0] ?? 0]).buffer)));
      assert.equal(spec.cookie, 77n);
      assert.deepEqual(
        spec.args.map((a) => [a.size, a.signed]),
        [
          [1, false],
          [2, true],
          [4, true],
          [8, true],
          [4, false],
          [1, true],
          [4, true],
        ],
      );
      assert.throws(
        () => twice.pin('/sys/fs/bpf/never'),
        (e) => isNotSupportedError(e) && /2 sites/.test(e.message),
      );
      assert.match(String(twice), /UsdtLink\(.*ebpfts:twice, 2 sites\)/);
    } finally {
      twice.close();
      ints.close();
    }
    assert.deepEqual(specSlotsInUse(), []);
    twice.close();
  });

  it('filters by pid', async () => {
    drain();
    const path = usdtTarget();
    const a = startUsdtTarget(path, N);
    const b = startUsdtTarget(path, N);
    {
      using _link = usdt(program('record'), {
        path,
        provider: 'ebpfts',
        name: 'none',
        pid: a.pid,
        cookie: 6n,
      });
      await Promise.all([a.go(), b.go()]);
    }
    const got = drain().filter((e) => e.cookie === 6n);
    assert.equal(got.length, N);
    for (const e of got) assert.equal(e.tgid, a.pid);
  });

  it('attaches all sites with one uprobe_multi link for programs loaded for it', async (t) => {
    const spec = loadCollectionSpec(OBJECT);
    const record = spec.programs.record;
    assert.ok(record);
    record.attachType = AttachType.TRACE_UPROBE_MULTI;
    const multi = newCollection(spec, {
      mapReplacements: { events: coll.maps.events as BpfMap<unknown, unknown> },
    });
    try {
      drain();
      const path = usdtTarget();
      const target = startUsdtTarget(path, N);
      const prog = multi.programs.record;
      assert.ok(prog);
      let link: UsdtLink | undefined;
      const attached = requireFeature(t, 'uprobe_multi', () => {
        link = usdt(prog, { path, provider: 'ebpfts', name: 'twice', pid: target.pid, cookie: 8n });
      });
      if (!attached || link === undefined) return;
      try {
        assert.equal(link.links.length, 1);
        assert.equal(link.info().details?.kind, 'uprobe_multi');
        await target.go();
      } finally {
        link.close();
      }
      const got = drain().filter((e) => e.cookie === 8n);
      assert.deepEqual(
        got.map((e) => e.args[0] ?? -1n).sort((x, y) => Number(x - y)),
        [0n, 1n, 2n, 1000n, 1001n, 1002n],
      );
    } finally {
      multi.close();
    }
  });

  it('auto-attaches usdt/<path>:<provider>:<name> sections, the cookie going to bpf_usdt_cookie', async () => {
    drain();
    const path = usdtTarget();
    const target = startUsdtTarget(path, N);
    {
      using _link = attachFromSection(program('record'), `usdt/${path}:ebpfts:none`, { cookie: 9n });
      await target.go();
    }
    const got = drain().filter((e) => e.cookie === 9n);
    assert.ok(got.length >= N, `${got.length} hits`);
  });

  it('explains what is wrong', () => {
    const path = usdtTarget();
    assert.throws(
      () => usdt(program('record'), { path, provider: 'ebpfts', name: 'missing' }),
      (e) =>
        isEbpfError(e) &&
        e.code === 'ENOENT' &&
        /no such probe \(probes: ebpfts:ints, ebpfts:mem/.test(e.message),
    );
    assert.throws(
      () => usdt(program('record'), { path: '/no/such/file', provider: 'p', name: 'n' }),
      (e) => isEbpfError(e) && e.code === 'ENOENT',
    );
    using counter = counterMap('usdt_counter');
    using plain = counterProgram(counter, ProgramType.KPROBE);
    assert.throws(
      () => usdt(plain, { path, provider: 'ebpfts', name: 'none' }),
      (e) => isEbpfError(e) && e.code === 'ENOENT' && /uses no __ebpf_ts_usdt_specs map/.test(e.message),
    );
    using tp = counterProgram(counter, ProgramType.TRACEPOINT);
    assert.throws(
      () => usdt(tp, { path, provider: 'ebpfts', name: 'none' }),
      (e) => isEbpfError(e) && e.code === 'EINVAL' && /expected KPROBE/.test(e.message),
    );
    assert.throws(
      () =>
        usdt(plain, { path, provider: 'ebpfts', name: 'none', specMap: counter as BpfMap<unknown, unknown> }),
      (e) => isEbpfError(e) && e.code === 'EINVAL' && /value size 8 is not 208/.test(e.message),
    );
  });

  it('hands out free spec slots and fails cleanly when they run out', () => {
    using small = BpfMap.create({
      name: 'usdt_small',
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 208,
      maxEntries: 1,
    });
    const path = usdtTarget();
    const one = usdt(program('record'), {
      path,
      provider: 'ebpfts',
      name: 'none',
      specMap: small as BpfMap<unknown, unknown>,
    });
    try {
      assert.deepEqual(one.specIds, [0]);
      assert.throws(
        () =>
          usdt(program('record'), {
            path,
            provider: 'ebpfts',
            name: 'ints',
            specMap: small as BpfMap<unknown, unknown>,
          }),
        (e) => isEbpfError(e) && e.code === 'E2BIG' && /1 slots/.test(e.message),
      );
    } finally {
      one.close();
    }
    const again = usdt(program('record'), {
      path,
      provider: 'ebpfts',
      name: 'ints',
      specMap: small as BpfMap<unknown, unknown>,
    });
    assert.deepEqual(again.specIds, [0], 'the freed slot is reused');
    again.close();
  });
});
