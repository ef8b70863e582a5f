/**
 * `KeySet`, the seen-key set of iteration: exact membership for one-word and multi-word keys, through
 * growth far beyond its initial size, including the word whose hash is 0 and keys that differ only in
 * their last word.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeySet } from '../../src/maps/key-set.js';

/** A deterministic key of `words` words for number `i` (distinct for distinct i). */
function keyOf(i: number, words: number): Uint32Array {
  const k = new Uint32Array(words);
  k[words - 1] = Math.imul(i, 0x9e3779b1) >>> 0;
  if (words > 1) k[0] = i % 3;
  return k;
}

describe('KeySet', () => {
  for (const words of [1, 2, 3, 5]) {
    it(`${words}-word keys: every new key is added once, repeats are refused, across growth`, () => {
      const set = new KeySet(words, 16);
      const n = 5000;
      for (let i = 0; i < n; i++) assert.equal(set.add(keyOf(i, words)), true, `key ${i} is new`);
      assert.equal(set.size, n);
      for (let i = 0; i < n; i += 7) assert.equal(set.add(keyOf(i, words)), false, `key ${i} again`);
      assert.equal(set.size, n);
      assert.equal(set.add(keyOf(n, words)), true);
    });
  }

  it('the all-zero one-word key (hash 0) is tracked like any other', () => {
    const set = new KeySet(1, 4);
    assert.equal(set.add(new Uint32Array([0])), true);
    assert.equal(set.add(new Uint32Array([0])), false);
    assert.equal(set.add(new Uint32Array([1])), true);
    assert.equal(set.size, 2);
  });

  it('multi-word keys that share every word but the last are distinct', () => {
    const set = new KeySet(4, 8);
    for (let last = 0; last < 300; last++)
      assert.equal(set.add(new Uint32Array([7, 7, 7, last])), true, `last word ${last}`);
    assert.equal(set.add(new Uint32Array([7, 7, 7, 299])), false);
    assert.equal(set.add(new Uint32Array([7, 7, 8, 299])), true);
  });

  it('reads only the first wordsPerKey words of a longer buffer', () => {
    const set = new KeySet(1, 4);
    assert.equal(set.add(new Uint32Array([5, 1])), true);
    assert.equal(set.add(new Uint32Array([5, 2])), false);
  });
});
