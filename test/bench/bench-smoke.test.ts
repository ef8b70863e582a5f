/**
 * Smoke test of the map benchmarks: runs `bench/run.ts --quick --json` once (compiling the libbpf baseline
 * if needed) and checks that every case produced positive, finite ns/op for ebpf-ts and libbpf.
 * Needs root, gcc and libbpf-dev, like the rest of the kernel tests (scripts/setup.sh installs them).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { CASE_NAMES } from '../../bench/lib/cases.js';
import type { BenchReport } from '../../bench/lib/report.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Variants every map case must have (the public API's byte path and its codec path). */
const MAP_API_VARIANTS = ['raw', 'typed'];

describe('bench/run.ts --quick --json', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });

  it('exits 0 and prints a JSON report', () => {
    assert.equal(r.error, undefined);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as BenchReport;
    assert.ok(Array.isArray(report.results));
  });

  it('measures every case on both sides with positive numbers', () => {
    const report = JSON.parse(r.stdout) as BenchReport;
    for (const name of CASE_NAMES) {
      const rows = report.results.filter((x) => x.case === name);
      assert.ok(rows.length > 0, `no result for ${name}`);
      for (const row of rows) {
        for (const [side, v] of [
          ['ebpf-ts', row.ebpfTs.nsPerOp],
          ['libbpf', row.libbpf.nsPerOp],
          ['ratio', row.ratio],
        ] as const)
          assert.ok(Number.isFinite(v) && v > 0, `${name}/${row.variant}: ${side} = ${v}`);
      }
      if (name !== 'syscall-floor') {
        const variants = rows.map((x) => x.variant);
        for (const v of MAP_API_VARIANTS) assert.ok(variants.includes(v), `${name}: no ${v} variant`);
      }
    }
  });
});
