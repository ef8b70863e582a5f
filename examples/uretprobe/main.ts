/**
 * uretprobe: prints every line bash's `readline()` returns (in any bash on the system), from a uretprobe
 * on `readline` in /bin/bash, sent through a PERF_EVENT_ARRAY. `--binary` probes another bash (or any
 * program exporting `readline`), `--pid` only one process.
 */
import { openExecutable } from 'ebpf-ts/link';
import { PerfReader } from 'ebpf-ts/perf';
import { runExample } from '../lib/run.js';
import { loadUretprobeObjects, readlineEventCodec } from './uretprobe.gen.js';

runExample(
  'uretprobe: lines returned by bash readline() (uretprobe on /bin/bash:readline)',
  {
    binary: {
      type: 'string',
      default: '/bin/bash',
      description: 'program or library to probe (default /bin/bash)',
    },
    pid: { type: 'string', description: 'only this process' },
  },
  async ({ signal, json, flags }) => {
    const binary = flags.binary ?? '/bin/bash';
    const pid = flags.pid === undefined ? undefined : Number(flags.pid);
    if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0))
      throw new Error(`--pid: not a process id: ${flags.pid}`);
    const bash = openExecutable(binary);
    using objects = loadUretprobeObjects();
    using _link = bash.uretprobe('readline', objects.programs.uretprobeReadline, pid ? { pid } : {});
    await using reader = new PerfReader(objects.maps.events);
    const stop = (): void => reader.close();
    signal.addEventListener('abort', stop, { once: true });
    if (!json) console.log(`probing readline() in ${bash.path}... Ctrl-C to stop`);
    for await (const record of reader) {
      if (record.lost > 0) {
        console.error(`cpu ${record.cpu}: lost ${record.lost} events`);
        continue;
      }
      const e = readlineEventCodec.decode(record.sample.subarray(0, readlineEventCodec.size));
      if (json) console.log(JSON.stringify(e));
      else console.log(`pid=${e.pid} line=${JSON.stringify(e.line)}`);
    }
    signal.removeEventListener('abort', stop);
  },
);
