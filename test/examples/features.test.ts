/** features example: a support table covering every program and map type, plus helper and misc probes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MapType, ProgramType } from '../../src/index.js';
import { runExampleToEnd } from './helpers.js';

interface Row {
  kind: string;
  name: string;
  status: string;
  detail?: string;
}

describe('examples/features', () => {
  it('prints one row per program type, map type, default helper and misc probe', async () => {
    const r = await runExampleToEnd('features', []);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    for (const l of lines)
      assert.match(l, /^(program|map|helper|misc) +\S.* (yes|no( \(>= [\d.]+\))?|error: .+)$/);
    const names = Object.keys(ProgramType).length - 1 + Object.keys(MapType).length - 1;
    assert.ok(lines.length > names, `${lines.length} rows`);
    for (const want of [
      /^program XDP +yes$/,
      /^program TRACEPOINT +yes$/,
      /^map +ARRAY +yes$/,
      /^map +RINGBUF +yes$/,
      /^helper +TRACEPOINT\/bpf_map_lookup_elem +yes$/,
      /^misc +bounded loops +yes$/,
    ]) {
      assert.ok(
        lines.some((l) => want.test(l)),
        `no row ${want}`,
      );
    }
    assert.match(r.stderr, /^\d+ probes: \d+ yes, \d+ no, 0 errors$/m);
  });

  it('--helpers probes every helper for one program type, as JSON', async () => {
    const r = await runExampleToEnd('features', ['--helpers', 'xdp', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Row[];
    assert.ok(rows.length > 100);
    assert.ok(rows.every((x) => x.kind === 'helper' && x.name.startsWith('XDP/bpf_')));
    const status = (n: string): string | undefined => rows.find((x) => x.name === `XDP/bpf_${n}`)?.status;
    assert.equal(status('xdp_adjust_head'), 'yes');
    assert.equal(status('redirect_map'), 'yes');
    // A kprobe-only helper is refused for XDP programs.
    assert.equal(status('override_return'), 'no');
  });

  it('rejects an unknown program type', async () => {
    const r = await runExampleToEnd('features', ['--helpers', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: unknown program type nope/m);
  });
});
