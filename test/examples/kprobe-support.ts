/**
 * Shared by the kprobe example tests: on kernels with kprobes the caller checks real events; on kernels
 * without them the example must exit 1 with one clear line, `error: kernel lacks kprobes: …` (asserted here),
 * after which the test is skipped through `requireFeature` (kprobes are a known absence on the CI kernel).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { NotSupportedError } from '../../src/errors.js';
import { probeSupport } from '../../src/link/index.js';
import { requireFeature } from '../helpers/require-feature.js';
import { runExampleToEnd } from './helpers.js';

/** Throws NotSupportedError when the kernel has neither the kprobe PMU nor tracefs kprobe_events. */
function probeKprobes(): void {
  const s = probeSupport('kprobe');
  if (!s.pmu && !s.tracefs)
    throw new NotSupportedError(
      'kprobes',
      undefined,
      'neither the perf kprobe PMU nor tracefs kprobe_events',
    );
}

/**
 * True when kprobes work here (check events next). Otherwise runs `example` with `args`, asserts it exits 1
 * with the one-line kprobe error suggesting another example, runs `afterExit` (more checks: they must run
 * before the skip, which would hide their failures), skips `t` and returns false.
 */
export async function kprobesOrClearError(
  t: TestContext,
  example: string,
  args: string[] = [],
  feature: 'kprobe' | 'kretprobe' = 'kprobe',
  afterExit: () => void = () => {},
): Promise<boolean> {
  let lacking = false;
  try {
    probeKprobes();
  } catch {
    lacking = true;
  }
  if (lacking) {
    const r = await runExampleToEnd(example, [...args, '--duration', '20']);
    assert.equal(r.code, 1, `exit code\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line on stderr:\n${r.stderr}`);
    assert.match(
      lines[0] as string,
      /^error: kernel lacks kprobes: k(ret)?probe \S+: the kernel has neither the perf kprobe PMU nor tracefs kprobe_events \(.*try examples\/[a-z-]+/,
    );
    afterExit();
  }
  return requireFeature(t, feature, probeKprobes);
}
