/**
 * Variants that call `bpf()` through ebpf-ts's syscall backend directly (`bpfAt`, the attr by address, as the
 * map element operations do), with preallocated attrs: the floor
 * that any map API built on that backend can reach. `syscall-floor` (an invalid command) is the bare cost of
 * one koffi call into the kernel; the `backend` variants of the map cases show how much of the public map
 * API's cost is the backend itself.
 */
import {
  Attr,
  allocAttr,
  attrAddress,
  BpfCmd,
  bpfCall,
  bpfFd,
  defaultContext,
  type FD,
  MapCreateAttr,
  MapElemAttr,
  MapType,
} from '../../src/syscall/index.js';
import { type BenchParams, HOT_KEY_MASK } from './cases.js';
import type { Runner, TsVariant } from './runner.js';

/** Same unknown command number as map-bench.c. */
const INVALID_BPF_CMD = 0x7fff;
const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function createMap(type: number, entries: number): FD {
  const ctx = defaultContext();
  const a = new Attr(MapCreateAttr.SIZE, ctx.backend)
    .u32(MapCreateAttr.map_type, type)
    .u32(MapCreateAttr.key_size, 4)
    .u32(MapCreateAttr.value_size, 8)
    .u32(MapCreateAttr.max_entries, entries)
    .fixedString(MapCreateAttr.map_name, 16, 'bench_direct');
  return bpfFd(ctx, BpfCmd.MAP_CREATE, a, 'bench map create', 'bench map');
}

/** A map plus one preallocated elem attr pointing at an off-heap key and value. */
function elemRunner(type: number, p: BenchParams, update: boolean): Runner {
  const ctx = defaultContext();
  const backend = ctx.backend;
  const fd = createMap(type, p.entries);
  const key = allocAttr(4);
  const value = allocAttr(8);
  const kv = new DataView(key.buffer);
  const vv = new DataView(value.buffer);
  const a = new Attr(MapElemAttr.SIZE, backend)
    .u32(MapElemAttr.map_fd, fd.raw)
    .ptr(MapElemAttr.key, key)
    .ptr(MapElemAttr.value, value);
  for (let k = 0; k < p.entries; k++) {
    kv.setUint32(0, k, LE);
    vv.setBigUint64(0, BigInt(k) * 3n, LE);
    bpfCall(ctx, BpfCmd.MAP_UPDATE_ELEM, a, 'bench fill');
  }
  const at = attrAddress(backend, a.bytes);
  // Plain numbers only (the value's two 32-bit halves), like the C loop: this is the floor, so it does no
  // BigInt arithmetic that the map API's typed path would not do either.
  let checksum = 0;
  return {
    run(loops) {
      for (let i = 0; i < loops; i++) {
        kv.setUint32(0, i & HOT_KEY_MASK, LE);
        if (update) {
          vv.setUint32(LE ? 0 : 4, i >>> 0, LE);
          vv.setUint32(LE ? 4 : 0, 0, LE);
          if (backend.bpfAt(BpfCmd.MAP_UPDATE_ELEM, at, MapElemAttr.SIZE) < 0) throw new Error('update');
        } else {
          if (backend.bpfAt(BpfCmd.MAP_LOOKUP_ELEM, at, MapElemAttr.SIZE) < 0) throw new Error('lookup');
          checksum = (checksum + vv.getUint32(LE ? 0 : 4, LE)) | 0;
        }
      }
    },
    close() {
      fd.close();
      // Referencing the attr here keeps its memory alive for as long as the runner holds its address.
      a.bytes.fill(0);
      if (!Number.isInteger(checksum)) throw new Error('unreachable');
    },
  };
}

/** The backend-level variants. */
export const SYSCALL_VARIANTS: readonly TsVariant[] = [
  {
    case: 'syscall-floor',
    variant: 'backend',
    setup() {
      const backend = defaultContext().backend;
      const attr = allocAttr(32);
      const at = attrAddress(backend, attr);
      return {
        run(loops) {
          for (let i = 0; i < loops; i++) backend.bpfAt(INVALID_BPF_CMD, at, 32);
        },
        // Referencing the attr here keeps its memory alive for as long as the runner holds its address.
        close: () => attr.fill(0),
      };
    },
  },
  { case: 'array-lookup', variant: 'backend', setup: (p) => elemRunner(MapType.ARRAY, p, false) },
  { case: 'array-update', variant: 'backend', setup: (p) => elemRunner(MapType.ARRAY, p, true) },
  { case: 'hash-lookup', variant: 'backend', setup: (p) => elemRunner(MapType.HASH, p, false) },
  { case: 'hash-update', variant: 'backend', setup: (p) => elemRunner(MapType.HASH, p, true) },
];
