/**
 * Every keyed map type with user-space writes: create, write, read back, iterate, batch read/update/delete
 * (or their element fallback where the kernel lacks batches), driven by one table.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeyNotFoundError } from '../../src/errors.js';
import {
  type AnyCodec,
  type AnyValueCodec,
  BpfMap,
  type CodecType,
  codecs,
  type MapSpecInit,
  perCpu,
  possibleCpus,
} from '../../src/maps/index.js';
import { BpfCmd, defaultContext, MapFlags, MapType } from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

const ctx = defaultContext();
const CPUS = possibleCpus(ctx);
const N = 8;
const lpmKey = codecs.struct({ prefixlen: [0, codecs.u32], addr: [4, codecs.u32] }, 8);

interface Case<KC extends AnyCodec, VC extends AnyValueCodec> {
  spec: MapSpecInit;
  key: KC;
  value: VC;
  k: (i: number) => CodecType<KC>;
  v: (i: number) => CodecType<VC>;
  /** Arrays cannot delete. */
  deletes: boolean;
  /** Whether this kernel (6.18) implements the batch commands for the type. */
  batch: boolean;
}

function defineCase<KC extends AnyCodec, VC extends AnyValueCodec>(
  c: Case<KC, VC>,
): Case<AnyCodec, AnyValueCodec> {
  return c as unknown as Case<AnyCodec, AnyValueCodec>;
}

const perCpuValue = (i: number): bigint[] => Array.from({ length: CPUS }, (_, c) => BigInt(i * 100 + c));

const CASES = [
  defineCase({
    spec: { name: 'hash', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 32 },
    key: codecs.u32,
    value: codecs.u64,
    k: (i) => i * 7 + 1,
    v: (i) => BigInt(i) << 40n,
    deletes: true,
    batch: true,
  }),
  defineCase({
    spec: { name: 'array', type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: N },
    key: codecs.u32,
    value: codecs.u64,
    k: (i) => i,
    v: (i) => BigInt(i + 1),
    deletes: false,
    batch: true,
  }),
  defineCase({
    spec: { name: 'percpu_array', type: MapType.PERCPU_ARRAY, keySize: 4, valueSize: 8, maxEntries: N },
    key: codecs.u32,
    value: perCpu(codecs.u64),
    k: (i) => i,
    v: perCpuValue,
    deletes: false,
    batch: true,
  }),
  defineCase({
    spec: { name: 'percpu_hash', type: MapType.PERCPU_HASH, keySize: 4, valueSize: 4, maxEntries: 32 },
    key: codecs.u32,
    value: perCpu(codecs.u32),
    k: (i) => i + 1000,
    v: (i) => Array.from({ length: CPUS }, (_, c) => i * 10 + c),
    deletes: true,
    batch: true,
  }),
  defineCase({
    spec: { name: 'lru_hash', type: MapType.LRU_HASH, keySize: 8, valueSize: 4, maxEntries: 64 },
    key: codecs.u64,
    value: codecs.u32,
    k: (i) => BigInt(i) * 0x100000001n,
    v: (i) => i,
    deletes: true,
    batch: true,
  }),
  defineCase({
    spec: { name: 'lru_percpu', type: MapType.LRU_PERCPU_HASH, keySize: 4, valueSize: 8, maxEntries: 64 },
    key: codecs.u32,
    value: perCpu(codecs.u64),
    k: (i) => i,
    v: perCpuValue,
    deletes: true,
    batch: true,
  }),
  defineCase({
    spec: {
      name: 'lpm',
      type: MapType.LPM_TRIE,
      keySize: 8,
      valueSize: 4,
      maxEntries: 32,
      flags: MapFlags.NO_PREALLOC,
    },
    key: lpmKey,
    value: codecs.u32,
    k: (i) => ({ prefixlen: 32, addr: 0x0a000000 + i }),
    v: (i) => i,
    deletes: true,
    batch: true,
  }),
];

const keyId = (k: unknown): string => JSON.stringify(k, (_, v) => (typeof v === 'bigint' ? `${v}n` : v));
const sortEntries = <T extends [unknown, unknown]>(list: T[]): T[] =>
  [...list].sort((a, b) => keyId(a[0]).localeCompare(keyId(b[0])));

for (const c of CASES) {
  describe(`map type ${c.spec.name}`, () => {
    const expected = () =>
      sortEntries(Array.from({ length: N }, (_, i) => [c.k(i), c.v(i)] as [unknown, unknown]));
    const create = () => BpfMap.create(c.spec, { key: c.key, value: c.value });

    it('creates, writes and reads back every element', () => {
      using m = create();
      assert.equal(m.type, c.spec.type);
      for (let i = 0; i < N; i++) m.update(c.k(i), c.v(i));
      for (let i = 0; i < N; i++) assert.deepEqual(m.lookup(c.k(i)), c.v(i));
      const info = m.info();
      assert.equal(info.type, c.spec.type);
      assert.equal(info.name, c.spec.name);
      assert.equal(info.keySize, c.spec.keySize);
    });

    it('iterates keys, values and entries', () => {
      using m = create();
      for (let i = 0; i < N; i++) m.update(c.k(i), c.v(i));
      assert.deepEqual(sortEntries([...m]), expected());
      assert.equal([...m.keys()].length, N);
      assert.equal([...m.values()].length, N);
    });

    it(`batch reads${c.batch ? '' : ' (element fallback)'}`, () => {
      using m = create();
      for (let i = 0; i < N; i++) m.update(c.k(i), c.v(i));
      assert.deepEqual(sortEntries(m.batchLookup({ batchSize: 3 })), expected());
      let batches = 0;
      for (const b of m.batches({ batchSize: 4 })) {
        batches++;
        assert.ok(b.count >= 1 && b.count <= 4);
        assert.deepEqual(m.lookup(b.key(0)), b.value(0));
      }
      assert.ok(batches >= 2);
      const cached = ctx.cache.get(`mapBatch:${c.spec.type}:${BpfCmd.MAP_LOOKUP_BATCH}`);
      assert.equal(cached === false, !c.batch);
    });

    it('batch updates and deletes', () => {
      using m = create();
      const keys = Array.from({ length: N }, (_, i) => c.k(i));
      assert.equal(
        m.batchUpdate(
          keys,
          keys.map((_, i) => c.v(i)),
        ),
        N,
      );
      assert.deepEqual(sortEntries([...m]), expected());
      if (!c.deletes) {
        assert.throws(() => m.batchDelete([keys[0]]));
        return;
      }
      assert.equal(m.batchDelete(keys.slice(0, 3)), 3);
      assert.equal([...m.keys()].length, N - 3);
      assert.throws(() => m.lookup(keys[0]), isKeyNotFoundError);
      assert.deepEqual(m.get(keys[0]), undefined);
      if (c.spec.type !== MapType.LPM_TRIE) {
        const drained = m.batchLookupAndDelete({ batchSize: 2 });
        assert.equal(drained.length, N - 3);
        assert.deepEqual([...m.keys()], []);
      }
    });
  });
}
