/** kprobe-percpu: the object counts in a PERCPU_ARRAY; where kprobes exist execs show up in some CPU's slot. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { defaultContext, loadCollectionSpec, MapType, ProgramType, possibleCpus } from '../../src/index.js';
import { startExample } from './helpers.js';
import { kprobesOrClearError } from './kprobe-support.js';

it('the object has a kprobe on sys_execve and a PERCPU_ARRAY counter', () => {
  const spec = loadCollectionSpec(join(import.meta.dirname, '..', '..', 'bpf', 'kprobe-percpu.bpf.o'));
  assert.equal(spec.programs.kprobe_execve?.type, ProgramType.KPROBE);
  assert.equal(spec.programs.kprobe_execve?.sectionName, 'kprobe/sys_execve');
  assert.equal(spec.maps.kprobe_map?.type, MapType.PERCPU_ARRAY);
  assert.equal(spec.maps.kprobe_map?.valueSize, 8);
});

it('kprobe-percpu prints per-CPU counts that add up (or exits with the clear kprobe error)', async (t) => {
  if (!(await kprobesOrClearError(t, 'kprobe-percpu'))) return;
  const ex = startExample('kprobe-percpu');
  try {
    await ex.waitFor(/^attached kprobe to \S*sys_execve/);
    const timer = setInterval(() => spawnSync('/bin/true'), 100);
    let m: RegExpMatchArray;
    try {
      m = await ex.waitFor(/^\S*sys_execve called ([1-9]\d*) times: (.*)$/);
    } finally {
      clearInterval(timer);
    }
    const slots = (m[2] as string).split(' ');
    assert.equal(slots.length, possibleCpus(defaultContext()), 'one value per possible CPU');
    let sum = 0n;
    slots.forEach((slot, cpu) => {
      const c = slot.match(new RegExp(`^cpu${cpu}=(\\d+)$`));
      assert.ok(c, `slot ${cpu}: ${slot}`);
      sum += BigInt(c[1] as string);
    });
    assert.equal(sum, BigInt(m[1] as string));
  } finally {
    assert.equal(await ex.stop(), 0);
  }
});
