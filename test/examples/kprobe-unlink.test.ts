/**
 * kprobe-unlink: the object has the do_unlinkat kprobe/kretprobe pair; where kprobes exist, removing a
 * file reports its path (CO-RE read) and result, and removing a missing file reports -ENOENT.
 */
import assert from 'node:assert/strict';
import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadCollectionSpec, MapType, ProgramType } from '../../src/index.js';
import { startExample } from './helpers.js';
import { kprobesOrClearError } from './kprobe-support.js';

it('the object has a kprobe and a kretprobe on do_unlinkat and a ring buffer', () => {
  const spec = loadCollectionSpec(join(import.meta.dirname, '..', '..', 'bpf', 'kprobe-unlink.bpf.o'));
  assert.equal(spec.programs.do_unlinkat_entry?.type, ProgramType.KPROBE);
  assert.equal(spec.programs.do_unlinkat_entry?.sectionName, 'kprobe/do_unlinkat');
  assert.equal(spec.programs.do_unlinkat_exit?.sectionName, 'kretprobe/do_unlinkat');
  assert.equal(spec.maps.events?.type, MapType.RINGBUF);
  assert.equal(spec.maps.in_flight?.type, MapType.HASH);
});

it('kprobe-unlink reports removed files with their result (or exits with the clear kprobe error)', async (t) => {
  if (!(await kprobesOrClearError(t, 'kprobe-unlink'))) return;
  const base = join(tmpdir(), `kprobe-unlink-${process.pid}-${Date.now()}`);
  const ex = startExample('kprobe-unlink');
  try {
    await ex.waitFor(/^attached kprobe and kretprobe to (do_unlinkat|filename_unlinkat)/); // renamed in 7.x
    let i = 0;
    const timer = setInterval(() => {
      const file = `${base}-${i++}`;
      writeFileSync(file, 'x');
      unlinkSync(file);
    }, 100);
    try {
      await ex.waitFor(new RegExp(`^pid=${process.pid} comm=\\S+ file=${base}-\\d+ ret=0$`));
    } finally {
      clearInterval(timer);
    }
    assert.throws(() => unlinkSync(`${base}-missing`), { code: 'ENOENT' });
    await ex.waitFor(new RegExp(`^pid=${process.pid} comm=\\S+ file=${base}-missing ret=-2$`));
  } finally {
    assert.equal(await ex.stop(), 0);
    for (let j = 0; j < 100; j++) rmSync(`${base}-${j}`, { force: true });
  }
});
