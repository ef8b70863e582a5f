/**
 * haveMapType for every map type the library knows: each either passes or throws NotSupportedError
 * naming the type — never anything else. On this project's kernel every type is present.
 */
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { describe, it } from 'node:test';
import { isEbpfError, isNotSupportedError, isSyscallError } from '../../src/errors.js';
import { haveMapType, mapTypeFeature, mapTypeMinKernel } from '../../src/features/index.js';
import { minimalIntBtf } from '../../src/features/map-types.js';
import { Errno } from '../../src/internal/errno.js';
import { BpfCmd, FakeBackend, KernelContext, MapType } from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

const knownKernel = release().includes('-fc-');

describe('haveMapType on the running kernel', () => {
  for (const [name, type] of Object.entries(MapType)) {
    if (type === MapType.UNSPEC) continue;
    it(`${name}: supported or NotSupportedError("${mapTypeFeature(type)}")`, () => {
      try {
        haveMapType(type);
      } catch (e) {
        assert.ok(isNotSupportedError(e), `unexpected ${String(e)}`);
        assert.equal(e.feature, mapTypeFeature(type));
        assert.equal(e.minKernel, mapTypeMinKernel(type));
        assert.ok(!knownKernel, `${name} should exist on this kernel: ${e.message}`);
      }
    });
  }

  it('every map type has a minimum kernel for messages', () => {
    const missing = Object.entries(MapType).filter(([, t]) => t !== 0 && mapTypeMinKernel(t) === undefined);
    assert.deepEqual(missing, []);
  });

  it('rejects UNSPEC and junk as invalid arguments', () => {
    for (const bad of [MapType.UNSPEC, -1, 1.5]) {
      assert.throws(
        () => haveMapType(bad as MapType),
        (e: unknown) => isEbpfError(e) && e.code === 'EINVAL',
      );
    }
  });
});

describe('haveMapType classification (fake backend)', () => {
  function fake(mapCreate: (type: number) => number) {
    const backend = new FakeBackend();
    backend.on(BpfCmd.MAP_CREATE, (attr) =>
      mapCreate(new DataView(attr.buffer, attr.byteOffset).getUint32(0, true)),
    );
    backend.on(BpfCmd.BTF_LOAD, (_a, b) => b.newFd());
    return { ctx: new KernelContext(backend), backend };
  }

  it('EINVAL means not supported, with the type and its first kernel in the message', () => {
    const { ctx } = fake(() => -Errno.EINVAL);
    assert.throws(
      () => haveMapType(MapType.RINGBUF, { ctx }),
      (e: unknown) =>
        isNotSupportedError(e) && e.message === 'ringbuf maps not supported (requires kernel >= 5.8)',
    );
  });

  it('EPERM is a real error, rethrown and not cached', () => {
    const { ctx, backend } = fake(() => -Errno.EPERM);
    assert.throws(
      () => haveMapType(MapType.HASH, { ctx }),
      (e: unknown) => isSyscallError(e) && e.errno === Errno.EPERM,
    );
    backend.on(BpfCmd.MAP_CREATE, (_a, b) => b.newFd());
    haveMapType(MapType.HASH, { ctx });
  });

  it('caches conclusive answers: one probe per type and context', () => {
    const { ctx, backend } = fake(() => -Errno.EINVAL);
    for (let i = 0; i < 3; i++) assert.throws(() => haveMapType(MapType.ARENA, { ctx }), isNotSupportedError);
    assert.equal(backend.calls.length, 1);
  });

  it('map-in-map probes pass an inner map and close it', () => {
    const seen: number[] = [];
    const { ctx, backend } = fake((type) => {
      seen.push(type);
      return backend.newFd();
    });
    haveMapType(MapType.HASH_OF_MAPS, { ctx });
    assert.deepEqual(seen, [MapType.ARRAY, MapType.HASH_OF_MAPS]);
    assert.deepEqual(backend.openFds(), []);
  });

  it('struct_ops: ENOTSUPP for the dummy value type proves the map type exists', () => {
    const { ctx } = fake(() => -Errno.ENOTSUPP);
    haveMapType(MapType.STRUCT_OPS, { ctx });
  });

  it('the probe BTF blob is one 4-byte signed int', () => {
    const btf = minimalIntBtf();
    const dv = new DataView(btf.buffer);
    assert.equal(dv.getUint16(0, true), 0xeb9f);
    assert.equal(btf.byteLength, 24 + 16 + 5);
    assert.equal(new TextDecoder().decode(btf.subarray(41, 44)), 'int');
  });
});
