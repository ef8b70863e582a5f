/**
 * `haveProgramType` and `haveAttachType`: can the kernel load programs of a type (with a given expected
 * attach type)? Probes load `r0 = 0; exit`; see `probe-program.ts` for how outcomes are read.
 */
import { EbpfError, NotSupportedError } from '../errors.js';
import { trampolineFeature } from '../prog/index.js';
import type { KernelContext } from '../syscall/context.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { haveKernelBtf } from './kernel-btf-ids.js';
import { programTypeFeature, programTypeMinKernel } from './names.js';
import { cachedProbe, type ProbeOptions } from './probe-cache.js';
import {
  btfTargetOf,
  defaultProbeLoad,
  type ProbeLoadResult,
  probeLoad,
  resolveBtfTarget,
  returnZero,
} from './probe-program.js';

function checkType(what: string, type: number): void {
  if (!Number.isInteger(type) || type <= ProgramType.UNSPEC || type > 0xffffffff)
    throw new EbpfError(`${what}: invalid program type ${type}`, 'EINVAL');
}

/** Throws NotSupportedError(feature) unless the probe outcome shows the kernel accepted the load. */
export function concludeLoad(r: ProbeLoadResult, feature: string, minKernel: string | undefined): void {
  if (r.kind === 'loaded' || r.kind === 'verifier') return;
  if (r.kind === 'rejected') throw new NotSupportedError(feature, minKernel);
  throw new NotSupportedError(feature, minKernel, innerDetail(r.error), { cause: r.error });
}

/** The detail of a NotSupportedError's message (what follows `not supported (...): `), or its message. */
export function innerDetail(e: NotSupportedError): string {
  return /not supported(?: \(requires kernel >= [^)]*\))?: (.*)$/s.exec(e.message)?.[1] ?? e.message;
}

/**
 * Returns when the kernel can load programs of `type`; throws `NotSupportedError` (type name and first
 * kernel) when it cannot, and other errors (EPERM without privileges...) as is. LSM and EXT programs count
 * as unsupported when the kernel refuses them by policy (see `Program.load`).
 */
export function haveProgramType(type: ProgramType, opts?: ProbeOptions): void {
  checkType('haveProgramType', type);
  cachedProbe(opts, `program:${type}`, (ctx) => {
    const r = probeLoad(ctx, defaultProbeLoad(type), returnZero());
    concludeLoad(r, programTypeFeature(type), programTypeMinKernel(type));
  });
}

function attachFeature(type: number, attachType: number): { feature: string; minKernel: string | undefined } {
  const tramp = trampolineFeature(type, attachType);
  if (tramp && type !== ProgramType.EXT) return tramp;
  const name = Object.entries(AttachType).find(([, v]) => v === attachType)?.[0];
  return {
    feature: `${programTypeFeature(type)} with attach type ${name?.toLowerCase() ?? attachType}`,
    minKernel: undefined,
  };
}

function probeAttach(ctx: KernelContext, type: number, attachType: number): void {
  const { feature, minKernel } = attachFeature(type, attachType);
  const target = btfTargetOf(type, attachType);
  let attachBtfId: number | undefined;
  if (target) {
    attachBtfId = resolveBtfTarget(ctx, target);
    if (attachBtfId === undefined) {
      if (!haveKernelBtf(ctx)) throw new NotSupportedError(feature, minKernel, 'the kernel exposes no BTF');
      throw new EbpfError(
        `probe ${feature}: none of ${target.names.join(', ')} found in kernel BTF`,
        'ENOENT',
      );
    }
  }
  const load = { ...defaultProbeLoad(type), attachType, attachBtfId };
  concludeLoad(probeLoad(ctx, load, returnZero()), feature, minKernel);
}

/**
 * Returns when the kernel can load a program of `type` with expected attach type `attachType` (fentry,
 * fexit, fmod_ret, LSM, tp_btf and iterators are loaded against a real kernel function/tracepoint found
 * in kernel BTF). Throws `NotSupportedError` when it cannot. This is a load-time probe: attaching may
 * still fail (e.g. architectures without BPF trampolines refuse fentry links).
 */
export function haveAttachType(type: ProgramType, attachType: AttachType, opts?: ProbeOptions): void {
  checkType('haveAttachType', type);
  if (!Number.isInteger(attachType) || attachType < 0 || attachType > 0xffffffff)
    throw new EbpfError(`haveAttachType: invalid attach type ${attachType}`, 'EINVAL');
  haveProgramType(type, opts);
  cachedProbe(opts, `attach:${type}:${attachType}`, (ctx) => probeAttach(ctx, type, attachType));
}
