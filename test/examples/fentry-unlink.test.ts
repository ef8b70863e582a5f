/**
 * fentry-unlink example (fentry/fexit on do_unlinkat or filename_unlinkat, picked from kernel BTF). Where the
 * kernel runs fentry programs, unlinking a file shows the name on entry and ret=0 on exit, and unlinking a
 * missing file ret=-2 (ENOENT); where it refuses them (this project's CI kernel), the example exits 1 with
 * the one-line "kernel lacks fentry" error, and the test is skipped through `requireFeature` after checking that.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findKernelFunction } from '../../src/btf/index.js';
import { loadCollectionSpec, newCollection } from '../../src/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { requireFeature } from '../helpers/require-feature.js';
import { runExampleToEnd, startExample } from './helpers.js';

checkFdLeaks();

const OBJECT = new URL('../../bpf/fentry-unlink.bpf.o', import.meta.url).pathname;

/** The unlinkat worker this kernel has (what the example picks). */
function kernelTarget(): string {
  for (const name of ['filename_unlinkat', 'do_unlinkat']) {
    try {
      findKernelFunction(name, { attach: 'function' });
      return name;
    } catch {
      // next
    }
  }
  throw new Error('no unlinkat worker in kernel BTF');
}

describe('fentry-unlink', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fentry-unlink-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the object has the fentry and fexit programs', () => {
    const spec = loadCollectionSpec(OBJECT);
    assert.equal(spec.programs.unlink_entry?.sectionName, 'fentry/do_unlinkat');
    assert.equal(spec.programs.unlink_exit?.sectionName, 'fexit/do_unlinkat');
    assert.ok(spec.maps.events);
  });

  it('reports unlinks with their return value, or exits with the clear error', async (t) => {
    const target = kernelTarget();
    const have = requireFeature(t, 'fentry', () => {
      const spec = loadCollectionSpec(OBJECT);
      for (const p of Object.values(spec.programs)) p.attachTo = target;
      newCollection(spec).close();
    });
    if (!have) {
      const r = await runExampleToEnd('fentry-unlink', []);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: kernel lacks fentry\b.*examples\/opensnoop.*\n$/);
      assert.equal(r.stdout, '');
      return;
    }
    const ex = startExample('fentry-unlink');
    const name = join(dir, 'victim');
    const missing = join(dir, 'never-there');
    const trigger = setInterval(() => {
      writeFileSync(name, 'x');
      unlinkSync(name);
      try {
        unlinkSync(missing);
      } catch {
        // ENOENT expected
      }
    }, 200);
    try {
      const fn = target;
      await ex.waitFor(new RegExp(`^fentry ${fn} pid=${process.pid} comm=\\S+ filename=${name}$`));
      await ex.waitFor(new RegExp(`^fexit  ${fn} pid=${process.pid} comm=\\S+ filename=${name} ret=0$`));
      await ex.waitFor(new RegExp(`^fexit  ${fn} pid=${process.pid} comm=\\S+ filename=${missing} ret=-2$`));
    } finally {
      clearInterval(trigger);
      assert.equal(await ex.stop(), 0, ex.stderr());
    }
  });
});
