/**
 * Smoke test of the collection-load benchmark: runs `bench/collection-load.ts --rounds 1 --reps 1 --json`
 * once (compiling the libbpf baseline into a temporary directory) and checks that libbpf and both ebpf-ts
 * variants produced positive, finite ns/op and ratios, and that the text formatter names every side.
 * Needs root, gcc, libbpf-dev and libelf-dev, like the other kernel tests (scripts/setup.sh installs them).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import type { CollectionLoadResult } from '../../bench/collection-load.js';
import { formatCollectionLoadResult } from '../../bench/collection-load.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('bench/collection-load.ts --json', () => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/collection-load.ts', '--rounds', '1', '--reps', '1', '--json'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );

  const result = (): CollectionLoadResult => {
    const parsed = JSON.parse(r.stdout) as { result: CollectionLoadResult };
    return parsed.result;
  };

  it('exits 0 and prints a JSON report', () => {
    assert.equal(r.error, undefined);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(result().case, 'collection-load');
  });

  it('measures libbpf and ebpf-ts (cold and warm) with positive numbers', () => {
    const x = result();
    for (const [name, v] of [
      ['libbpf', x.libbpf.nsPerOp],
      ['ebpf-ts cold', x.ebpfTsCold.nsPerOp],
      ['ebpf-ts warm', x.ebpfTsWarm.nsPerOp],
      ['ratio', x.ratio],
      ['warm ratio', x.warmRatio],
      ['newCollection', x.breakdown.loadNs],
    ] as const)
      assert.ok(Number.isFinite(v) && v > 0, `${name} = ${v}`);
    assert.equal(x.withinTarget, x.ratio <= x.target);
  });

  it('formats every side in the text report', () => {
    const text = formatCollectionLoadResult(result());
    for (const side of ['libbpf', 'ebpf-ts cold', 'ebpf-ts warm', 'breakdown'])
      assert.match(text, new RegExp(side));
  });

  it('rejects a non-numeric --reps with exit code 2', () => {
    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'bench/collection-load.ts', '--reps', 'x'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--reps/);
  });
});
