/**
 * Kernel tests: tracepoint, raw tracepoint and tp_btf programs attached for real, counting events the test
 * itself causes (filtered to this process), and no more counting once the link is closed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { attachTracing, rawTracepoint, tracepoint } from '../../src/link/index.js';
import { AttachType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { type CounterMap, count, counterMap, counterProgram, tpBtfId } from './helpers.js';

checkFdLeaks();

function openSomething(times: number): void {
  for (let i = 0; i < times; i++) closeSync(openSync('/proc/self/stat', 'r'));
}

describe('tracepoint', () => {
  let map: CounterMap;
  before(() => {
    map = counterMap();
  });
  after(() => map.close());

  it('syscalls/sys_enter_openat sees the files this process opens, and stops when closed', () => {
    using prog = counterProgram(map, ProgramType.TRACEPOINT, { pid: process.pid });
    const start = count(map);
    const link = tracepoint('syscalls', 'sys_enter_openat', prog);
    openSomething(5);
    const seen = count(map) - start;
    assert.ok(seen >= 5n, `saw ${seen} openat calls, expected at least 5`);
    const info = link.info();
    assert.equal(info.typeName, 'perf_event');
    assert.equal(info.programId, prog.info().id);
    assert.deepEqual(info.details, {
      kind: 'perf_event',
      event: { type: 'tracepoint', name: 'sys_enter_openat', cookie: 0n },
    });
    link.close();
    const stopped = count(map);
    openSomething(3);
    assert.equal(count(map), stopped);
  });

  it('passes the BPF cookie', () => {
    using prog = counterProgram(map, ProgramType.TRACEPOINT, { pid: process.pid, addCookie: true });
    const start = count(map);
    {
      using link = tracepoint('syscalls', 'sys_enter_openat', prog, { cookie: 1000n });
      openSomething(2);
      const details = link.info().details;
      assert.ok(details?.kind === 'perf_event' && details.event.type === 'tracepoint');
      assert.equal(details.event.cookie, 1000n);
    }
    const added = count(map) - start;
    assert.ok(added >= 2000n && added % 1000n === 0n, `added ${added}`);
  });

  it('reports an unknown tracepoint clearly', () => {
    using prog = counterProgram(map, ProgramType.TRACEPOINT);
    assert.throws(() => tracepoint('syscalls', 'sys_enter_no_such_call', prog), {
      code: 'ENOENT',
      message: /tracepoint syscalls\/sys_enter_no_such_call: not found/,
    });
  });
});

describe('raw tracepoint and tp_btf', () => {
  let map: CounterMap;
  before(() => {
    map = counterMap();
  });
  after(() => map.close());

  it('raw_tp sys_enter fires for this process', () => {
    using prog = counterProgram(map, ProgramType.RAW_TRACEPOINT, { pid: process.pid });
    const start = count(map);
    using link = rawTracepoint({ name: 'sys_enter', program: prog });
    openSomething(3);
    assert.ok(count(map) - start >= 3n);
    assert.deepEqual(link.info().details, { kind: 'raw_tracepoint', name: 'sys_enter', cookie: 0n });
  });

  it('raw_tp on an unknown tracepoint fails with the name in the message', () => {
    using prog = counterProgram(map, ProgramType.RAW_TRACEPOINT);
    assert.throws(
      () => rawTracepoint({ name: 'no_such_raw_tp', program: prog }),
      /raw tracepoint no_such_raw_tp/,
    );
  });

  it('tp_btf sched_switch fires when processes switch', () => {
    using prog = counterProgram(map, ProgramType.TRACING, {
      attachType: AttachType.TRACE_RAW_TP,
      attachBtfId: tpBtfId('sched_switch'),
    });
    const start = count(map);
    using link = attachTracing({ program: prog });
    execFileSync('true');
    assert.ok(count(map) - start > 0n);
    const info = link.info();
    assert.equal(info.typeName, 'raw_tracepoint');
    assert.equal(info.details?.kind === 'raw_tracepoint' && info.details.name, 'sched_switch');
  });
});
