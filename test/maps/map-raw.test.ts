/**
 * Untyped maps on the kernel: every raw `Uint8Array` a map hands out is the caller's own copy, whatever
 * path produced it (lookup, keys/entries, batchLookup, batches) and whatever the map does afterwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BpfMap } from '../../src/maps/index.js';
import { MapType } from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const N = 300;

const keyBytes = (i: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i, LE);
  return b;
};
const valueBytes = (i: number, salt: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, i * 3 + salt, LE);
  new DataView(b.buffer).setUint32(4, ~i >>> 0, LE);
  return b;
};
const u32At = (b: Uint8Array, o: number): number =>
  new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, LE);

function filled(): BpfMap {
  const m = BpfMap.create({
    name: 'raw_copies',
    type: MapType.HASH,
    keySize: 4,
    valueSize: 8,
    maxEntries: 512,
  });
  for (let i = 0; i < N; i++) m.update(keyBytes(i), valueBytes(i, 0));
  return m;
}

/** Checks `[key, value]` pairs against the content written with `salt`, then overwrites the map. */
function checkThenOverwrite(m: BpfMap, pairs: Array<[Uint8Array, Uint8Array]>): void {
  const check = (): void => {
    assert.equal(pairs.length, N);
    const seen = new Set<number>();
    for (const [k, v] of pairs) {
      assert.equal(k.length, 4);
      assert.equal(v.length, 8);
      const i = u32At(k, 0);
      seen.add(i);
      assert.deepEqual([...v], [...valueBytes(i, 0)], `value of ${i}`);
    }
    assert.equal(seen.size, N);
  };
  check();
  for (let i = 0; i < N; i++) m.update(keyBytes(i), valueBytes(i, 1000));
  for (const k of m.keys()) m.lookup(k);
  check();
}

describe('raw maps hand out copies', () => {
  it('lookup', () => {
    using m = filled();
    const a = m.lookup(keyBytes(1));
    const b = m.lookup(keyBytes(2));
    assert.notEqual(a.buffer, b.buffer);
    m.update(keyBytes(1), valueBytes(1, 7));
    assert.deepEqual([...a], [...valueBytes(1, 0)]);
    assert.deepEqual([...m.lookup(keyBytes(1))], [...valueBytes(1, 7)]);
  });

  it('entries() and keys()', () => {
    using m = filled();
    const pairs = [...m.entries()];
    const keys = [...m.keys()];
    assert.deepEqual(
      keys.map((k) => u32At(k, 0)).sort((x, y) => x - y),
      Array.from({ length: N }, (_, i) => i),
    );
    checkThenOverwrite(m, pairs);
  });

  for (const batchSize of [1, 7, 64, 4096]) {
    it(`batchLookup with batches of ${batchSize}`, () => {
      using m = filled();
      checkThenOverwrite(m, m.batchLookup({ batchSize }));
    });
  }

  it('batches(): decoded entries outlive their batch', () => {
    using m = filled();
    const pairs: Array<[Uint8Array, Uint8Array]> = [];
    for (const batch of m.batches({ batchSize: 32 })) {
      batch.entries(pairs);
      if (batch.count > 1) assert.deepEqual([...batch.value(1)], [...m.lookup(batch.key(1))]);
    }
    checkThenOverwrite(m, pairs);
  });
});
