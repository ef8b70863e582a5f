/**
 * kprobepin: the counter map is declared pinned by name; where kprobes exist execs are counted while the
 * pin exists, and the pin is gone after exit (also after the clear kprobe error where they do not).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadCollectionSpec, MapType, Pinning, ProgramType } from '../../src/index.js';
import { startExample } from './helpers.js';
import { kprobesOrClearError } from './kprobe-support.js';

it('the object pins its ARRAY counter by name and has a kprobe on sys_execve', () => {
  const spec = loadCollectionSpec(join(import.meta.dirname, '..', '..', 'bpf', 'kprobepin.bpf.o'));
  assert.equal(spec.programs.kprobe_execve?.type, ProgramType.KPROBE);
  assert.equal(spec.programs.kprobe_execve?.sectionName, 'kprobe/sys_execve');
  assert.equal(spec.maps.kprobe_map?.type, MapType.ARRAY);
  assert.equal(spec.maps.kprobe_map?.pinning, Pinning.BY_NAME);
});

it('kprobepin counts execs in a pinned map and unpins at exit (or exits with the clear kprobe error)', async (t) => {
  const pinPath = `/sys/fs/bpf/ebpf-ts-test-kprobepin-${process.pid}`;
  const args = ['--pin-path', pinPath];
  const unpinned = (): void => {
    assert.equal(existsSync(join(pinPath, 'kprobe_map')), false, 'the pin is removed at exit');
    assert.equal(existsSync(pinPath), false, 'the empty pin directory is removed at exit');
  };
  if (!(await kprobesOrClearError(t, 'kprobepin', args, 'kprobe', unpinned))) return;
  const ex = startExample('kprobepin', args);
  try {
    await ex.waitFor(
      new RegExp(`^attached kprobe to \\S*sys_execve, counter pinned at ${pinPath}/kprobe_map`),
    );
    assert.ok(existsSync(join(pinPath, 'kprobe_map')), 'pinned while running');
    const timer = setInterval(() => spawnSync('/bin/true'), 100);
    try {
      await ex.waitFor(/^\S*sys_execve called [1-9]\d* times$/);
    } finally {
      clearInterval(timer);
    }
  } finally {
    assert.equal(await ex.stop(), 0);
  }
  unpinned();
});
