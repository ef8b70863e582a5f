/**
 * `bpfAt` (the attr passed by address, koffi's fast path) against `bpf` (the attr passed as a buffer), on
 * the real kernel and on the fake backend; and koffi backends sharing one set of libc declarations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Attr,
  allocAttr,
  attrAddress,
  BpfCmd,
  bpfFd,
  FakeBackend,
  KernelContext,
  MapCreateAttr,
  MapElemAttr,
  MapType,
  type SyscallBackend,
} from '../../src/syscall/index.js';
import { createKoffiBackend } from '../../src/syscall/koffi-backend.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const ENOENT = 2;
const EBADF = 9;
const EINVAL = 22;

/** A u32 → u64 HASH map with one element attr pointing at an off-heap key and value. */
function elemSetup(ctx: KernelContext) {
  const fd = bpfFd(
    ctx,
    BpfCmd.MAP_CREATE,
    new Attr(MapCreateAttr.SIZE, ctx.backend)
      .u32(MapCreateAttr.map_type, MapType.HASH)
      .u32(MapCreateAttr.key_size, 4)
      .u32(MapCreateAttr.value_size, 8)
      .u32(MapCreateAttr.max_entries, 8),
    'map create',
    'map "t"',
  );
  const key = allocAttr(4);
  const value = allocAttr(8);
  const attr = new Attr(MapElemAttr.SIZE, ctx.backend)
    .u32(MapElemAttr.map_fd, fd.raw)
    .ptr(MapElemAttr.key, key)
    .ptr(MapElemAttr.value, value);
  return { fd, key: new DataView(key.buffer), value: new DataView(value.buffer), attr };
}

describe('bpfAt on the koffi backend', () => {
  const backend: SyscallBackend = createKoffiBackend();
  const ctx = new KernelContext(backend);

  it('addresses are numbers equal to addressOf', () => {
    const buf = allocAttr(32);
    const at = attrAddress(backend, buf);
    assert.equal(typeof at, 'number');
    assert.equal(BigInt(at), backend.addressOf(buf));
  });

  it('updates and looks up like bpf() with the same attr', () => {
    const { fd, key, value, attr } = elemSetup(ctx);
    try {
      const at = attrAddress(backend, attr.bytes);
      key.setUint32(0, 7, LE);
      value.setBigUint64(0, 0x1122334455667788n, LE);
      assert.equal(backend.bpfAt(BpfCmd.MAP_UPDATE_ELEM, at, MapElemAttr.SIZE), 0);
      value.setBigUint64(0, 0n, LE);
      assert.equal(backend.bpf(BpfCmd.MAP_LOOKUP_ELEM, attr.bytes, MapElemAttr.SIZE), 0);
      assert.equal(value.getBigUint64(0, LE), 0x1122334455667788n);
      value.setBigUint64(0, 0n, LE);
      assert.equal(backend.bpfAt(BpfCmd.MAP_LOOKUP_ELEM, at, MapElemAttr.SIZE), 0);
      assert.equal(value.getBigUint64(0, LE), 0x1122334455667788n);
    } finally {
      fd.close();
    }
  });

  it('returns -errno on failure', () => {
    const { fd, key, attr } = elemSetup(ctx);
    try {
      const at = attrAddress(backend, attr.bytes);
      key.setUint32(0, 99, LE);
      assert.equal(backend.bpfAt(BpfCmd.MAP_LOOKUP_ELEM, at, MapElemAttr.SIZE), -ENOENT);
      assert.equal(backend.bpfAt(0x7fff, at, MapElemAttr.SIZE), -EINVAL);
      attr.u32(MapElemAttr.map_fd, 0xffffffff);
      assert.equal(backend.bpfAt(BpfCmd.MAP_LOOKUP_ELEM, at, MapElemAttr.SIZE), -EBADF);
    } finally {
      fd.close();
    }
  });

  it('accepts a bigint address too', () => {
    const { fd, key, value, attr } = elemSetup(ctx);
    try {
      key.setUint32(0, 1, LE);
      value.setBigUint64(0, 5n, LE);
      const at = backend.addressOf(attr.bytes);
      assert.equal(backend.bpfAt(BpfCmd.MAP_UPDATE_ELEM, at, MapElemAttr.SIZE), 0);
      value.setBigUint64(0, 0n, LE);
      assert.equal(backend.bpfAt(BpfCmd.MAP_LOOKUP_ELEM, at, MapElemAttr.SIZE), 0);
      assert.equal(value.getBigUint64(0, LE), 5n);
    } finally {
      fd.close();
    }
  });

  it('backends created later share the declarations and all work', () => {
    const more = Array.from({ length: 20 }, () => createKoffiBackend());
    for (const b of more) assert.equal(b.bpfAt(0x7fff, attrAddress(b, allocAttr(32)), 32), -EINVAL);
    assert.equal(more[0]!.uname().sysname, 'Linux');
  });
});

describe('bpfAt on the fake backend', () => {
  it('hands the registered attr to the handler and records the call', () => {
    const fake = new FakeBackend();
    const seen: number[] = [];
    fake.on(BpfCmd.MAP_LOOKUP_ELEM, (attr) => {
      seen.push(new DataView(attr.buffer, attr.byteOffset).getUint32(MapElemAttr.map_fd, LE));
      return 0;
    });
    const attr = new Attr(MapElemAttr.SIZE, fake).u32(MapElemAttr.map_fd, 42);
    assert.equal(fake.bpfAt(BpfCmd.MAP_LOOKUP_ELEM, attrAddress(fake, attr.bytes), MapElemAttr.SIZE), 0);
    assert.deepEqual(seen, [42]);
    assert.equal(fake.calls.length, 1);
    assert.equal(fake.calls[0]!.cmd, BpfCmd.MAP_LOOKUP_ELEM);
    assert.equal(fake.calls[0]!.size, MapElemAttr.SIZE);
  });

  it('reaches an attr inside a bigger buffer by its offset', () => {
    const fake = new FakeBackend();
    const big = allocAttr(96);
    const inner = big.subarray(32, 64);
    new DataView(big.buffer).setUint32(32 + MapElemAttr.map_fd, 5, LE);
    let fd = -1;
    fake.on(BpfCmd.MAP_DELETE_ELEM, (attr) => {
      fd = new DataView(attr.buffer, attr.byteOffset).getUint32(MapElemAttr.map_fd, LE);
      return -ENOENT;
    });
    assert.equal(fake.bpfAt(BpfCmd.MAP_DELETE_ELEM, attrAddress(fake, inner), 32), -ENOENT);
    assert.equal(fd, 5);
  });
});
