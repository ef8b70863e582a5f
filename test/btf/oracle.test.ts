import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { dumpRaw, loadSpec } from '../../src/btf/index.js';
import { bpftoolRaw, extractSection, fixtureObjects, normalizeDump, ROOT } from './helpers.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

/** Compares two dumps line by line, reporting the first difference with its type header. */
function assertSameDump(ours: string, theirs: string, what: string): void {
  const a = normalizeDump(ours);
  const b = normalizeDump(theirs);
  const n = Math.min(a.length, b.length);
  let header = '';
  for (let i = 0; i < n; i++) {
    if (a[i]?.startsWith('[')) header = a[i] as string;
    if (a[i] !== b[i])
      assert.fail(`${what}: line ${i + 1} (in ${header}):\n ours:    ${a[i]}\n bpftool: ${b[i]}`);
  }
  assert.equal(a.length, b.length, `${what}: line count`);
}

describe('raw dump matches bpftool btf dump format raw', () => {
  it('all types of the running kernel', () => {
    assert.ok(existsSync(VMLINUX), 'this kernel exposes no /sys/kernel/btf/vmlinux');
    const spec = loadSpec(new Uint8Array(readFileSync(VMLINUX)));
    assert.ok(spec.typeCount > 1000, `only ${spec.typeCount} types`);
    assertSameDump(dumpRaw(spec), bpftoolRaw(VMLINUX), 'vmlinux');
  });

  // every committed object: the fixtures (both byte orders), the examples' objects and the bench producer
  const objects = [
    ...fixtureObjects(),
    ...['bpf', join('bpf', 'bench')].flatMap((d) =>
      readdirSync(join(ROOT, d))
        .filter((f) => f.endsWith('.bpf.o'))
        .sort()
        .map((f) => join(ROOT, d, f)),
    ),
  ];
  it('has fixtures to compare', () => {
    assert.ok(objects.some((o) => o.endsWith('btf_types.bpf.o')));
    assert.ok(objects.some((o) => o.endsWith('btf_types.bpfeb.o')));
    assert.ok(objects.some((o) => o.endsWith('xdp-counter.bpf.o')));
  });
  for (const obj of objects) {
    it(basename(obj), () => {
      const btf = extractSection(obj, '.BTF');
      assert.ok(btf, `${obj} has no .BTF`);
      assertSameDump(dumpRaw(loadSpec(btf)), bpftoolRaw(obj), basename(obj));
    });
  }
});
