/**
 * Opening, pinning, freezing, cloning and closing maps, typed views, and the errors they raise.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isClosedError, isKeyNotFoundError, isSyscallError } from '../../src/errors.js';
import { BpfMap, codecs, MapSpec } from '../../src/maps/index.js';
import { MapType, UpdateFlags } from '../../src/syscall/index.js';
import { checkFdLeaks, openAnonFds } from '../helpers/fd-leaks.js';
import { uniquePinPath } from './bpffs.js';

checkFdLeaks();

const spec = new MapSpec({ name: 'life', type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 8 });
const typed = { key: codecs.u32, value: codecs.u64 };

describe('pinning', () => {
  it('a pinned map survives close() and is reopened with loadPinned', () => {
    const path = uniquePinPath('pin');
    const m = BpfMap.create(spec, typed);
    try {
      m.update(1, 11n);
      m.pin(path);
      assert.equal(m.pinnedPath, path);
      assert.ok(existsSync(path));
    } finally {
      m.close();
    }
    using again = BpfMap.loadPinned(path, typed);
    try {
      assert.equal(again.lookup(1), 11n);
      assert.equal(again.pinnedPath, path);
      assert.equal(again.name, 'life');
      assert.equal(again.keySize, 4);
      assert.equal(again.maxEntries, 8);
      assert.ok(spec.compatibleWith(again.info()));
    } finally {
      again.unpin();
    }
    assert.equal(existsSync(path), false);
    assert.equal(again.pinnedPath, undefined);
    again.unpin();
  });

  it('pinning again moves the pin', () => {
    const a = uniquePinPath('a');
    const b = uniquePinPath('b');
    using m = BpfMap.create(spec);
    m.pin(a);
    m.pin(b);
    assert.equal(existsSync(a), false);
    assert.ok(existsSync(b));
    m.unpin();
    assert.equal(existsSync(b), false);
  });

  it('loadPinned on a missing path names the path', () => {
    const path = uniquePinPath('missing');
    assert.throws(
      () => BpfMap.loadPinned(path),
      (e: unknown) => isSyscallError(e) && e.code === 'ENOENT' && e.message.includes(path),
    );
  });

  it('loadPinned read-only refuses updates', () => {
    const path = uniquePinPath('ro');
    using m = BpfMap.create(spec, typed);
    m.pin(path);
    try {
      using ro = BpfMap.loadPinned(path, { ...typed, readOnly: true });
      m.update(2, 22n);
      assert.equal(ro.lookup(2), 22n);
      assert.throws(
        () => ro.update(3, 1n),
        (e: unknown) => isSyscallError(e) && e.code === 'EPERM',
      );
    } finally {
      m.unpin();
    }
  });
});

describe('opening existing maps', () => {
  it('fromId and fromFd learn the shape from the kernel', () => {
    using m = BpfMap.create(spec, typed);
    m.update(5, 50n);
    using byId = BpfMap.fromId(m.info().id, typed);
    assert.equal(byId.lookup(5), 50n);
    assert.equal(byId.type, MapType.HASH);
    using byFd = BpfMap.fromFd(m.fd.dup(), typed);
    assert.equal(byFd.valueSize, 8);
    assert.equal(byFd.lookup(5), 50n);
  });

  it('clone() has its own descriptor; closing one leaves the other usable', () => {
    const m = BpfMap.create(spec, typed);
    const c = m.clone();
    assert.notEqual(c.fd.raw, m.fd.raw);
    m.update(1, 2n);
    m.close();
    assert.equal(c.lookup(1), 2n);
    c.close();
  });

  it('a codec of the wrong size is rejected and the fd closed', () => {
    using m = BpfMap.create(spec);
    const before = openAnonFds().size;
    assert.throws(() => BpfMap.fromFd(m.fd.dup(), { key: codecs.u64 }), /key codec is 8 bytes, map key is 4/);
    assert.equal(openAnonFds().size, before);
  });
});

describe('element semantics', () => {
  it('typed views share the map', () => {
    using m = BpfMap.create(spec);
    const t = m.typed(codecs.u32, codecs.u64);
    t.update(7, 0x0102n);
    assert.deepEqual([...m.lookup(new Uint8Array([7, 0, 0, 0]))], [2, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('NOEXIST and EXIST flags are honoured', () => {
    using m = BpfMap.create(spec, typed);
    m.update(1, 1n, UpdateFlags.NOEXIST);
    assert.throws(
      () => m.update(1, 2n, UpdateFlags.NOEXIST),
      (e: unknown) =>
        isSyscallError(e) && e.message === 'map "life": update: EEXIST: the key already exists (BPF_NOEXIST)',
    );
    assert.throws(() => m.update(2, 2n, UpdateFlags.EXIST), isKeyNotFoundError);
    m.update(1, 3n, UpdateFlags.EXIST);
    m.update(4, 4n);
    assert.equal(m.lookup(1), 3n);
  });

  it('missing keys raise KeyNotFoundError naming the map and operation', () => {
    using m = BpfMap.create(spec, typed);
    assert.throws(
      () => m.lookup(9),
      (e: unknown) => isKeyNotFoundError(e) && e.message === 'map "life": lookup: key not found',
    );
    assert.throws(
      () => m.delete(9),
      (e: unknown) => isKeyNotFoundError(e) && /delete: key not found/.test(e.message),
    );
    assert.throws(() => m.lookupAndDelete(9), isKeyNotFoundError);
    m.update(9, 90n);
    assert.equal(m.lookupAndDelete(9), 90n);
    assert.equal(m.get(9), undefined);
  });

  it('a full hash map reports E2BIG with a hint', () => {
    using m = BpfMap.create({ name: 'tiny', type: MapType.HASH, keySize: 4, valueSize: 4, maxEntries: 1 });
    m.update(new Uint8Array(4), new Uint8Array(4));
    assert.throws(
      () => m.update(new Uint8Array([1, 0, 0, 0]), new Uint8Array(4)),
      /map "tiny": update: E2BIG: the map is full/,
    );
  });

  it('contents are written and freeze makes updates fail with EPERM', () => {
    using m = BpfMap.create(
      new MapSpec({
        ...spec,
        name: 'frozen',
        contents: [
          [1, 10n],
          [2, 20n],
        ],
        freeze: true,
      }),
      typed,
    );
    assert.equal(m.lookup(2), 20n);
    assert.throws(
      () => m.update(3, 30n),
      (e: unknown) =>
        isSyscallError(e) &&
        e.code === 'EPERM' &&
        /map "frozen": update: EPERM: the map is frozen/.test(e.message),
    );
    assert.throws(
      () => m.delete(1),
      (e: unknown) => isSyscallError(e) && e.code === 'EPERM',
    );
  });
});

describe('errors and closing', () => {
  it('create errors carry the map name, errno and hint', () => {
    assert.throws(
      () => BpfMap.create({ name: 'events', type: MapType.HASH, keySize: 0, valueSize: 4, maxEntries: 1 }),
      (e: unknown) =>
        isSyscallError(e) &&
        e.errno === 22 &&
        e.op === 'map "events": create' &&
        /invalid parameters for HASH/.test(e.message),
    );
    assert.throws(
      () =>
        BpfMap.create({
          name: 'huge',
          type: MapType.ARRAY,
          keySize: 4,
          valueSize: 1 << 30,
          maxEntries: 1 << 20,
        }),
      (e: unknown) => isSyscallError(e) && /^map "huge": create: (E2BIG|ENOMEM): /.test(e.message),
    );
  });

  it('operations after close() throw ClosedError; close is idempotent', () => {
    const m = BpfMap.create(spec, typed);
    const fd = m.fd.raw;
    m.close();
    m.close();
    assert.equal(m.closed, true);
    assert.equal(openAnonFds().has(fd), false);
    assert.throws(() => m.lookup(1), isClosedError);
    assert.throws(() => m.update(1, 1n), isClosedError);
    assert.throws(() => [...m.keys()], isClosedError);
    assert.throws(() => m.batchLookup(), isClosedError);
    assert.throws(() => m.info(), isClosedError);
  });

  it('info() reports the spec fields', () => {
    using m = BpfMap.create({ ...spec, name: 'info-test!x' });
    const info = m.info();
    assert.equal(info.name, 'infotestx');
    assert.equal(info.type, MapType.HASH);
    assert.equal(info.valueSize, 8);
    assert.equal(info.maxEntries, 8);
    assert.ok(info.id > 0);
  });
});
