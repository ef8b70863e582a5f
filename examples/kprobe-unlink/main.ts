/**
 * kprobe-unlink: prints every file removal (pid, comm, path, result) from a kprobe and a kretprobe on the
 * kernel's unlinkat worker: `do_unlinkat`, or `filename_unlinkat` on kernels that renamed it (7.x), picked
 * from the kernel's BTF. The entry program reads the path with a CO-RE read of `struct filename`; the
 * return program adds the result. On kernels without kprobes it exits with a one-line error.
 */
import { isNotSupportedError } from 'ebpf-ts';
import { kprobe, kretprobe, type Link } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { findUnlinkTarget } from '../lib/unlink-target.js';
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
  // a kernel without either name fails at attach with a clear error naming do_unlinkat
  const target = findUnlinkTarget() ?? 'do_unlinkat';
  using _entry = attachOrExplain(() => kprobe(target, objects.programs.doUnlinkatEntry));
  using _exit = attachOrExplain(() => kretprobe(target, objects.programs.doUnlinkatExit));
  await using reader = new RingBufReader(objects.maps.events);
  const stop = (): void => reader.close();
  signal.addEventListener('abort', stop, { once: true });
  if (!json) console.log(`attached kprobe and kretprobe to ${target}... Ctrl-C to stop`);
  for await (const { sample } of reader) {
    const e = unlinkEventCodec.decode(sample);
    if (json) console.log(JSON.stringify(e));
    else console.log(`pid=${e.pid} comm=${e.comm} file=${e.filename} ret=${e.ret}`);
  }
  signal.removeEventListener('abort', stop);
});
