/**
 * execsnoop: prints every successful execve (pid, ppid, uid, comm, filename) from the
 * `sched/sched_process_exec` tracepoint, sent through a PERF_EVENT_ARRAY and read with `PerfReader`.
 * Events are decoded with a codec built at run time from the object's BTF (`codecFor`).
 */
import { loadCollectionSpec, newCollection } from 'ebpf-ts';
import { codecFor } from 'ebpf-ts/btf';
import { tracepoint } from 'ebpf-ts/link';
import { PerfReader } from 'ebpf-ts/perf';
import { bpfObject, runExample } from '../lib/run.js';

/** `struct exec_event` of bpf/execsnoop.bpf.c. */
interface ExecEvent {
  pid: number;
  ppid: number;
  uid: number;
  comm: string;
  filename: string;
}

runExample('execsnoop: trace execve through a perf event array', {}, async ({ signal, json }) => {
  const spec = loadCollectionSpec(bpfObject('execsnoop'));
  if (!spec.types) throw new Error('execsnoop.bpf.o has no BTF');
  const codec = codecFor<ExecEvent>(spec.types.typeByName('exec_event'));
  using objects = newCollection(spec);
  const program = objects.programs.trace_exec;
  const events = objects.maps.events;
  if (!program || !events) throw new Error('execsnoop.bpf.o lacks trace_exec or events');
  using _link = tracepoint('sched', 'sched_process_exec', program);
  await using reader = new PerfReader(events, { perCpuBufferBytes: 64 * 1024 });
  const stop = (): void => reader.close();
  signal.addEventListener('abort', stop, { once: true });
  if (!json) console.log('tracing execve... Ctrl-C to stop');
  for await (const record of reader) {
    if (record.lost > 0) {
      console.error(`cpu ${record.cpu}: lost ${record.lost} events`);
      continue;
    }
    // Perf samples carry up to 7 bytes of padding after the struct: decode only its bytes.
    const e = codec.decode(record.sample.subarray(0, codec.size));
    if (json) console.log(JSON.stringify(e));
    else console.log(`pid=${e.pid} ppid=${e.ppid} uid=${e.uid} comm=${e.comm} file=${e.filename}`);
  }
  signal.removeEventListener('abort', stop);
});
