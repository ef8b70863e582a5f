/** loading example: spec contents, the __u64 BTF type, full and selective loads, and a test run. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runExampleToEnd } from './helpers.js';

describe('examples/loading', () => {
  it('prints the spec, the __u64 type, what each load created and a test run', async () => {
    const r = await runExampleToEnd('loading', []);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    for (const re of [
      /^spec\.program count_xdp: XDP section=xdp$/,
      /^spec\.program count_writes: TRACEPOINT section=tracepoint\/syscalls\/sys_enter_write$/,
      /^spec\.map xdp_packets: ARRAY key=4 value=8 max=1$/,
      /^spec\.map writes_by_pid: HASH key=4 value=8 max=1024$/,
      /^spec\.types __u64: typedef __u64 -> int "unsigned long long" \(8 bytes, unsigned\)$/,
      /^newCollection: programs=\[count_xdp#\d+,count_writes#\d+\] maps=\[xdp_packets#\d+,writes_by_pid#\d+\]$/,
      /^loadAndAssign: programs=\[count_xdp#\d+\] maps=\[xdp_packets#\d+\]$/,
      /^testRun count_xdp: retval=2 xdp_packets=5$/,
    ]) {
      assert.ok(
        lines.some((l) => re.test(l)),
        `no line matches ${re}:\n${r.stdout}`,
      );
    }
  });

  it('prints one JSON object with --json', async () => {
    const r = await runExampleToEnd('loading', ['--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(out.loadAndAssign, { programs: ['count_xdp'], maps: ['xdp_packets'] });
    assert.deepEqual(out['testRun count_xdp'], { retval: 2, packets: 5 });
    assert.match(String(out['spec.types __u64']), /^typedef __u64 -> int/);
  });
});
