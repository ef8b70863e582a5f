/**
 * Map code against the FakeBackend: the attrs we build and the batch fallback paths, without a kernel.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isEbpfError, isKeyNotFoundError } from '../../src/errors.js';
import { BpfMap, codecs } from '../../src/maps/index.js';
import { BpfCmd, MapBatchAttr, MapCreateAttr, MapType } from '../../src/syscall/index.js';
import { fakeKernel } from './fake-kernel.js';

const EINVAL = 22;
const ENOTSUPP = 524;
const ENOSPC = 28;
const ENOENT = 2;
const hashSpec = { name: 'fake', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 64 } as const;

function u32le(attr: Uint8Array, off: number): number {
  return new DataView(attr.buffer, attr.byteOffset).getUint32(off, true);
}

describe('map create attrs (fake backend)', () => {
  it('sanitises and truncates the name, writes sizes and flags', () => {
    const { fake, ctx } = fakeKernel();
    using _m = BpfMap.create({ ...hashSpec, name: 'my-very/long map.name!', flags: 1 }, { ctx });
    const call = fake.calls.find((c) => c.cmd === BpfCmd.MAP_CREATE)!;
    const name = call.attr.subarray(MapCreateAttr.map_name, MapCreateAttr.map_name + 16);
    assert.equal(Buffer.from(name.subarray(0, name.indexOf(0))).toString(), 'myverylongmap.n');
    assert.equal(u32le(call.attr, MapCreateAttr.map_type), MapType.HASH);
    assert.equal(u32le(call.attr, MapCreateAttr.key_size), 4);
    assert.equal(u32le(call.attr, MapCreateAttr.value_size), 8);
    assert.equal(u32le(call.attr, MapCreateAttr.max_entries), 64);
    assert.equal(u32le(call.attr, MapCreateAttr.map_flags), 1);
  });

  it('PERF_EVENT_ARRAY defaults to one entry per possible CPU and 4-byte key/value', () => {
    const { fake, ctx } = fakeKernel({ cpus: 6 });
    using m = BpfMap.create({ name: 'events', type: MapType.PERF_EVENT_ARRAY }, { ctx });
    const call = fake.calls.find((c) => c.cmd === BpfCmd.MAP_CREATE)!;
    assert.equal(u32le(call.attr, MapCreateAttr.max_entries), 6);
    assert.equal(u32le(call.attr, MapCreateAttr.key_size), 4);
    assert.equal(u32le(call.attr, MapCreateAttr.value_size), 4);
    assert.equal(m.maxEntries, 6);
  });

  it('map-in-map creates the inner template, passes its fd and closes it', () => {
    const { fake, ctx } = fakeKernel();
    using _outer = BpfMap.create(
      { name: 'outer', type: MapType.ARRAY_OF_MAPS, keySize: 4, maxEntries: 2, innerMap: hashSpec },
      { ctx },
    );
    const creates = fake.calls.filter((c) => c.cmd === BpfCmd.MAP_CREATE);
    assert.equal(creates.length, 2);
    const innerFd = 100; // first fake fd
    assert.equal(u32le(creates[1]!.attr, MapCreateAttr.inner_map_fd), innerFd);
    assert.ok(fake.closed.includes(innerFd));
  });

  it('map-in-map without an inner map spec is rejected before any syscall', () => {
    const { fake, ctx } = fakeKernel();
    assert.throws(
      () => BpfMap.create({ name: 'outer', type: MapType.HASH_OF_MAPS, keySize: 4, maxEntries: 2 }, { ctx }),
      (e: unknown) =>
        isEbpfError(e) && /map "outer": create: HASH_OF_MAPS needs an inner map/.test(e.message),
    );
    assert.equal(fake.calls.length, 0);
  });

  it('closes the fd when writing contents fails', () => {
    const { fake, ctx } = fakeKernel();
    assert.throws(() =>
      BpfMap.create({ ...hashSpec, contents: [[new Uint8Array(3), new Uint8Array(8)]] }, { ctx }),
    );
    assert.deepEqual(fake.openFds(), []);
  });

  it('a closed map fails with ClosedError, never touching a recycled fd', () => {
    const { ctx } = fakeKernel();
    const m = BpfMap.create(hashSpec, { ctx, key: codecs.u32, value: codecs.u64 });
    m.close();
    assert.throws(
      () => m.lookup(1),
      (e: unknown) => isEbpfError(e) && e.code === 'ECLOSED',
    );
  });
});

describe('batch fallback (fake backend)', () => {
  const keys = [1, 2, 3, 4, 5];
  const values = keys.map((k) => BigInt(k * 10));

  for (const errno of [EINVAL, ENOTSUPP]) {
    it(`errno ${errno} on the first batch call falls back to element ops and is cached`, () => {
      const { fake, ctx, count } = fakeKernel();
      for (const cmd of [BpfCmd.MAP_UPDATE_BATCH, BpfCmd.MAP_LOOKUP_BATCH, BpfCmd.MAP_DELETE_BATCH])
        fake.on(cmd, () => -errno);
      using m = BpfMap.create(hashSpec, { ctx, key: codecs.u32, value: codecs.u64 });
      assert.equal(m.batchUpdate(keys, values), 5);
      assert.equal(count(BpfCmd.MAP_UPDATE_BATCH), 1);
      assert.equal(count(BpfCmd.MAP_UPDATE_ELEM), 5);
      const got = m.batchLookup({ batchSize: 2 }).sort((a, b) => a[0] - b[0]);
      assert.deepEqual(
        got,
        keys.map((k, i) => [k, values[i]]),
      );
      assert.equal(count(BpfCmd.MAP_LOOKUP_BATCH), 1);
      assert.equal(count(BpfCmd.MAP_LOOKUP_ELEM), 5);
      assert.equal(m.batchDelete([1, 2]), 2);
      assert.equal(count(BpfCmd.MAP_DELETE_ELEM), 2);
      // Remembered per map type: later calls go straight to element ops.
      m.batchUpdate([9], [90n]);
      m.batchLookup();
      assert.equal(count(BpfCmd.MAP_UPDATE_BATCH), 1);
      assert.equal(count(BpfCmd.MAP_LOOKUP_BATCH), 1);
      assert.equal(ctx.cache.get(`mapBatch:${MapType.HASH}:${BpfCmd.MAP_LOOKUP_BATCH}`), false);
      assert.deepEqual([...m.keys()].sort(), [3, 4, 5, 9]);
    });
  }

  it('EINVAL whose element fallback also fails is not cached as unsupported', () => {
    const { fake, ctx } = fakeKernel();
    fake.on(BpfCmd.MAP_UPDATE_BATCH, () => -EINVAL);
    fake.on(BpfCmd.MAP_UPDATE_ELEM, () => -EINVAL);
    using m = BpfMap.create(hashSpec, { ctx, key: codecs.u32, value: codecs.u64 });
    assert.throws(() => m.batchUpdate([1], [1n]), /map "fake": batch update: element 0: EINVAL/);
    assert.equal(ctx.cache.has(`mapBatch:${MapType.HASH}:${BpfCmd.MAP_UPDATE_BATCH}`), false);
  });

  it('errors after the first batch are thrown, not turned into a fallback', () => {
    const { fake, ctx } = fakeKernel();
    fake.on(BpfCmd.MAP_UPDATE_BATCH, (attr) => {
      new DataView(attr.buffer).setUint32(MapBatchAttr.count, 1, true);
      return -EINVAL;
    });
    using m = BpfMap.create(hashSpec, { ctx, key: codecs.u32, value: codecs.u64 });
    assert.throws(() => m.batchUpdate([1, 2], [1n, 2n]), /batch update: EINVAL: 1 of 2 elements written/);
  });

  it('grows the batch on ENOSPC and resumes from the cursor', () => {
    const { fake, ctx } = fakeKernel();
    const sizes: number[] = [];
    fake.on(BpfCmd.MAP_LOOKUP_BATCH, (attr, b) => {
      const v = new DataView(attr.buffer);
      const n = v.getUint32(MapBatchAttr.count, true);
      sizes.push(n);
      if (n < 4) return -ENOSPC;
      const keys = b.deref(v.getBigUint64(MapBatchAttr.keys, true), 4 * 3);
      keys.set([7, 0, 0, 0, 8, 0, 0, 0, 9, 0, 0, 0]);
      v.setUint32(MapBatchAttr.count, 3, true);
      return -ENOENT;
    });
    using m = BpfMap.create(hashSpec, { ctx, key: codecs.u32, value: codecs.u64 });
    const got = m.batchLookup({ batchSize: 1 });
    assert.deepEqual(
      got.map(([k]) => k),
      [7, 8, 9],
    );
    assert.deepEqual(sizes, [1, 2, 4]);
  });

  it('batchDelete reports the missing key as KeyNotFoundError', () => {
    const { fake, ctx } = fakeKernel();
    fake.on(BpfCmd.MAP_DELETE_BATCH, (attr) => {
      new DataView(attr.buffer).setUint32(MapBatchAttr.count, 1, true);
      return -ENOENT;
    });
    using m = BpfMap.create(hashSpec, { ctx, key: codecs.u32, value: codecs.u64 });
    assert.throws(
      () => m.batchDelete([1, 2, 3]),
      (e: unknown) => isKeyNotFoundError(e) && /batch delete: element 1: key not found/.test(e.message),
    );
  });
});

describe('contents (fake backend)', () => {
  it('keyless maps push their contents; raw codecs reject non-bytes with EbpfError', () => {
    const { fake, ctx } = fakeKernel();
    fake.on(BpfCmd.MAP_UPDATE_ELEM, () => 0);
    using _q = BpfMap.create(
      { name: 'q', type: MapType.QUEUE, valueSize: 4, maxEntries: 4, contents: [[undefined, 7]] },
      { ctx, value: codecs.u32 },
    );
    const push = fake.calls.find((c) => c.cmd === BpfCmd.MAP_UPDATE_ELEM)!;
    assert.equal(new DataView(push.attr.buffer).getBigUint64(8, true), 0n, 'NULL key');
    assert.throws(
      () => BpfMap.create({ ...hashSpec, contents: [['nope', new Uint8Array(8)]] }, { ctx }),
      (e: unknown) => isEbpfError(e) && e.message === 'codec raw(4): got string',
    );
  });
});
