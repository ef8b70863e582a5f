/**
 * opensnoop: prints every openat(2) call (pid, comm, filename) from a tracepoint on
 * `syscalls/sys_enter_openat`, read through a ring buffer. `--pid` sets the program's `pid_target`
 * constant before loading so the kernel side filters.
 */
import { newCollection } from 'ebpf-ts';
import { tracepoint } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { loadOpensnoopSpec, openEventCodec } from './opensnoop.gen.js';

runExample(
  'opensnoop: trace openat(2) calls (tracepoint syscalls/sys_enter_openat)',
  { pid: { type: 'string', description: 'only report this process id' } },
  async ({ signal, json, flags }) => {
    const pid = Number(flags.pid ?? 0);
    if (!Number.isInteger(pid) || pid < 0) throw new Error(`--pid: not a process id: ${flags.pid}`);
    const spec = loadOpensnoopSpec();
    spec.rewriteConstants({ pid_target: pid });
    using objects = newCollection(spec);
    const program = objects.programs.trace_openat;
    const events = objects.maps.events;
    if (!program || !events) throw new Error('opensnoop.bpf.o lacks trace_openat or events');
    using _link = tracepoint('syscalls', 'sys_enter_openat', program);
    await using reader = new RingBufReader(events);
    const stop = (): void => reader.close();
    signal.addEventListener('abort', stop, { once: true });
    if (!json) console.log(`tracing openat${pid ? ` of pid ${pid}` : ''}... Ctrl-C to stop`);
    for await (const { sample } of reader) {
      const e = openEventCodec.decode(sample);
      if (json) console.log(JSON.stringify(e));
      else
        console.log(
          `pid=${e.pid} tid=${e.tid} comm=${e.comm} flags=0x${(e.flags >>> 0).toString(16)} file=${e.filename}`,
        );
    }
    signal.removeEventListener('abort', stop);
  },
);
