/**
 * BTF objects in the kernel: reading `struct bpf_btf_info` (id, name, whether it is kernel BTF) and the
 * BTF bytes of an object, and walking all BTF object ids to find the one of vmlinux or of a module — the
 * descriptor a loader passes as `attach_btf_obj_fd` (fentry on a module function) or in `fd_array`
 * (module kfuncs). Every call here is a short synchronous syscall.
 */
import { EbpfError, isSyscallError } from '../errors.js';
import { hostByteOrder } from '../internal/bytes.js';
import { Errno } from '../internal/errno.js';
import { allocAttr } from '../syscall/backend.js';
import { fdById, getNextId, objInfo } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { BtfInfoLayout as L } from '../syscall/info-layouts.js';

/** What the kernel reports about a BTF object. */
export interface BtfObjectInfo {
  /** Kernel-wide BTF object id. */
  readonly id: number;
  /** `vmlinux`, a module name for kernel BTF, or `''` for BTF loaded by a program. */
  readonly name: string;
  /** True for the kernel's own BTF (vmlinux and modules). Kernel 5.11+; false before. */
  readonly kernelBtf: boolean;
  /** Size of the BTF blob in bytes. */
  readonly size: number;
}

/** Longest name the kernel reports (MODULE_NAME_LEN is 56). */
const NAME_BUFFER = 64;
const LE = hostByteOrder === 'little';
const decoder = new TextDecoder();

/** BPF_OBJ_GET_INFO_BY_FD on a BTF object. Short synchronous syscall. */
export function readBtfInfo(ctx: KernelContext, fd: FD): BtfObjectInfo {
  const info = allocAttr(L.SIZE);
  const name = allocAttr(NAME_BUFFER);
  const view = new DataView(info.buffer);
  view.setBigUint64(L.name, ctx.backend.addressOf(name), LE);
  view.setUint32(L.name_len, NAME_BUFFER, LE);
  const len = objInfo(ctx, fd, info, `${fd.label}: get info`);
  const end = name.indexOf(0);
  return {
    id: view.getUint32(L.id, LE),
    name: len > L.name ? decoder.decode(name.subarray(0, end < 0 ? NAME_BUFFER : end)) : '',
    kernelBtf: len > L.kernel_btf && view.getUint32(L.kernel_btf, LE) !== 0,
    size: view.getUint32(L.btf_size, LE),
  };
}

/** The BTF blob of a loaded object, as the kernel holds it (two info calls: size, then data). */
export function readBtfBytes(ctx: KernelContext, fd: FD): Uint8Array {
  for (let attempt = 0; attempt < 3; attempt++) {
    const size = readBtfInfo(ctx, fd).size;
    const data = allocAttr(size);
    const info = allocAttr(L.SIZE);
    const view = new DataView(info.buffer);
    view.setBigUint64(L.btf, ctx.backend.addressOf(data), LE);
    view.setUint32(L.btf_size, size, LE);
    objInfo(ctx, fd, info, `${fd.label}: get info`);
    // BTF is immutable once loaded; a different size can only mean a different object (never here).
    if (view.getUint32(L.btf_size, LE) === size) return data;
  }
  throw new EbpfError(`${fd.label}: BTF size keeps changing`, 'EBTF');
}

/** One BTF object seen while walking ids, with its descriptor open (the caller closes or keeps it). */
export interface OpenBtfObject {
  readonly info: BtfObjectInfo;
  readonly fd: FD;
}

/**
 * Walks every BTF object in the kernel (BPF_BTF_GET_NEXT_ID, BPF_BTF_GET_FD_BY_ID, info), yielding each
 * with an open fd. The fd is closed when the iteration moves on or stops; to keep the object, take
 * `fd.dup()`. Objects freed while walking are skipped.
 */
export function* walkBtfObjects(ctx: KernelContext): Generator<OpenBtfObject> {
  let id = 0;
  for (;;) {
    const next = getNextId(ctx, 'btf', id);
    if (next === undefined) return;
    id = next;
    let fd: FD;
    try {
      fd = fdById(ctx, 'btf', id);
    } catch (e) {
      if (isSyscallError(e) && e.errno === Errno.ENOENT) continue;
      throw e;
    }
    try {
      yield { info: readBtfInfo(ctx, fd), fd };
    } finally {
      fd.close();
    }
  }
}

/** Options of the kernel BTF object lookups. */
export interface BtfObjectOptions {
  /** Kernel context (the default context when omitted). */
  ctx?: KernelContext;
}

const IDS_CACHE_KEY = 'btf:kernel-object-ids';

function idCache(ctx: KernelContext): Map<string, number> {
  return ctx.cached(IDS_CACHE_KEY, () => new Map<string, number>());
}

/**
 * Opens the kernel BTF object named `name` (`vmlinux` or a module). Ids are remembered per context and
 * checked on reuse (a module reloaded gets a new id). Returns undefined when no such object exists
 * (module not loaded, no module BTF, or a kernel before 5.11 that does not name its BTF objects).
 */
export function openKernelBtfObject(name: string, opts: BtfObjectOptions = {}): OpenBtfObject | undefined {
  const ctx = opts.ctx ?? defaultContext();
  const ids = idCache(ctx);
  const known = ids.get(name);
  if (known !== undefined) {
    try {
      const fd = fdById(ctx, 'btf', known);
      const info = readBtfInfo(ctx, fd);
      if (info.kernelBtf && info.name === name) return { info, fd };
      fd.close();
    } catch (e) {
      if (!isSyscallError(e) || e.errno !== Errno.ENOENT) throw e;
    }
    ids.delete(name);
  }
  for (const obj of walkBtfObjects(ctx)) {
    if (!obj.info.kernelBtf) continue;
    ids.set(obj.info.name, obj.info.id);
    if (obj.info.name === name) return { info: obj.info, fd: obj.fd.dup() };
  }
  return undefined;
}

/** The id of the kernel BTF object named `name` (`vmlinux` or a module), or undefined (see above). */
export function kernelBtfObjectId(name: string, opts: BtfObjectOptions = {}): number | undefined {
  const obj = openKernelBtfObject(name, opts);
  if (obj === undefined) return undefined;
  obj.fd.close();
  return obj.info.id;
}
