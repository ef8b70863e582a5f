/**
 * kprobe-unlink: prints every file removal (pid, comm, path, result) from a kprobe and a kretprobe on the
 * kernel's `do_unlinkat`. The entry program reads the path with a CO-RE read of `struct filename`; the
 * return program adds the result. On kernels without kprobes it exits with a one-line error.
 */
import { isNotSupportedError } from 'ebpf-ts';
import { kprobe, kretprobe, type Link } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { loadKprobeUnlinkObjects, unlinkEventCodec } from './kprobe-unlink.gen.js';

/** Attaches, turning a missing kprobe facility into one clear line that suggests a working example. */
function attachOrExplain(attach: () => Link): Link {
  try {
    return attach();
  } catch (e) {
    if (!isNotSupportedError(e)) throw e;
    throw new Error(
      `${e.message} (try examples/sigsnoop, which pairs syscall entry and exit with tracepoints)`,
      { cause: e },
    );
  }
}

runExample('kprobe-unlink: trace do_unlinkat (kprobe + kretprobe, CO-RE)', {}, async ({ signal, json }) => {
  using objects = loadKprobeUnlinkObjects();
  using _entry = attachOrExplain(() => kprobe('do_unlinkat', objects.programs.doUnlinkatEntry));
  using _exit = attachOrExplain(() => kretprobe('do_unlinkat', objects.programs.doUnlinkatExit));
  await using reader = new RingBufReader(objects.maps.events);
  const stop = (): void => reader.close();
  signal.addEventListener('abort', stop, { once: true });
  if (!json) console.log('attached kprobe and kretprobe to do_unlinkat... Ctrl-C to stop');
  for await (const { sample } of reader) {
    const e = unlinkEventCodec.decode(sample);
    if (json) console.log(JSON.stringify(e));
    else console.log(`pid=${e.pid} comm=${e.comm} file=${e.filename} ret=${e.ret}`);
  }
  signal.removeEventListener('abort', stop);
});
