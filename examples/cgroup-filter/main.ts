/**
 * cgroup-filter: prints the execs (pid, parent, comm, file) of tasks inside one cgroup v2 directory and its
 * descendants. The cgroup's descriptor goes into a CGROUP_ARRAY map; the program on the
 * `sched/sched_process_exec` tracepoint checks `bpf_current_task_under_cgroup` against it. Without
 * `--cgroup` it creates a temporary child of the cgroup v2 root, says how to move a process into it, and
 * removes it at exit.
 */
import { closeSync, constants, openSync } from 'node:fs';
import { tracepoint } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { cgroup2Mount, createTemporaryCgroup } from '../lib/cgroup.js';
import { runExample } from '../lib/run.js';
import { type ExecEvent, execEventCodec, loadCgroupFilterObjects } from './cgroup-filter.gen.js';

/** One output line for an exec. */
function formatExec(e: ExecEvent, json: boolean): string {
  if (json) return JSON.stringify(e);
  return `pid=${e.pid} ppid=${e.ppid} comm=${e.comm} filename=${e.filename}`;
}

runExample(
  'cgroup-filter: execs of tasks inside one cgroup (v2), filtered in the kernel with a CGROUP_ARRAY map',
  {
    cgroup: {
      type: 'string',
      description:
        'cgroup v2 directory, e.g. /sys/fs/cgroup/unified/mygroup (default: a temporary child of the v2 root, removed at exit)',
    },
  },
  async ({ signal, json, flags }) => {
    // Declared first so it is removed last, after the reader, link and objects are closed.
    using temporary =
      flags.cgroup === undefined
        ? createTemporaryCgroup(cgroup2Mount(), `ebpf-ts-cgroup-filter-${process.pid}`, (m) =>
            process.stderr.write(`${m}\n`),
          )
        : undefined;
    const path = temporary?.path ?? (flags.cgroup as string);
    if (temporary !== undefined)
      process.stderr.write(
        `created cgroup ${path} (removed at exit); move a shell into it with: echo $$ > ${path}/cgroup.procs\n`,
      );
    using objs = loadCgroupFilterObjects();
    let cgroupFd: number;
    try {
      cgroupFd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (e) {
      throw new Error(`cgroup ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    try {
      // The kernel takes its own reference on the cgroup; our descriptor can go right after.
      objs.maps.cgroup.update(0, cgroupFd);
    } finally {
      closeSync(cgroupFd);
    }
    using _link = tracepoint('sched', 'sched_process_exec', objs.programs.handleExec);
    await using reader = new RingBufReader(objs.maps.events, { signal });
    process.stderr.write(`tracing execs in cgroup ${path}... Ctrl-C to stop\n`);
    while (!signal.aborted) {
      try {
        const { sample } = await reader.read();
        process.stdout.write(`${formatExec(execEventCodec.decode(sample), json)}\n`);
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
    }
  },
);
