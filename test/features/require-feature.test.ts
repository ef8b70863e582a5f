/**
 * The test helper that decides when a kernel test may skip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotSupportedError, SyscallError } from '../../src/errors.js';
import { KNOWN_ABSENT_FEATURES, requireFeature, strictSkips } from '../helpers/require-feature.js';

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
    assert.equal(requireFeature(t, 'fentry', absent('fentry', '5.5'), true), false);
    assert.deepEqual(skips, ['kernel lacks fentry (needs >= 5.5)']);
    assert.throws(
      () => requireFeature(t, 'ringbuf maps', absent('ringbuf maps', '5.8'), true),
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
