import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTraceLine, type TraceLine } from '../../src/tracepipe/parse.js';

const CASES: Array<[string, Partial<TraceLine>]> = [
  [
    '           <...>-13941   [001] ...1.   925.065894: tracing_mark_write: hi',
    {
      task: '<...>',
      pid: 13941,
      cpu: 1,
      flags: '...1.',
      timestamp: 925.065894,
      event: 'tracing_mark_write',
      message: 'hi',
      tgid: undefined,
    },
  ],
  [
    '            bash-1234    [000] d..31  1234.567890: bpf_trace_printk: execve from pid 1234: ls',
    {
      task: 'bash',
      pid: 1234,
      cpu: 0,
      flags: 'd..31',
      event: 'bpf_trace_printk',
      message: 'execve from pid 1234: ls',
    },
  ],
  [
    '           <...>-13941   (-------) [001] ...1.   926.100823: tracing_mark_write: hi2',
    { task: '<...>', pid: 13941, tgid: undefined, cpu: 1, message: 'hi2' },
  ],
  [
    '  kworker/u4:1-77      (     77) [001] .....    55.100000: bpf_trace_printk: x: y',
    { task: 'kworker/u4:1', pid: 77, tgid: 77, cpu: 1, message: 'x: y' },
  ],
  [
    '     node-2-9   [003] .N...    10.000001: bpf_trace_printk: dash-in-comm',
    { task: 'node-2', pid: 9, cpu: 3, message: 'dash-in-comm' },
  ],
];

describe('parseTraceLine', () => {
  for (const [line, want] of CASES) {
    it(line.trim().slice(0, 50), () => {
      const got = parseTraceLine(line);
      assert.ok(got, 'parsed');
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof typeof got], v, k);
    });
  }
  it('rejects lines of another shape', () => {
    assert.equal(parseTraceLine('CPU:1 [LOST 3 EVENTS]'), undefined);
    assert.equal(parseTraceLine(''), undefined);
  });
});
