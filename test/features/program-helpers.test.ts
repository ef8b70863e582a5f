/**
 * haveProgramHelper: positive and negative answers from the running kernel.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HelperId } from '../../src/asm/index.js';
import { isEbpfError, isNotSupportedError } from '../../src/errors.js';
import { haveProgramHelper } from '../../src/features/index.js';
import { ProgramType } from '../../src/syscall/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

describe('haveProgramHelper', () => {
  const available: Array<[string, ProgramType, number]> = [
    ['map_lookup_elem in xdp', ProgramType.XDP, HelperId.map_lookup_elem],
    ['ktime_get_ns in xdp', ProgramType.XDP, HelperId.ktime_get_ns],
    ['xdp_adjust_head in xdp', ProgramType.XDP, HelperId.xdp_adjust_head],
    ['get_current_pid_tgid in kprobe', ProgramType.KPROBE, HelperId.get_current_pid_tgid],
    ['probe_read_kernel in tracing (tp_btf)', ProgramType.TRACING, HelperId.probe_read_kernel],
    ['skb_load_bytes in socket filter', ProgramType.SOCKET_FILTER, HelperId.skb_load_bytes],
  ];
  for (const [what, type, helper] of available) {
    it(`${what} is available`, () => haveProgramHelper(type, helper));
  }

  // 6.1 answers "unknown func" where newer kernels say the program type "cannot use helper"
  const refused: Array<[string, ProgramType, number, RegExp]> = [
    ['override_return in xdp', ProgramType.XDP, HelperId.override_return, /cannot use helper|unknown func/],
    [
      'xdp_adjust_head in a socket filter',
      ProgramType.SOCKET_FILTER,
      HelperId.xdp_adjust_head,
      /cannot use helper|unknown func/,
    ],
    // 6.18 says the helper might sleep; 6.12 and older refuse it for the program type outright
    [
      'copy_from_user (sleepable only) in xdp',
      ProgramType.XDP,
      HelperId.copy_from_user,
      /might sleep|cannot use helper|unknown func/,
    ],
    ['unknown helper #10000 in xdp', ProgramType.XDP, 10_000, /invalid func/],
  ];
  for (const [what, type, helper, reason] of refused) {
    it(`${what} is not supported`, () => {
      assert.throws(
        () => haveProgramHelper(type, helper),
        (e: unknown) => isNotSupportedError(e) && e.feature.startsWith('helper ') && reason.test(e.message),
      );
    });
  }

  it('names the helper and program type in the error', () => {
    assert.throws(
      () => haveProgramHelper(ProgramType.XDP, HelperId.override_return),
      (e: unknown) => isNotSupportedError(e) && e.feature === 'helper bpf_override_return in xdp programs',
    );
  });

  it('bpf_get_current_pid_tgid in xdp: a conclusive answer either way', () => {
    try {
      haveProgramHelper(ProgramType.XDP, HelperId.get_current_pid_tgid);
    } catch (e) {
      assert.ok(isNotSupportedError(e), String(e));
    }
  });

  it('rejects helper ids that cannot exist and types it cannot probe', () => {
    for (const bad of [0, -1, 2.5]) {
      assert.throws(
        () => haveProgramHelper(ProgramType.XDP, bad),
        (e: unknown) => isEbpfError(e) && e.code === 'EINVAL',
      );
    }
    assert.throws(
      () => haveProgramHelper(ProgramType.EXT, HelperId.ktime_get_ns),
      (e: unknown) => isEbpfError(e) && e.code === 'EINVAL' && /cannot be probed/.test(e.message),
    );
  });
});
