import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isClosedError, isSyscallError } from '../../src/errors.js';
import {
  Attr,
  BpfCmd,
  bpfFd,
  defaultContext,
  FakeBackend,
  FD,
  KernelContext,
  MapCreateAttr,
  MapType,
} from '../../src/syscall/index.js';
import { checkFdLeaks, openAnonFds } from '../helpers/fd-leaks.js';

checkFdLeaks();

function createArrayMap(ctx: KernelContext): FD {
  const a = new Attr(MapCreateAttr.SIZE, ctx.backend)
    .u32(MapCreateAttr.map_type, MapType.ARRAY)
    .u32(MapCreateAttr.key_size, 4)
    .u32(MapCreateAttr.value_size, 8)
    .u32(MapCreateAttr.max_entries, 1);
  return bpfFd(ctx, BpfCmd.MAP_CREATE, a, 'map create', 'map "t"');
}

describe('FD on the real kernel', () => {
  const ctx = defaultContext();

  it('owns a map descriptor and closes it exactly once', () => {
    const fd = createArrayMap(ctx);
    assert.ok(fd.raw > 2);
    assert.match(openAnonFds().get(fd.raw) ?? '', /bpf-map/);
    const raw = fd.raw;
    fd.close();
    fd.close();
    assert.equal(fd.isOpen, false);
    assert.equal(openAnonFds().has(raw), false);
    assert.throws(() => fd.raw, isClosedError);
  });

  it('dup gives an independent descriptor above stdio', () => {
    using fd = createArrayMap(ctx);
    using copy = fd.dup();
    assert.notEqual(copy.raw, fd.raw);
    assert.ok(copy.raw > 2);
    assert.match(openAnonFds().get(copy.raw) ?? '', /bpf-map/);
  });

  it('disown hands the number to the caller', () => {
    const fd = createArrayMap(ctx);
    const raw = fd.disown();
    assert.equal(fd.isOpen, false);
    assert.ok(openAnonFds().has(raw));
    ctx.backend.close(raw);
  });

  it('using closes at scope end', () => {
    let raw = -1;
    {
      using fd = createArrayMap(ctx);
      raw = fd.raw;
    }
    assert.equal(openAnonFds().has(raw), false);
  });

  it('failed syscalls throw SyscallError with errno and op', () => {
    const a = new Attr(MapCreateAttr.SIZE, ctx.backend).u32(MapCreateAttr.map_type, MapType.ARRAY);
    assert.throws(
      () => bpfFd(ctx, BpfCmd.MAP_CREATE, a, 'map "bad": create', 'map'),
      (e: unknown) =>
        isSyscallError(e) &&
        e.code === 'EINVAL' &&
        e.errno === 22 &&
        e.message === 'map "bad": create: EINVAL',
    );
  });

  it('leak tracing records open descriptors with their label', () => {
    ctx.fds.enable();
    try {
      const fd = createArrayMap(ctx);
      assert.deepEqual(
        ctx.fds.open().map((r) => r.label),
        ['map "t"'],
      );
      fd.close();
      assert.deepEqual(ctx.fds.open(), []);
    } finally {
      ctx.fds.disable();
    }
  });

  it('/proc/self/fd is available for the leak checks', () => {
    assert.ok(existsSync('/proc/self/fd'));
  });
});

describe('FD with the fake backend', () => {
  it('never keeps fd 0-2: duplicates above stdio and closes the low one', () => {
    const fake = new FakeBackend();
    const ctx = new KernelContext(fake);
    const fd = new FD(0, ctx, 'low');
    assert.ok(fd.raw >= 3);
    assert.deepEqual(fake.closed, [0]);
    const raw = fd.raw;
    fd.close();
    assert.deepEqual(fake.closed, [0, raw]);
  });

  it('records bpf calls with their attrs', () => {
    const fake = new FakeBackend().on(BpfCmd.MAP_CREATE, (_attr, b) => b.newFd());
    const ctx = new KernelContext(fake);
    using fd = createArrayMap(ctx);
    assert.ok(fd.raw >= 100);
    assert.equal(fake.calls.length, 1);
    const call = fake.calls[0]!;
    assert.equal(call.cmd, BpfCmd.MAP_CREATE);
    assert.equal(call.size, MapCreateAttr.SIZE);
    assert.equal(new DataView(call.attr.buffer).getUint32(MapCreateAttr.value_size, true), 8);
  });

  it('resolves addresses written into attrs back to the buffers', () => {
    const fake = new FakeBackend();
    const key = new Uint8Array(new ArrayBuffer(4));
    key.set([1, 2, 3, 4]);
    const a = new Attr(32, fake).ptr(8, key);
    assert.deepEqual([...fake.deref(a.getU64(8), 4)], [1, 2, 3, 4]);
  });
});
