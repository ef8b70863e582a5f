/**
 * Kernel tests: uprobes and uretprobes on a small C binary built for the test (exact call counts), on libc's
 * getpid, with pid filtering, BPF cookies, the USDT semaphore (ref_ctr_offset), and uprobe_multi.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseElf } from '../../src/elf/index.js';
import { attachFromSection, openExecutable } from '../../src/link/index.js';
import { AttachType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { removeUprobeTarget, startTarget, uprobeTarget } from './fixture-binary.js';
import { type CounterMap, count, counterMap, counterProgram } from './helpers.js';

checkFdLeaks();
after(removeUprobeTarget);

const N = 25;

/** File offset of the fixture's `ebpfts_semaphore` (a data symbol, in a segment where vaddr ≠ offset). */
function semaphoreOffset(path: string): bigint {
  const elf = parseElf(readFileSync(path));
  const sym = elf.symbols().find((s) => s.name === 'ebpfts_semaphore');
  assert.ok(sym);
  const off = elf.virtualAddressToFileOffset(sym.value);
  assert.ok(off !== undefined);
  assert.notEqual(BigInt(off), sym.value, 'the fixture should exercise a non-identity mapping');
  return BigInt(off);
}

describe('uprobes', () => {
  let map: CounterMap;
  before(() => {
    map = counterMap();
  });
  after(() => map.close());

  it('uprobe on a function of the test binary counts every call', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const start = count(map);
    const target = startTarget(N);
    using link = openExecutable(uprobeTarget()).uprobe('ebpfts_target_add', prog);
    const out = await target.go();
    assert.match(out, /semaphore=0/);
    assert.equal(count(map) - start, BigInt(N));
    const details = link.info().details;
    assert.ok(details?.kind === 'perf_event' && details.event.type === 'uprobe');
    assert.equal(details.event.file, uprobeTarget());
    assert.equal(
      BigInt(details.event.offset),
      openExecutable(uprobeTarget()).symbolOffset('ebpfts_target_add'),
    );
  });

  it('uretprobe counts every return', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const start = count(map);
    const target = startTarget(N);
    using link = openExecutable(uprobeTarget()).uretprobe('ebpfts_target_other', prog);
    await target.go();
    assert.equal(count(map) - start, BigInt(N));
    const details = link.info().details;
    assert.ok(details?.kind === 'perf_event' && details.event.type === 'uretprobe');
  });

  it('the pid option limits the probe to one process', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const start = count(map);
    const a = startTarget(N);
    const b = startTarget(N);
    {
      using _link = openExecutable(uprobeTarget()).uprobe('ebpfts_target_add', prog, { pid: a.pid });
      await Promise.all([a.go(), b.go()]);
    }
    assert.equal(count(map) - start, BigInt(N));
  });

  it('uprobe on libc getpid fires in the target process', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const start = count(map);
    const target = startTarget(N);
    {
      using _link = openExecutable('libc.so.6').uprobe('getpid', prog, { pid: target.pid });
      await target.go();
    }
    assert.ok(count(map) - start >= BigInt(N), `getpid probe fired ${count(map) - start} times`);
  });

  it('passes the BPF cookie', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE, { addCookie: true });
    const start = count(map);
    const target = startTarget(N);
    {
      using link = openExecutable(uprobeTarget()).uprobe('ebpfts_target_add', prog, { cookie: 7n });
      await target.go();
      const d = link.info().details;
      assert.ok(d?.kind === 'perf_event' && d.event.type === 'uprobe' && d.event.cookie === 7n);
    }
    assert.equal(count(map) - start, BigInt(7 * N));
  });

  it('raises the USDT semaphore while attached with refCtrOffset', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const path = uprobeTarget();
    const target = startTarget(1);
    let out: string;
    {
      using _link = openExecutable(path).uprobe('ebpfts_target_add', prog, {
        refCtrOffset: semaphoreOffset(path),
      });
      out = await target.go();
    }
    assert.match(out, /semaphore=1 /);
  });

  it('probes an explicit file offset plus an instruction offset', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const exe = openExecutable(uprobeTarget());
    const start = count(map);
    const target = startTarget(N);
    {
      using _link = exe.uprobe('add-by-address', prog, { address: exe.symbolOffset('ebpfts_target_add') });
      await target.go();
    }
    assert.equal(count(map) - start, BigInt(N));
  });

  it('uprobe_multi attaches to every function matching a glob with one link', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE, { attachType: AttachType.TRACE_UPROBE_MULTI });
    const start = count(map);
    const target = startTarget(N);
    {
      using link = openExecutable(uprobeTarget()).uprobeMulti(prog, { symbols: ['ebpfts_target_*'] });
      await target.go();
      const d = link.info().details;
      assert.ok(d?.kind === 'uprobe_multi');
      assert.equal(d.count, 2);
      assert.equal(d.path, uprobeTarget());
    }
    assert.equal(count(map) - start, BigInt(2 * N));
  });

  it('uretprobe_multi with cookies', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE, {
      attachType: AttachType.TRACE_UPROBE_MULTI,
      addCookie: true,
    });
    const start = count(map);
    const target = startTarget(N);
    {
      using _link = openExecutable(uprobeTarget()).uretprobeMulti(prog, {
        symbols: ['ebpfts_target_add', 'ebpfts_target_other'],
        cookies: [1n, 100n],
      });
      await target.go();
    }
    assert.equal(count(map) - start, BigInt(101 * N));
  });

  it('auto-attaches from a uprobe section name', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const start = count(map);
    const target = startTarget(N);
    {
      using _link = attachFromSection(prog, `uprobe/${uprobeTarget()}:ebpfts_target_other`);
      await target.go();
    }
    assert.equal(count(map) - start, BigInt(N));
  });

  it('legacy mode creates a tracefs uprobe event, and removes it on close', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const events = (): string[] =>
      readFileSync('/sys/kernel/tracing/uprobe_events', 'utf8')
        .split('\n')
        .filter((l) => l.includes(`ebpfts/ebpfts_${process.pid}_`));
    const before = events().length;
    const start = count(map);
    const target = startTarget(N);
    const link = openExecutable(uprobeTarget()).uprobe('ebpfts_target_add', prog, { legacy: true });
    try {
      const mine = events();
      assert.equal(mine.length, before + 1);
      assert.match(mine.at(-1) ?? '', /^p:ebpfts\/ebpfts_\d+_ebpfts_target_add_[0-9a-f]{8} /);
      await target.go();
      const d = link.info().details;
      assert.ok(d?.kind === 'perf_event' && d.event.type === 'uprobe', 'the kernel reports the probe itself');
      assert.equal(d.event.file, uprobeTarget());
    } finally {
      link.close();
    }
    assert.equal(count(map) - start, BigInt(N));
    assert.equal(events().length, before, 'the tracefs event is gone');
  });

  it('legacy uretprobe with a reference counter', async () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    const path = uprobeTarget();
    const start = count(map);
    const target = startTarget(N);
    let out: string;
    {
      using _link = openExecutable(path).uretprobe('ebpfts_target_add', prog, {
        legacy: true,
        refCtrOffset: semaphoreOffset(path),
      });
      out = await target.go();
    }
    assert.match(out, /semaphore=1 /);
    assert.equal(count(map) - start, BigInt(N));
  });

  it('names the symbol when it is missing', () => {
    using prog = counterProgram(map, ProgramType.KPROBE);
    assert.throws(
      () => openExecutable(uprobeTarget()).uprobe('no_such_symbol', prog),
      /no_such_symbol.*not found/,
    );
  });
});
