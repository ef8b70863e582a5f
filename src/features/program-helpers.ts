/**
 * `haveProgramHelper`: can programs of a type call a helper? The probe calls the helper with
 * uninitialised arguments: the verifier checks that the helper exists and is allowed for the program
 * type *before* it checks arguments, so "invalid func" / "program of this type cannot use helper" means
 * unsupported, while an argument complaint (EACCES) means the helper passed the availability checks.
 */
import { call, exit as exitInsn, HelperId, helperName, mov64Imm, R0 } from '../asm/index.js';
import { EbpfError, NotSupportedError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { ProgramType } from '../syscall/uapi-enums.js';
import { programTypeFeature } from './names.js';
import { cachedProbe, type ProbeOptions } from './probe-cache.js';
import { btfTargetOf, defaultProbeLoad, probeLoad, resolveBtfTarget, unprobeable } from './probe-program.js';
import { haveProgramType, innerDetail } from './program-types.js';

/** Verifier messages meaning the helper is unknown or not available to this program (type/context). */
const UNAVAILABLE =
  /invalid func|unknown func|program of this type cannot use helper|helper call is not allowed|might sleep in a non-sleepable/;

/**
 * Returns when programs of `type` may call helper `helper` (an id, e.g. `HelperId.ktime_get_ns`); throws
 * `NotSupportedError` when the kernel lacks the helper or refuses it for this program type, and other
 * errors as is. Tracing programs are probed as tp_btf, LSM against a real hook; EXT and STRUCT_OPS cannot
 * be probed (EbpfError EINVAL).
 */
export function haveProgramHelper(type: ProgramType, helper: number, opts?: ProbeOptions): void {
  if (!Number.isInteger(helper) || helper <= HelperId.unspec || helper > 0x7fffffff)
    throw new EbpfError(`haveProgramHelper: invalid helper id ${helper}`, 'EINVAL');
  if (type === ProgramType.EXT || type === ProgramType.STRUCT_OPS)
    throw unprobeable(`haveProgramHelper(${programTypeFeature(type)})`);
  haveProgramType(type, opts);
  const name = helperName(helper);
  const feature = `helper ${name ? `bpf_${name}` : `#${helper}`} in ${programTypeFeature(type)}`;
  cachedProbe(opts, `helper:${type}:${helper}`, (ctx) => {
    const load = defaultProbeLoad(type);
    const target = btfTargetOf(type, load.attachType);
    let attachBtfId: number | undefined;
    if (target) {
      attachBtfId = resolveBtfTarget(ctx, target);
      if (attachBtfId === undefined)
        throw new EbpfError(
          `probe ${feature}: none of ${target.names.join(', ')} found in kernel BTF`,
          'ENOENT',
        );
    }
    const insns = [call(helper), mov64Imm(R0, 0), exitInsn()];
    const r = probeLoad(ctx, { ...load, attachBtfId }, insns, 'helper_probe');
    if (r.kind === 'loaded') return;
    if (r.kind === 'verifier') {
      if (r.errno === Errno.EINVAL && UNAVAILABLE.test(r.log)) {
        const reason = r.log.split('\n').find((l) => UNAVAILABLE.test(l));
        throw new NotSupportedError(feature, undefined, reason);
      }
      return;
    }
    if (r.kind === 'rejected') throw new NotSupportedError(feature);
    throw new NotSupportedError(feature, undefined, innerDetail(r.error), { cause: r.error });
  });
}
