/**
 * Zero-copy views of BPF_F_MMAPABLE arrays.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isClosedError, isEbpfError } from '../../src/errors.js';
import { BpfMap, codecs, pageSize } from '../../src/maps/index.js';
import { defaultContext, MapFlags, MapType } from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

const ctx = defaultContext();
const spec = {
  name: 'mm',
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 12,
  maxEntries: 5,
  flags: MapFlags.MMAPABLE,
};
const value = codecs.struct({ a: [0, codecs.u32], b: [4, codecs.u64] }, 12);

describe('mmap', () => {
  it('sees values written by update() and update sees writes through the view', () => {
    using m = BpfMap.create(spec, { key: codecs.u32, value });
    using mem = m.mmap();
    assert.equal(mem.stride, 16);
    assert.equal(mem.length, pageSize(ctx));
    assert.equal(mem.readOnly, false);
    m.update(3, { a: 7, b: 0x1122334455n });
    assert.equal(mem.view.getUint32(3 * 16, true), 7);
    assert.equal(mem.view.getBigUint64(3 * 16 + 4, true), 0x1122334455n);
    mem.view.setUint32(16, 99, true);
    mem.element(2).set([1, 0, 0, 0]);
    assert.deepEqual(m.lookup(1), { a: 99, b: 0n });
    assert.equal(m.lookup(2).a, 1);
    assert.equal(mem.element(4).byteLength, 12);
    assert.throws(() => mem.element(5), /out of range/);
  });

  it('a frozen map is mapped read-only', () => {
    using m = BpfMap.create(spec, { key: codecs.u32, value });
    m.update(0, { a: 5, b: 6n });
    m.freeze();
    using mem = m.mmap();
    assert.equal(mem.readOnly, true);
    assert.equal(mem.view.getUint32(0, true), 5);
  });

  it('closing the view unmaps it; closing the map closes its views', () => {
    const m = BpfMap.create(spec);
    const a = m.mmap();
    a.close();
    assert.throws(() => a.bytes, isClosedError);
    const b = m.mmap();
    assert.equal(b.closed, false);
    m.close();
    assert.equal(b.closed, true);
    assert.throws(() => b.view, isClosedError);
  });

  it('refuses maps that are not mmapable arrays', () => {
    using m = BpfMap.create({ ...spec, flags: 0 });
    assert.throws(
      () => m.mmap(),
      (e: unknown) => isEbpfError(e) && /only ARRAY maps created with BPF_F_MMAPABLE/.test(e.message),
    );
  });
});
