/**
 * kprobe-percpu: counts `execve` calls per CPU with a kprobe on the arch's `sys_execve` wrapper into a
 * PERCPU_ARRAY, and prints every CPU's count and the total each second. On kernels without kprobes it exits
 * with a one-line error naming the missing feature.
 */
import { defaultContext, isNotSupportedError } from 'ebpf-ts';
import { kprobe, type Link, syscallSymbol } from 'ebpf-ts/link';
import { every, runExample } from '../lib/run.js';
import { loadKprobePercpuObjects } from './kprobe-percpu.gen.js';

/** Attaches, turning a missing kprobe facility into one clear line that suggests a working example. */
function attachOrExplain(attach: () => Link): Link {
  try {
    return attach();
  } catch (e) {
    if (!isNotSupportedError(e)) throw e;
    throw new Error(`${e.message} (try examples/ringbuffer, which traces execve with a tracepoint)`, {
      cause: e,
    });
  }
}

runExample(
  'kprobe-percpu: count sys_execve calls per CPU (kprobe, PERCPU_ARRAY)',
  {},
  async ({ signal, json }) => {
    const symbol = syscallSymbol(defaultContext(), 'sys_execve');
    using objects = loadKprobePercpuObjects();
    using _link = attachOrExplain(() =>
      kprobe(symbol, objects.programs.kprobeExecve, { noSyscallPrefix: true }),
    );
    if (!json) console.log(`attached kprobe to ${symbol}... Ctrl-C to stop`);
    await every(1000, signal, () => {
      // One value per possible CPU, in CPU order.
      const perCpu = objects.maps.kprobeMap.lookup(0);
      const total = perCpu.reduce((a, b) => a + b, 0n);
      if (json) console.log(JSON.stringify({ symbol, total: Number(total), perCpu: perCpu.map(Number) }));
      else
        console.log(`${symbol} called ${total} times: ${perCpu.map((n, cpu) => `cpu${cpu}=${n}`).join(' ')}`);
    });
  },
);
