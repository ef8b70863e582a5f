/**
 * sigsnoop: prints every kill(2) with its result. `sys_enter_kill` stores the call in a HASH keyed by
 * thread id, `sys_exit_kill` completes it with the return value and sends it through a ring buffer.
 */
import { constants } from 'node:os';
import { tracepoint } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { loadSigsnoopObjects, signalEventCodec } from './sigsnoop.gen.js';

const signalNames = new Map<number, string>(
  Object.entries(constants.signals).map(([name, num]) => [num as number, name]),
);

runExample(
  'sigsnoop: trace kill(2) (tracepoints syscalls/sys_enter_kill + sys_exit_kill)',
  {},
  async ({ signal, json }) => {
    using objects = loadSigsnoopObjects();
    using _enter = tracepoint('syscalls', 'sys_enter_kill', objects.programs.killEntry);
    using _exit = tracepoint('syscalls', 'sys_exit_kill', objects.programs.killExit);
    await using reader = new RingBufReader(objects.maps.events);
    const stop = (): void => reader.close();
    signal.addEventListener('abort', stop, { once: true });
    if (!json) console.log('tracing kill(2)... Ctrl-C to stop');
    for await (const { sample } of reader) {
      const e = signalEventCodec.decode(sample);
      const name = e.sig === 0 ? '0' : (signalNames.get(e.sig) ?? String(e.sig));
      if (json) console.log(JSON.stringify({ ...e, signal: name }));
      else
        console.log(`pid=${e.pid} comm=${e.comm} target=${e.target_pid} sig=${e.sig} (${name}) ret=${e.ret}`);
    }
    signal.removeEventListener('abort', stop);
  },
);
