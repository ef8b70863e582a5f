/**
 * Iteration while entries are deleted: every key exactly once, no hang, on the real kernel and on a fake
 * hash map whose GET_NEXT_KEY restarts from the first key after a deletion (as the kernel's does).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEbpfError } from '../../src/errors.js';
import { BpfMap, codecs } from '../../src/maps/index.js';
import { BpfCmd, MapElemAttr, MapFlags, MapType } from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { fakeKernel } from './fake-kernel.js';

checkFdLeaks();

const N = 50;
const hashSpec = { name: 'iter', type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 128 } as const;
const typed = { key: codecs.u32, value: codecs.u32 };

function filled<K extends number>(m: BpfMap<K, number>): void {
  for (let i = 0; i < N; i++) m.update(i as K, i * 2);
}

describe('iteration while deleting (kernel)', () => {
  it('deleting the current key visits every key once and empties the map', () => {
    using m = BpfMap.create(hashSpec, typed);
    filled(m);
    const seen: number[] = [];
    for (const [k, v] of m) {
      assert.equal(v, k * 2);
      seen.push(k);
      m.delete(k);
    }
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      Array.from({ length: N }, (_, i) => i),
    );
    assert.deepEqual([...m.keys()], []);
  });

  it('deleting other keys never yields a key twice', () => {
    using m = BpfMap.create(hashSpec, typed);
    filled(m);
    const seen = new Set<number>();
    const deleted = new Set<number>();
    for (const k of m.keys()) {
      assert.ok(!seen.has(k), `key ${k} yielded twice`);
      seen.add(k);
      // Delete a few keys that have not come up yet (they may or may not still be yielded once).
      for (const other of [(k + 7) % N, (k + 13) % N]) {
        if (!seen.has(other) && !deleted.has(other)) {
          m.delete(other);
          deleted.add(other);
        }
      }
    }
    for (let i = 0; i < N; i++) assert.ok(seen.has(i) || deleted.has(i), `key ${i} neither seen nor deleted`);
  });

  it('16-byte keys of a bigger map: every key once while other keys go away', () => {
    using m = BpfMap.create(
      { name: 'iter16', type: MapType.HASH, keySize: 16, valueSize: 4, maxEntries: 4096 },
      { key: codecs.struct({ a: [0, codecs.u64], b: [8, codecs.u64] }, 16), value: codecs.u32 },
    );
    const n = 3000;
    const ks = Array.from({ length: n }, (_, i) => ({ a: BigInt(i % 7), b: BigInt(i) }));
    m.batchUpdate(
      ks,
      ks.map((_, i) => i),
    );
    const seen = new Set<bigint>();
    const deleted = new Set<bigint>();
    for (const [k, v] of m.entries()) {
      assert.equal(BigInt(v), k.b);
      assert.ok(!seen.has(k.b), `key ${k.b} yielded twice`);
      seen.add(k.b);
      const other = (k.b * 7n + 3n) % BigInt(n);
      if (!seen.has(other) && !deleted.has(other)) {
        m.delete({ a: other % 7n, b: other });
        deleted.add(other);
      }
    }
    for (let i = 0n; i < BigInt(n); i++) assert.ok(seen.has(i) || deleted.has(i), `key ${i} lost`);
  });

  it('nested, abandoned and broken-off walks of one map each see every key', () => {
    using m = BpfMap.create({ ...hashSpec, maxEntries: 64 }, typed);
    for (let i = 0; i < 12; i++) m.update(i, i * 2);
    const all = Array.from({ length: 12 }, (_, i) => i);
    const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);
    let pairs = 0;
    for (const a of m.keys())
      for (const [b, v] of m.entries()) {
        assert.equal(v, b * 2);
        if (a >= 0) pairs++;
      }
    assert.equal(pairs, 144);
    const abandoned = m.keys();
    assert.equal(abandoned.next().done, false);
    for (const k of m.keys()) if (k >= 0) break;
    assert.deepEqual(sorted(m.keys()), all);
    assert.deepEqual(sorted([...abandoned]).length, 11);
    assert.deepEqual(sorted(m.keys()), all);
  });

  it('works for an LPM trie too', () => {
    using m = BpfMap.create(
      {
        name: 'lpm_iter',
        type: MapType.LPM_TRIE,
        keySize: 8,
        valueSize: 4,
        maxEntries: 64,
        flags: MapFlags.NO_PREALLOC,
      },
      { key: codecs.u64, value: codecs.u32 },
    );
    for (let i = 0; i < 20; i++) m.update(32n | (BigInt(i) << 32n), i);
    let count = 0;
    for (const k of m.keys()) {
      m.delete(k);
      count++;
    }
    assert.equal(count, 20);
    assert.deepEqual([...m.keys()], []);
  });

  it('arrays iterate every index regardless of writes', () => {
    using m = BpfMap.create(
      { name: 'arr_iter', type: MapType.ARRAY, keySize: 4, valueSize: 4, maxEntries: 6 },
      typed,
    );
    const keys: number[] = [];
    for (const [k] of m) {
      keys.push(k);
      m.update(k, 1);
    }
    assert.deepEqual(keys, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual([...m.values()], [1, 1, 1, 1, 1, 1]);
  });
});

describe('iteration restarts (fake hash map)', () => {
  it('skips keys already seen after a restart', () => {
    const { ctx, maps } = fakeKernel();
    using m = BpfMap.create(hashSpec, { ...typed, ctx });
    for (let i = 0; i < 6; i++) m.update(i, i);
    const fm = maps.get(m.fd.raw)!;
    const yielded: number[] = [];
    for (const k of m.keys()) {
      yielded.push(k);
      if (k === 2) {
        // Delete the key after the prefetched one: the next GET_NEXT_KEY restarts from key 0.
        m.delete(4);
        m.delete(3);
      }
    }
    assert.deepEqual(yielded, [0, 1, 2, 3, 5]);
    assert.equal(fm.entries.size, 4);
  });

  it('aborts instead of spinning when the map restarts forever', () => {
    const { fake, ctx } = fakeKernel();
    using m = BpfMap.create({ ...hashSpec, maxEntries: 4 }, { ...typed, ctx });
    m.update(1, 1);
    m.update(2, 2);
    fake.on(BpfCmd.MAP_GET_NEXT_KEY, (attr, b) => {
      const v = new DataView(attr.buffer);
      b.deref(v.getBigUint64(MapElemAttr.next_key, true), 4).set([1, 0, 0, 0]);
      return 0;
    });
    assert.throws(
      () => [...m.keys()],
      (e: unknown) =>
        isEbpfError(e) && e.code === 'EITERABORTED' && /map "iter": iteration aborted/.test(e.message),
    );
  });

  for (const keySize of [1, 8, 12]) {
    it(`skips seen ${keySize}-byte keys after restarts, for keys() and entries()`, () => {
      const { ctx, maps } = fakeKernel();
      using m = BpfMap.create({ ...hashSpec, keySize, maxEntries: 64 }, { ctx });
      const key = (i: number): Uint8Array => new Uint8Array(keySize).fill(i, keySize - 1);
      for (let i = 0; i < 20; i++) m.update(key(i), new Uint8Array(4).fill(i));
      const byKeys: number[] = [];
      for (const k of m.keys()) {
        byKeys.push(k[keySize - 1]!);
        // Deleting the prefetched successor forces a restart from the first key every few steps.
        if (k[keySize - 1]! % 4 === 1) m.delete(key(k[keySize - 1]! + 1));
      }
      assert.equal(new Set(byKeys).size, byKeys.length, `no key twice: ${byKeys}`);
      assert.equal(byKeys.length, 20);
      const byEntries: number[] = [];
      for (const [k, v] of m.entries()) {
        assert.equal(v[0], k[keySize - 1]);
        byEntries.push(k[keySize - 1]!);
        if (k[keySize - 1]! % 4 === 0) m.delete(key(k[keySize - 1]! + 3));
      }
      assert.equal(new Set(byEntries).size, byEntries.length, `no entry twice: ${byEntries}`);
      const left = [...(maps.get(m.fd.raw)?.entries.values() ?? [])].map((e) => e.key[keySize - 1]!);
      assert.ok(left.length < 20);
      for (const k of left) assert.ok(byEntries.includes(k), `remaining key ${k} was not produced`);
    });
  }

  it('keyless maps cannot be iterated', () => {
    const { ctx } = fakeKernel();
    using m = BpfMap.create({ name: 'q', type: MapType.QUEUE, valueSize: 4, maxEntries: 4 }, { ctx });
    assert.throws(() => [...m.keys()], /has no keys/);
  });
});
