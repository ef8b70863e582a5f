/**
 * helloworld: the "hello world" of BPF tracing. A program on `tp/syscalls/sys_enter_write` calls
 * `bpf_printk` for every write(2); `main.ts` reads the lines back from the kernel's trace_pipe with
 * 'ebpf-ts/tracepipe'. `--pid` narrows it to one process by rewriting the `pid_filter` constant before load.
 *
 *   sudo npx ebpf-ts examples/helloworld [--pid <pid>] [--duration 10] [--json]
 */
import { loadCollectionSpec, newCollection } from 'ebpf-ts';
import { tracepoint } from 'ebpf-ts/link';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { tracePipe } from 'ebpf-ts/tracepipe';
import { bpfObject, runExample } from '../lib/run.js';

runExample(
  'Prints a bpf_printk line (read from trace_pipe) for every write(2) system call.',
  { pid: { type: 'string', description: 'only report writes by this process id (default: all)' } },
  async ({ signal, json, flags }) => {
    const pid = flags.pid === undefined ? 0 : Number(flags.pid);
    if (!Number.isInteger(pid) || pid < 0 || pid > 0x7fffffff) throw new Error(`invalid --pid ${flags.pid}`);
    removeMemlock();
    const spec = loadCollectionSpec(bpfObject('helloworld'));
    // `volatile const` globals live in .rodata and are fixed at load time.
    spec.rewriteConstants({ pid_filter: pid, self_pid: process.pid });
    using coll = newCollection(spec);
    const program = coll.programs.handle_tp;
    if (program === undefined) throw new Error('object lacks handle_tp');
    using _link = tracepoint('syscalls', 'sys_enter_write', program);
    const pipe = tracePipe();
    // Closing the reader ends the iteration below.
    signal.addEventListener('abort', () => pipe.close(), { once: true });
    using _pipe = pipe;
    process.stderr.write(
      `tracing write(2) ${pid === 0 ? 'of every process' : `of pid ${pid}`}, reading ${pipe.path} (Ctrl-C to stop)\n`,
    );
    for await (const line of pipe) {
      if (!line.message.startsWith('BPF triggered sys_enter_write')) continue;
      process.stdout.write(
        json
          ? `${JSON.stringify({ time: line.timestamp, task: line.task, pid: line.pid, cpu: line.cpu, message: line.message })}\n`
          : `${line.timestamp.toFixed(6)} ${line.task} pid=${line.pid} cpu=${line.cpu}: ${line.message}\n`,
      );
    }
  },
);
