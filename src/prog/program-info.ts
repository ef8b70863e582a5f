/**
 * `ProgramInfo`: what `BPF_OBJ_GET_INFO_BY_FD` reports about a loaded program. A first call reads the fixed
 * fields and array lengths; a second call with buffers fetches map ids (and, on request, the translated
 * instructions). Both are short, bounded syscalls and run synchronously.
 */
import { hostByteOrder } from '../internal/bytes.js';
import { allocAttr } from '../syscall/backend.js';
import { objInfo } from '../syscall/bpf.js';
import type { KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { ProgInfoLayout as L } from '../syscall/info-layouts.js';
import type { ProgramType } from '../syscall/uapi-enums.js';

/** Most map ids fetched (the kernel's limit on maps per program is 64; this guards a bogus count). */
const MAX_MAP_IDS = 4096;
/** Most translated-instruction bytes fetched (1M instructions). */
const MAX_XLATED_BYTES = 8 * 1_000_000;

/** Information about a loaded program. */
export interface ProgramInfo {
  type: ProgramType;
  id: number;
  /** The program's tag (hash of its instructions) as 16 hex digits. */
  tag: string;
  /** The kernel's copy of the name (at most 15 characters). */
  name: string;
  /** Ids of the maps the program uses. */
  mapIds: number[];
  /** Id of the program's BTF, if it has one. */
  btfId: number | undefined;
  /** Load time in nanoseconds since boot. */
  loadTime: bigint;
  createdByUid: number;
  gplCompatible: boolean;
  /** Size of the JIT-compiled code in bytes (0 without the right privileges). */
  jitedSize: number;
  /** Size of the translated instructions in bytes. */
  xlatedSize: number;
  /** Total run time in ns (counted only while BPF stats are enabled). */
  runTimeNs: bigint;
  /** Number of runs (counted only while BPF stats are enabled). */
  runCount: bigint;
  recursionMisses: bigint;
  /** Instructions the verifier processed. */
  verifiedInstructions: number;
  attachBtfId: number;
  attachBtfObjId: number;
  /** The translated instructions, when requested and the kernel allows dumping them. */
  xlatedInstructions?: Uint8Array;
}

/** Options of `programInfo`. */
export interface ProgramInfoOptions {
  /** Also fetch the translated (post-verifier) instructions. */
  xlated?: boolean;
}

const LE = hostByteOrder === 'little';

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? bytes.byteLength : end));
}

/** Reads the info of the program behind `fd`. */
export function programInfo(ctx: KernelContext, fd: FD, opts: ProgramInfoOptions = {}): ProgramInfo {
  const buf = allocAttr(L.SIZE);
  objInfo(ctx, fd, buf, 'get info');
  const dv = new DataView(buf.buffer);
  const u32 = (o: number) => dv.getUint32(o, LE);
  const u64 = (o: number) => dv.getBigUint64(o, LE);

  const info: ProgramInfo = {
    type: u32(L.type) as ProgramType,
    id: u32(L.id),
    tag: [...buf.subarray(L.tag, L.tag + 8)].map((b) => b.toString(16).padStart(2, '0')).join(''),
    name: cString(buf.subarray(L.name, L.name + 16)),
    mapIds: [],
    btfId: u32(L.btf_id) || undefined,
    loadTime: u64(L.load_time),
    createdByUid: u32(L.created_by_uid),
    gplCompatible: (u32(L.gpl_compatible_word) & 1) === 1,
    jitedSize: u32(L.jited_prog_len),
    xlatedSize: u32(L.xlated_prog_len),
    runTimeNs: u64(L.run_time_ns),
    runCount: u64(L.run_cnt),
    recursionMisses: u64(L.recursion_misses),
    verifiedInstructions: u32(L.verified_insns),
    attachBtfId: u32(L.attach_btf_id),
    attachBtfObjId: u32(L.attach_btf_obj_id),
  };

  const nrMaps = Math.min(u32(L.nr_map_ids), MAX_MAP_IDS);
  const xlatedLen = opts.xlated ? Math.min(info.xlatedSize, MAX_XLATED_BYTES) : 0;
  if (nrMaps === 0 && xlatedLen === 0) return info;

  // Second call: only the arrays we want, every other length zero (a non-zero length needs a buffer).
  const req = allocAttr(L.SIZE);
  const rv = new DataView(req.buffer);
  const ids = allocAttr(nrMaps * 4);
  const xlated = allocAttr(xlatedLen);
  if (nrMaps > 0) {
    rv.setUint32(L.nr_map_ids, nrMaps, LE);
    rv.setBigUint64(L.map_ids, ctx.backend.addressOf(ids), LE);
  }
  if (xlatedLen > 0) {
    rv.setUint32(L.xlated_prog_len, xlatedLen, LE);
    rv.setBigUint64(L.xlated_prog_insns, ctx.backend.addressOf(xlated), LE);
  }
  objInfo(ctx, fd, req, 'get info');
  const idView = new DataView(ids.buffer);
  const gotMaps = Math.min(nrMaps, rv.getUint32(L.nr_map_ids, LE));
  for (let i = 0; i < gotMaps; i++) info.mapIds.push(idView.getUint32(i * 4, LE));
  if (xlatedLen > 0 && rv.getBigUint64(L.xlated_prog_insns, LE) !== 0n) {
    info.xlatedInstructions = xlated.slice(0, Math.min(xlatedLen, rv.getUint32(L.xlated_prog_len, LE)));
  }
  return info;
}
