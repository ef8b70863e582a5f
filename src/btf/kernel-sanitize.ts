/**
 * Which BTF kinds the running kernel accepts, found by loading tiny BTF blobs (as libbpf's
 * `probe_kern_btf_*` do), and the `SanitizeOptions` that rewrite an object's BTF for it. Each answer
 * is cached on the kernel context under `btfFeatureCacheKey(feature)` (a boolean), so tests can force
 * "the kernel lacks X" by setting that key before loading.
 */
import { NotSupportedError, SyscallError } from '../errors.js';
import { ByteWriter, hostByteOrder } from '../internal/bytes.js';
import { Errno } from '../internal/errno.js';
import { btfLoadRaw } from '../syscall/bpf.js';
import type { KernelContext } from '../syscall/context.js';
import { BTF_MAGIC, BTF_VERSION, FuncLinkage, Kind, VarLinkage } from './kind.js';
import type { SanitizeOptions } from './marshal.js';
import { makeInfo } from './wire-types.js';

/** BTF capabilities probed separately; `btf` is BPF_BTF_LOAD itself. */
export type BtfFeature =
  | 'btf'
  | 'func'
  | 'datasecVar'
  | 'funcLinkage'
  | 'float'
  | 'declTag'
  | 'typeTag'
  | 'enum64'
  | 'qmarkDatasec';

/** Every probed feature, oldest first. */
export const BTF_FEATURES: readonly BtfFeature[] = [
  'btf',
  'func',
  'datasecVar',
  'funcLinkage',
  'float',
  'declTag',
  'typeTag',
  'qmarkDatasec',
  'enum64',
];

/** What each feature is called in messages, and the first kernel with it. */
export const BTF_FEATURE_INFO: Readonly<Record<BtfFeature, { name: string; minKernel: string }>> = {
  btf: { name: 'BTF', minKernel: '4.18' },
  func: { name: 'BTF functions', minKernel: '5.0' },
  datasecVar: { name: 'BTF DATASEC and VAR', minKernel: '5.2' },
  funcLinkage: { name: 'BTF global function linkage', minKernel: '5.6' },
  float: { name: 'BTF FLOAT', minKernel: '5.13' },
  declTag: { name: 'BTF DECL_TAG', minKernel: '5.16' },
  typeTag: { name: 'BTF TYPE_TAG', minKernel: '5.17' },
  enum64: { name: 'BTF ENUM64', minKernel: '6.0' },
  // the kernel matrix showed 6.1 refusing '.data?' and 6.12 accepting it
  qmarkDatasec: { name: "'?' in BTF DATASEC names", minKernel: '6.7' },
};

/** Context cache key holding whether the kernel has `feature` (a boolean). */
export function btfFeatureCacheKey(feature: BtfFeature): string {
  return `btf:feature:${feature}`;
}

/** A tiny BTF blob in host byte order: `types` writes records, `strings` is the table after "\0". */
function blob(strings: string, types: (w: ByteWriter, str: (s: string) => number) => void): Uint8Array {
  const table = `\0${strings}`;
  const str = (s: string): number => {
    const at = table.indexOf(`\0${s}\0`);
    if (at < 0) throw new Error(`probe blob: missing string ${s}`);
    return at + 1;
  };
  const w = new ByteWriter(hostByteOrder, 128);
  types(w, str);
  const typeBytes = w.finish();
  const stringBytes = new TextEncoder().encode(table);
  const out = new ByteWriter(hostByteOrder, 24 + typeBytes.byteLength + stringBytes.byteLength);
  out.u16(BTF_MAGIC).u8(BTF_VERSION).u8(0).u32(24);
  out.u32(0).u32(typeBytes.byteLength).u32(typeBytes.byteLength).u32(stringBytes.byteLength);
  return out.bytes(typeBytes).bytes(stringBytes).finish();
}

function head(w: ByteWriter, name: number, kind: number, vlen: number, sizeOrType: number): ByteWriter {
  return w
    .u32(name)
    .u32(makeInfo(kind, vlen, false))
    .u32(sizeOrType);
}

/** `[1] int`: 4-byte signed integer. */
function int(w: ByteWriter, name: number): void {
  head(w, name, Kind.Int, 0, 4).u32((1 << 24) | 32);
}

/** `int f(int x)` with the given linkage: [1] int, [2] FUNC_PROTO, [3] FUNC. */
function funcBlob(linkage: number): Uint8Array {
  return blob('int\0x\0f\0', (w, s) => {
    int(w, s('int'));
    head(w, 0, Kind.FuncProto, 1, 1).u32(s('x')).u32(1);
    head(w, s('f'), Kind.Func, linkage, 2);
  });
}

/** `int x` in section `sec`: [1] int, [2] VAR, [3] DATASEC. */
function datasecBlob(sec: string): Uint8Array {
  return blob(`int\0x\0${sec}\0`, (w, s) => {
    int(w, s('int'));
    head(w, s('x'), Kind.Var, 0, 1).u32(VarLinkage.Global);
    head(w, s(sec), Kind.Datasec, 1, 4).u32(2).u32(0).u32(4);
  });
}

const PROBES: Readonly<Record<BtfFeature, () => Uint8Array>> = {
  btf: () => blob('int\0', (w, s) => int(w, s('int'))),
  func: () => funcBlob(FuncLinkage.Static),
  funcLinkage: () => funcBlob(FuncLinkage.Global),
  datasecVar: () => datasecBlob('.data'),
  qmarkDatasec: () => datasecBlob('.data?'),
  float: () => blob('float\0', (w, s) => head(w, s('float'), Kind.Float, 0, 4)),
  declTag: () =>
    blob('int\0x\0tag\0', (w, s) => {
      int(w, s('int'));
      head(w, s('x'), Kind.Var, 0, 1).u32(VarLinkage.Global);
      head(w, s('tag'), Kind.DeclTag, 0, 2).i32(-1);
    }),
  typeTag: () =>
    blob('int\0tag\0', (w, s) => {
      int(w, s('int'));
      head(w, s('tag'), Kind.TypeTag, 0, 1);
      head(w, 0, Kind.Pointer, 0, 2);
    }),
  enum64: () =>
    blob('e\0v\0', (w, s) => {
      head(w, s('e'), Kind.Enum64, 1, 8).u32(s('v')).u32(1).u32(0);
    }),
};

/** The probe blob for `feature` (exported for tests). */
export function btfFeatureProbe(feature: BtfFeature): Uint8Array {
  return PROBES[feature]();
}

/**
 * Whether the kernel accepts `feature`, probed once per context by loading a tiny blob. A blob the
 * kernel rejects (EINVAL, E2BIG...) means no; EPERM (not privileged) and other failures of the call
 * itself are thrown as `SyscallError` and not cached.
 */
export function haveBtfFeature(ctx: KernelContext, feature: BtfFeature): boolean {
  const key = btfFeatureCacheKey(feature);
  const cached = ctx.cache.get(key);
  if (typeof cached === 'boolean') return cached;
  let have = false;
  if (feature === 'btf' || haveBtfFeature(ctx, 'btf')) {
    const { fd } = btfLoadRaw(ctx, { btf: PROBES[feature]() });
    if (fd >= 0) {
      ctx.backend.close(fd);
      have = true;
    } else if (fd === -Errno.EPERM || fd === -Errno.ENOMEM || fd === -Errno.EFAULT || fd === -Errno.EBADF) {
      throw new SyscallError(`probe ${BTF_FEATURE_INFO[feature].name}: load BTF`, -fd);
    }
  }
  ctx.cache.set(key, have);
  return have;
}

/** Throws `NotSupportedError` unless the kernel has `feature`. */
export function requireBtfFeature(ctx: KernelContext, feature: BtfFeature): void {
  if (!haveBtfFeature(ctx, feature)) {
    const { name, minKernel } = BTF_FEATURE_INFO[feature];
    throw new NotSupportedError(name, minKernel);
  }
}

/**
 * The `SanitizeOptions` for the running kernel: each flag is set when the kernel lacks that feature.
 * Throws `NotSupportedError('BTF', '4.18')` when the kernel cannot load BTF at all.
 */
export function kernelSanitizeOptions(ctx: KernelContext): SanitizeOptions {
  requireBtfFeature(ctx, 'btf');
  const lacks = (f: BtfFeature): boolean => !haveBtfFeature(ctx, f);
  return {
    func: lacks('func'),
    datasecVar: lacks('datasecVar'),
    funcLinkage: lacks('funcLinkage'),
    float: lacks('float'),
    declTag: lacks('declTag'),
    typeTag: lacks('typeTag'),
    qmarkDatasec: lacks('qmarkDatasec'),
    enum64: lacks('enum64'),
  };
}
