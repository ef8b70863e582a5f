/**
 * bashreadline: prints the commands typed into any bash. The program's section,
 * `uretprobe//bin/bash:readline`, names the attach point, so it is attached with `attachFromSection`;
 * events come through a ring buffer and are decoded with the generated `LineEvent` codec.
 */
import { newCollection } from 'ebpf-ts';
import { attachFromSection } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { lineEventCodec, loadBashreadlineSpec } from './bashreadline.gen.js';

/** `HH:MM:SS` of now. */
function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

runExample(
  'bashreadline: commands typed into bash (uretprobe from section uretprobe//bin/bash:readline)',
  {},
  async ({ signal, json }) => {
    const spec = loadBashreadlineSpec();
    const section = spec.programs.printret?.sectionName;
    if (section === undefined) throw new Error('bashreadline.bpf.o lacks program printret');
    using objects = newCollection(spec);
    const program = objects.programs.printret;
    const events = objects.maps.events;
    if (!program || !events) throw new Error('bashreadline.bpf.o lacks printret or events');
    using _link = attachFromSection(program, section);
    await using reader = new RingBufReader(events);
    const stop = (): void => reader.close();
    signal.addEventListener('abort', stop, { once: true });
    if (!json) console.log(`attached ${section}... Ctrl-C to stop`);
    if (!json) console.log('TIME     PID     COMMAND');
    for await (const { sample } of reader) {
      const e = lineEventCodec.decode(sample);
      if (json) console.log(JSON.stringify({ time: Date.now(), ...e }));
      else console.log(`${clock()} ${String(e.pid).padEnd(7)} ${e.line}`);
    }
    signal.removeEventListener('abort', stop);
  },
);
