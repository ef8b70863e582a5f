/**
 * SampleCopier: copies that outlive their source, small ones in arrays of their own, large ones packed
 * into shared slabs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SampleCopier } from '../../src/ringbuf/sample-copier.js';

function source(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
}

describe('SampleCopier', () => {
  const cases: Array<[string, number, number]> = [
    ['an empty sample', 0, 0],
    ['a small sample', 5, 40],
    ['a 64-byte sample (largest in its own array)', 10, 64],
    ['a 65-byte sample (slab)', 3, 65],
    ['a sample larger than a slab', 0, 100_000],
  ];
  for (const [name, offset, length] of cases) {
    it(`copies ${name} and the copy survives changes to the source`, () => {
      const src = source(offset + length + 16);
      const want = src.slice(offset, offset + length);
      const copy = new SampleCopier().copy(src, offset, length);
      src.fill(0);
      assert.deepEqual(copy, want);
      if (length <= 64) assert.equal(copy.buffer.byteLength, length, 'an array of its own');
    });
  }

  it('packs large samples into shared slabs, 8-byte aligned, and starts a new slab when one is full', () => {
    const copier = new SampleCopier();
    const src = source(4096);
    const copies = Array.from({ length: 40 }, (_, i) => copier.copy(src, i, 3000));
    const slabs = new Set(copies.map((c) => c.buffer));
    assert.ok(slabs.size >= 2 && slabs.size < 40, `${slabs.size} slabs for 40 copies`);
    for (const [i, c] of copies.entries()) {
      assert.equal(c.byteOffset % 8, 0);
      assert.deepEqual(c, src.slice(i, i + 3000), `copy ${i}`);
    }
  });
});
