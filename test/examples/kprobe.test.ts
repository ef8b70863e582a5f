/** kprobe: the object has the sys_execve kprobe and its counter; execs are counted where kprobes exist. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadCollectionSpec, MapType, ProgramType } from '../../src/index.js';
import { startExample } from './helpers.js';
import { kprobesOrClearError } from './kprobe-support.js';

it('the object has a kprobe on sys_execve and an ARRAY counter', () => {
  const spec = loadCollectionSpec(join(import.meta.dirname, '..', '..', 'bpf', 'kprobe.bpf.o'));
  assert.equal(spec.programs.kprobe_execve?.type, ProgramType.KPROBE);
  assert.equal(spec.programs.kprobe_execve?.sectionName, 'kprobe/sys_execve');
  assert.equal(spec.maps.kprobe_map?.type, MapType.ARRAY);
  assert.equal(spec.maps.kprobe_map?.maxEntries, 1);
});

it('kprobe counts execs of /bin/true (or exits with the clear kprobe error)', async (t) => {
  if (!(await kprobesOrClearError(t, 'kprobe'))) return;
  const ex = startExample('kprobe');
  try {
    await ex.waitFor(/^attached kprobe to \S*sys_execve/);
    const timer = setInterval(() => spawnSync('/bin/true'), 100);
    try {
      await ex.waitFor(/^\S*sys_execve called [1-9]\d* times$/);
    } finally {
      clearInterval(timer);
    }
  } finally {
    assert.equal(await ex.stop(), 0);
  }
});
