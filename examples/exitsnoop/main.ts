/**
 * exitsnoop: prints one line per process exit — pid, parent pid, command, how long the process lived and its
 * exit code (or the signal that killed it) — read from a ring buffer filled by a program on the
 * `sched/sched_process_exit` tracepoint.
 */
import { tracepoint } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { type ExitEvent, exitEventCodec, loadExitsnoopObjects } from './exitsnoop.gen.js';

/** One output line for an exit event. */
function formatExit(e: ExitEvent, json: boolean): string {
  const durationMs = Number(e.duration_ns) / 1e6;
  if (json) return JSON.stringify({ ...e, duration_ns: e.duration_ns.toString() });
  const how = e.signal !== 0 ? `signal=${e.signal}` : `code=${e.exit_code}`;
  return `pid=${e.pid} ppid=${e.ppid} comm=${e.comm} duration_ms=${durationMs.toFixed(3)} ${how}`;
}

runExample(
  'exitsnoop: trace process exits (pid, comm, lifetime, exit code) through a ring buffer',
  {},
  async ({ signal, json }) => {
    using objs = loadExitsnoopObjects();
    using _link = tracepoint('sched', 'sched_process_exit', objs.programs.handleExit);
    await using reader = new RingBufReader(objs.maps.events, { signal });
    process.stderr.write('tracing process exits... Ctrl-C to stop\n');
    while (!signal.aborted) {
      try {
        const { sample } = await reader.read();
        process.stdout.write(`${formatExit(exitEventCodec.decode(sample), json)}\n`);
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
    }
  },
);
