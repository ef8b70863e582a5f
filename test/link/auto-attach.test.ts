/**
 * Kernel tests: attaching programs where their ELF section names point (tracepoint, raw_tp, tp_btf, iter),
 * and the clear refusals for sections that name no target or that are not supported yet.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseSectionName } from '../../src/collection/section-names.js';
import { isEbpfError } from '../../src/errors.js';
import { attachFromSection } from '../../src/link/index.js';
import { AttachType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { type CounterMap, count, counterMap, counterProgram, kernelFuncId, tpBtfId } from './helpers.js';

checkFdLeaks();

function openSomething(times = 3): void {
  for (let i = 0; i < times; i++) closeSync(openSync('/proc/self/stat', 'r'));
}

describe('attachFromSection', () => {
  let map: CounterMap;
  before(() => {
    map = counterMap();
  });
  after(() => map.close());

  const traced: Array<
    [section: string, type: number, extra: () => Parameters<typeof counterProgram>[2], trigger: () => void]
  > = [
    ['tracepoint/syscalls/sys_enter_openat', ProgramType.TRACEPOINT, () => ({}), () => openSomething()],
    ['tp/syscalls/sys_enter_openat', ProgramType.TRACEPOINT, () => ({}), () => openSomething()],
    ['raw_tp/sys_enter', ProgramType.RAW_TRACEPOINT, () => ({}), () => openSomething()],
    ['raw_tracepoint/sys_exit', ProgramType.RAW_TRACEPOINT, () => ({}), () => openSomething()],
    [
      'tp_btf/sched_process_exec',
      ProgramType.TRACING,
      () => ({ attachType: AttachType.TRACE_RAW_TP, attachBtfId: tpBtfId('sched_process_exec') }),
      () => execFileSync('true'),
    ],
  ];
  for (const [section, type, extra, trigger] of traced) {
    it(`${section} fires`, () => {
      const pid = section.startsWith('tp_btf') ? undefined : process.pid;
      using prog = counterProgram(map, type, { ...(pid === undefined ? {} : { pid }), ...extra() });
      const start = count(map);
      using _link = attachFromSection(prog, section);
      trigger();
      assert.ok(count(map) > start, `${section} did not fire`);
    });
  }

  it('iter/task from a parsed SectionInfo', async () => {
    using prog = counterProgram(map, ProgramType.TRACING, {
      attachType: AttachType.TRACE_ITER,
      attachBtfId: kernelFuncId('bpf_iter_task'),
    });
    const start = count(map);
    const link = attachFromSection(prog, parseSectionName('iter/task'));
    try {
      assert.equal(link.info().details?.kind, 'iter');
      assert.ok('readAll' in link);
      await (link as { readAll(): Promise<string> }).readAll();
      assert.ok(count(map) - start > 10n, 'the iterator visited the tasks');
    } finally {
      link.close();
    }
  });

  const refusals: Array<[string, (e: unknown) => boolean]> = [
    ['xdp', (e) => /attachXDP/.test((e as Error).message)],
    ['cgroup_skb/egress', (e) => /attachCgroup/.test((e as Error).message)],
    ['tc/ingress', (e) => /attachTCX/.test((e as Error).message)],
    ['socket', (e) => /does not say where to attach/.test((e as Error).message)],
    ['my_custom_section', (e) => /does not say where to attach/.test((e as Error).message)],
    ['usdt/bin:provider:probe', (e) => isEbpfError(e) && e.code === 'ENOENT'],
    ['struct_ops/tcp_ca', (e) => /struct_ops map/.test((e as Error).message)],
  ];
  for (const [section, check] of refusals) {
    it(`refuses ${section}`, () => {
      using prog = counterProgram(map, ProgramType.TRACEPOINT);
      assert.throws(() => attachFromSection(prog, section), check);
    });
  }
});
