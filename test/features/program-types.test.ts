/**
 * haveProgramType for every program type, haveAttachType for trampoline kinds, and the misc probes.
 */
import assert from 'node:assert/strict';
import { release } from 'node:os';
import { describe, it } from 'node:test';
import { isEbpfError, isNotSupportedError } from '../../src/errors.js';
import {
  haveAttachType,
  haveBoundedLoops,
  haveLargeInstructions,
  haveProgramType,
  programTypeFeature,
  programTypeMinKernel,
} from '../../src/features/index.js';
import { AttachType, ProgramType } from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { requireFeature } from '../helpers/require-feature.js';

checkFdLeaks();

const knownKernel = release().includes('-fc-');
/** Program types this project's kernel lacks: no RC core (lirc), and LSM/EXT loads refused by policy. */
const ABSENT_HERE = new Set<number>([ProgramType.LIRC_MODE2, ProgramType.LSM, ProgramType.EXT]);

describe('haveProgramType on the running kernel', () => {
  for (const [name, type] of Object.entries(ProgramType)) {
    if (type === ProgramType.UNSPEC) continue;
    it(`${name}: supported or NotSupportedError("${programTypeFeature(type)}")`, () => {
      let missing = false;
      try {
        haveProgramType(type);
      } catch (e) {
        assert.ok(isNotSupportedError(e), `unexpected ${String(e)}`);
        assert.equal(e.feature, programTypeFeature(type));
        assert.equal(e.minKernel, programTypeMinKernel(type));
        missing = true;
      }
      if (knownKernel)
        assert.equal(missing, ABSENT_HERE.has(type), `${name} support differs from this kernel`);
    });
  }

  it('rejects UNSPEC as an invalid argument', () => {
    assert.throws(
      () => haveProgramType(ProgramType.UNSPEC),
      (e: unknown) => isEbpfError(e) && e.code === 'EINVAL',
    );
  });
});

describe('haveAttachType', () => {
  const trampolines: Array<[string, ProgramType, AttachType]> = [
    ['fentry', ProgramType.TRACING, AttachType.TRACE_FENTRY],
    ['fexit', ProgramType.TRACING, AttachType.TRACE_FEXIT],
    ['fmod_ret', ProgramType.TRACING, AttachType.MODIFY_RETURN],
    ['lsm', ProgramType.LSM, AttachType.LSM_MAC],
  ];
  for (const [feature, type, attach] of trampolines) {
    it(`${feature}: supported, or NotSupportedError naming ${feature}`, () => {
      try {
        haveAttachType(type, attach);
        assert.ok(!knownKernel, `${feature} loads were refused on this kernel until now`);
      } catch (e) {
        assert.ok(isNotSupportedError(e), String(e));
        assert.match(e.feature, new RegExp(`^${feature}`));
      }
    });
  }

  it('tp_btf and iterators load against targets found in kernel BTF', (t) => {
    if (!requireFeature(t, 'tp_btf', () => haveAttachType(ProgramType.TRACING, AttachType.TRACE_RAW_TP)))
      return;
    haveAttachType(ProgramType.TRACING, AttachType.TRACE_ITER);
  });

  it('an attach type that does not belong to the program type is not supported', () => {
    assert.throws(
      () => haveAttachType(ProgramType.CGROUP_SOCK_ADDR, AttachType.XDP),
      (e: unknown) =>
        isNotSupportedError(e) && e.feature === 'cgroup_sock_addr programs with attach type xdp',
    );
  });

  it('unix socket hooks on cgroup sock_addr programs (6.7)', (t) => {
    requireFeature(t, 'cgroup unix connect', () =>
      haveAttachType(ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_CONNECT),
    );
  });
});

describe('misc probes', () => {
  it('bounded loops (5.3)', (t) => {
    requireFeature(t, 'bounded loops', () => haveBoundedLoops());
  });

  it('programs over 4096 instructions (5.2)', (t) => {
    requireFeature(t, 'large programs', () => haveLargeInstructions());
  });
});
