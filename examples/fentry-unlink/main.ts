/**
 * fentry-unlink: fentry and fexit programs on the kernel's unlinkat worker print the file name of every
 * unlink on entry and the return value on exit. The worker is `do_unlinkat`, or `filename_unlinkat` on
 * kernels that have that name instead: the target is picked from the kernel's BTF before load. Needs BPF
 * trampolines (fentry/fexit); on kernels without them it exits with a one-line error.
 */
import { type CollectionSpec, isNotSupportedError, newCollection } from 'ebpf-ts';
import { attachTracing } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { findUnlinkTarget, UNLINK_CANDIDATES } from '../lib/unlink-target.js';
import { loadFentryUnlinkSpec, type UnlinkEvent, unlinkEventCodec } from './fentry-unlink.gen.js';

/** The unlinkat worker of the running kernel (its BTF must have one). */
function unlinkTarget(): string {
  const target = findUnlinkTarget();
  if (target === undefined) throw new Error(`kernel BTF has none of ${UNLINK_CANDIDATES.join(', ')}`);
  return target;
}

/** Points both programs at `target`. */
function retarget(spec: CollectionSpec, target: string): void {
  for (const name of ['unlink_entry', 'unlink_exit']) {
    const program = spec.programs[name];
    if (!program) throw new Error(`fentry-unlink.bpf.o has no program ${name}`);
    program.attachTo = target;
  }
}

/** One output line for an entry or exit. */
function formatUnlink(e: UnlinkEvent, target: string, json: boolean): string {
  const ret = e.is_exit ? Number(e.ret) : undefined;
  if (json) {
    return JSON.stringify({
      pid: e.pid,
      comm: e.comm,
      fn: target,
      filename: e.filename,
      ...(e.is_exit ? { ret } : {}),
    });
  }
  if (e.is_exit) return `fexit  ${target} pid=${e.pid} comm=${e.comm} filename=${e.filename} ret=${ret}`;
  return `fentry ${target} pid=${e.pid} comm=${e.comm} filename=${e.filename}`;
}

runExample('fentry-unlink: unlinks with their return value (fentry/fexit)', {}, async ({ signal, json }) => {
  const target = unlinkTarget();
  const spec = loadFentryUnlinkSpec();
  retarget(spec, target);
  let loaded: ReturnType<typeof newCollection>;
  try {
    loaded = newCollection(spec);
  } catch (e) {
    if (!isNotSupportedError(e)) throw e;
    throw new Error(`${e.message}; examples/opensnoop traces file syscalls with tracepoints instead`, {
      cause: e,
    });
  }
  using coll = loaded;
  const entry = coll.programs.unlink_entry;
  const exit = coll.programs.unlink_exit;
  const events = coll.maps.events;
  if (!entry || !exit || !events) throw new Error('fentry-unlink.bpf.o lacks its programs or map');
  using _entry = attachTracing({ program: entry });
  using _exit = attachTracing({ program: exit });
  await using reader = new RingBufReader(events, { signal });
  process.stderr.write(`tracing ${target}... Ctrl-C to stop\n`);
  while (!signal.aborted) {
    try {
      const { sample } = await reader.read();
      process.stdout.write(`${formatUnlink(unlinkEventCodec.decode(sample), target, json)}\n`);
    } catch (e) {
      if (signal.aborted) break;
      throw e;
    }
  }
});
