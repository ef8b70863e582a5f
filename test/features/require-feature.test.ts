/**
 * The test helper that decides when a kernel test may skip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotSupportedError, SyscallError } from '../../src/errors.js';
import {
  allowedAbsences,
  KNOWN_ABSENT_FEATURES,
  requireFeature,
  strictSkips,
} from '../helpers/require-feature.js';

function recorder() {
  const skips: Array<string | undefined> = [];
  return { skips, t: { skip: (m?: string) => skips.push(m) } };
}

const absent = (feature: string, min?: string) => () => {
  throw new NotSupportedError(feature, min);
};

describe('requireFeature', () => {
  it('returns true and does not skip when the probe passes', () => {
    const { t, skips } = recorder();
    assert.equal(
      requireFeature(t, 'ringbuf maps', () => {}),
      true,
    );
    assert.deepEqual(skips, []);
  });

  it('skips with the feature and minimum kernel when not strict', () => {
    const { t, skips } = recorder();
    assert.equal(requireFeature(t, 'ringbuf maps', absent('ringbuf maps', '5.8'), false), false);
    assert.deepEqual(skips, ['kernel lacks ringbuf maps (needs >= 5.8)']);
  });

  it('in strict mode skips only known absences', () => {
    const { t, skips } = recorder();
    assert.equal(requireFeature(t, 'fentry', absent('fentry', '5.5'), true, KNOWN_ABSENT_FEATURES), false);
    assert.deepEqual(skips, ['kernel lacks fentry (needs >= 5.5)']);
    assert.throws(
      () => requireFeature(t, 'ringbuf maps', absent('ringbuf maps', '5.8'), true, KNOWN_ABSENT_FEATURES),
      /kernel lacks ringbuf maps \(needs >= 5.8\), which is not a known absence/,
    );
    assert.equal(skips.length, 1);
  });

  it('rethrows errors that are not NotSupportedError', () => {
    const { t, skips } = recorder();
    assert.throws(
      () =>
        requireFeature(t, 'kprobe', () => {
          throw new SyscallError('load', 1);
        }),
      /load: EPERM/,
    );
    assert.deepEqual(skips, []);
  });

  it('is strict on CI and on the project kernel', () => {
    assert.equal(strictSkips({ CI: 'true' }, '6.1.0-generic'), true);
    assert.equal(strictSkips({}, '6.18.44-fc-v595'), true);
    assert.equal(strictSkips({}, '6.1.0-generic'), false);
  });

  it('is strict in a kernel-matrix guest, whatever its kernel', () => {
    assert.equal(strictSkips({ EBPF_TS_KERNEL_LANE: 'trixie' }, '6.12.117+deb13-amd64'), true);
  });

  const laneCases: [string, NodeJS.ProcessEnv, string[]][] = [
    ['outside a guest: the project kernel list', {}, [...KNOWN_ABSENT_FEATURES].sort()],
    [
      'a guest lacking only a PMU',
      { EBPF_TS_KERNEL_LANE: 'trixie', EBPF_TS_KNOWN_ABSENT: 'hardware perf events' },
      ['hardware perf events'],
    ],
    [
      'a guest with two absences, spaces trimmed',
      { EBPF_TS_KERNEL_LANE: 'bookworm', EBPF_TS_KNOWN_ABSENT: 'uprobe_multi , hardware perf events' },
      ['hardware perf events', 'uprobe_multi'],
    ],
    ['a guest that may lack nothing', { EBPF_TS_KERNEL_LANE: 'sid', EBPF_TS_KNOWN_ABSENT: '' }, []],
    ['a guest with the list unset', { EBPF_TS_KERNEL_LANE: 'sid' }, []],
  ];
  for (const [name, env, want] of laneCases) {
    it(`allowed absences: ${name}`, () => assert.deepEqual([...allowedAbsences(env)].sort(), want));
  }

  it('in a guest, kprobe and fentry may not skip: they must work there', () => {
    const { t, skips } = recorder();
    const guest = allowedAbsences({
      EBPF_TS_KERNEL_LANE: 'trixie',
      EBPF_TS_KNOWN_ABSENT: 'hardware perf events',
    });
    assert.throws(() => requireFeature(t, 'kprobe', absent('kprobe'), true, guest), /not a known absence/);
    assert.equal(
      requireFeature(t, 'hardware perf events', absent('hardware perf events'), true, guest),
      false,
    );
    assert.deepEqual(skips, ['kernel lacks hardware perf events']);
  });

  it('allows exactly the known absences', () => {
    assert.deepEqual([...KNOWN_ABSENT_FEATURES].sort(), [
      'fentry',
      'fexit',
      'fmod_ret',
      'freplace',
      'hardware perf events',
      'kprobe',
      'kprobe_multi',
      'kretprobe',
      'lsm',
    ]);
  });
});
