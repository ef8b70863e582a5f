import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { HelperId, type HelperName, helperName } from '../../src/asm/index.js';

describe('helper ids', () => {
  const spots: [HelperName, number][] = [
    ['unspec', 0],
    ['map_lookup_elem', 1],
    ['map_update_elem', 2],
    ['trace_printk', 6],
    ['get_current_pid_tgid', 14],
    ['perf_event_output', 25],
    ['ringbuf_output', 130],
    ['ringbuf_reserve', 131],
    ['user_ringbuf_drain', 209],
  ];
  for (const [name, id] of spots) {
    it(`${name} = ${id}, and back`, () => {
      assert.equal(HelperId[name], id);
      assert.equal(helperName(id), name);
    });
  }

  it('is dense and one-to-one', () => {
    const ids = Object.values(HelperId).sort((a, b) => a - b);
    assert.deepEqual(
      ids,
      ids.map((_, i) => i),
    );
    for (const [name, id] of Object.entries(HelperId)) assert.equal(helperName(id), name);
    assert.equal(helperName(ids.length), undefined);
    assert.equal(helperName(-1), undefined);
    assert.equal(helperName(1.5), undefined);
  });

  it("agrees with libbpf's bpf_helper_defs.h on every helper it declares", () => {
    const defs = readFileSync('/usr/include/bpf/bpf_helper_defs.h', 'utf8');
    const declared = [...defs.matchAll(/\(\*bpf_(\w+)\)\(.*\) = \(void \*\) (\d+);/g)];
    assert.ok(declared.length > 200);
    for (const m of declared) {
      assert.equal(HelperId[m[1] as HelperName], Number(m[2]), m[1]);
    }
  });
});
