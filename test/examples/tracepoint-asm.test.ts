/** tracepoint-asm example: page allocations (forced by touching fresh memory) show up in the mm_page_alloc count. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runExampleToEnd, startExample } from './helpers.js';

/** Allocates and touches ~16 MiB so the kernel hands out fresh pages. */
function touchFreshPages(): void {
  const b = Buffer.alloc(16 << 20);
  for (let i = 0; i < b.length; i += 4096) b[i] = 1;
}

/** The counts printed so far. */
function counts(stdout: string): number[] {
  return stdout
    .split('\n')
    .map((l) => /^mm_page_alloc count=(\d+)$/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
    .map(Number);
}

describe('examples/tracepoint-asm', () => {
  it('counts kmem/mm_page_alloc events, growing while pages are allocated', async () => {
    const ex = startExample('tracepoint-asm');
    try {
      const first = Number((await ex.waitFor(/^mm_page_alloc count=(\d+)$/))[1]);
      touchFreshPages();
      const deadline = Date.now() + 20_000;
      let latest = first;
      while (latest <= first && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        latest = Math.max(first, ...counts(ex.stdout()));
      }
      assert.ok(latest > first, `count did not grow past ${first}:\n${ex.stdout()}`);
    } finally {
      assert.equal(await ex.stop(), 0);
    }
  });

  it('prints JSON ticks (and the program with --disasm) and exits 0 after --duration', async () => {
    const r = await runExampleToEnd('tracepoint-asm', ['--duration', '3', '--json', '--disasm']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /call bpf_map_lookup_elem#1/);
    assert.match(r.stderr, /lock \*\(u64 \*\)\(r0 \+0\) \+= r1/);
    const ticks = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { tracepoint: string; count: number });
    assert.ok(ticks.length >= 1, r.stdout);
    assert.equal(ticks[0]?.tracepoint, 'kmem/mm_page_alloc');
    assert.ok((ticks.at(-1)?.count ?? 0) > 0, r.stdout);
  });
});
