/**
 * Test helper: a tiny in-memory "kernel" for the FakeBackend that implements map create and the element
 * commands of hash maps (lookup, update, delete, get next key, lookup-and-delete) over `deref`, so map code
 * can run without a kernel. Batch commands are left to each test to script.
 */
import { BpfCmd, FakeBackend, KernelContext, MapCreateAttr, MapElemAttr } from '../../src/syscall/index.js';

const ENOENT = 2;
const EBADF = 9;

/** One fake map: insertion-ordered entries keyed by hex of the key bytes. */
export interface FakeMap {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  entries: Map<string, { key: Uint8Array; value: Uint8Array }>;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A FakeBackend with map commands wired to `maps` (by fd), and a context using it. */
export function fakeKernel(opts: { cpus?: number } = {}): {
  fake: FakeBackend;
  ctx: KernelContext;
  maps: Map<number, FakeMap>;
  count: (cmd: number) => number;
} {
  const fake = new FakeBackend();
  const ctx = new KernelContext(fake);
  ctx.cache.set('possibleCpus', opts.cpus ?? 2);
  ctx.cache.set('pageSize', 4096);
  const maps = new Map<number, FakeMap>();
  const le = true;
  const elem = (attr: Uint8Array, b: FakeBackend, withValue = true) => {
    const v = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    const m = maps.get(v.getUint32(MapElemAttr.map_fd, le));
    if (!m) return undefined;
    const keyAddr = v.getBigUint64(MapElemAttr.key, le);
    const key = keyAddr === 0n ? undefined : b.deref(keyAddr, m.keySize);
    const valAddr = v.getBigUint64(MapElemAttr.value, le);
    const value = valAddr === 0n || !withValue ? undefined : b.deref(valAddr, m.valueSize);
    return { m, key, value, flags: Number(v.getBigUint64(MapElemAttr.flags, le)) };
  };
  fake.on(BpfCmd.MAP_CREATE, (attr, b) => {
    const v = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    const nameBytes = attr.subarray(MapCreateAttr.map_name, MapCreateAttr.map_name + 16);
    const fd = b.newFd();
    maps.set(fd, {
      type: v.getUint32(MapCreateAttr.map_type, le),
      keySize: v.getUint32(MapCreateAttr.key_size, le),
      valueSize: v.getUint32(MapCreateAttr.value_size, le),
      maxEntries: v.getUint32(MapCreateAttr.max_entries, le),
      flags: v.getUint32(MapCreateAttr.map_flags, le),
      name: Buffer.from(nameBytes.subarray(0, Math.max(0, nameBytes.indexOf(0)))).toString(),
      entries: new Map(),
    });
    return fd;
  });
  fake.on(BpfCmd.MAP_LOOKUP_ELEM, (attr, b) => {
    const e = elem(attr, b);
    if (!e?.key || !e.value) return -EBADF;
    const found = e.m.entries.get(hex(e.key));
    if (!found) return -ENOENT;
    e.value.set(found.value);
    return 0;
  });
  fake.on(BpfCmd.MAP_UPDATE_ELEM, (attr, b) => {
    const e = elem(attr, b);
    if (!e?.key || !e.value) return -EBADF;
    e.m.entries.set(hex(e.key), { key: e.key.slice(), value: e.value.slice() });
    return 0;
  });
  fake.on(BpfCmd.MAP_DELETE_ELEM, (attr, b) => {
    const e = elem(attr, b);
    if (!e?.key) return -EBADF;
    return e.m.entries.delete(hex(e.key)) ? 0 : -ENOENT;
  });
  fake.on(BpfCmd.MAP_GET_NEXT_KEY, (attr, b) => {
    const v = new DataView(attr.buffer, attr.byteOffset, attr.byteLength);
    const e = elem(attr, b, false);
    if (!e) return -EBADF;
    const next = b.deref(v.getBigUint64(MapElemAttr.next_key, le), e.m.keySize);
    const keys = [...e.m.entries.values()].map((x) => x.key);
    // Like a hash map: an unknown (deleted) key restarts from the first key.
    const i = e.key === undefined ? -1 : keys.findIndex((k) => hex(k) === hex(e.key!));
    const n = keys[i + 1];
    if (!n) return -ENOENT;
    next.set(n);
    return 0;
  });
  return {
    fake,
    ctx,
    maps,
    count: (cmd) => fake.calls.filter((c) => c.cmd === cmd).length,
  };
}
