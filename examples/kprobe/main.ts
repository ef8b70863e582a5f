/**
 * kprobe: counts `execve` calls with a kprobe on the arch's `sys_execve` wrapper (the symbol with the
 * syscall prefix resolved from /proc/kallsyms, e.g. `__x64_sys_execve`) into an ARRAY map, and prints the
 * count every second. On kernels without kprobes it exits with a one-line error naming the missing feature.
 */
import { defaultContext, isNotSupportedError } from 'ebpf-ts';
import { kprobe, type Link, syscallSymbol } from 'ebpf-ts/link';
import { every, runExample } from '../lib/run.js';
import { loadKprobeObjects } from './kprobe.gen.js';

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

runExample('kprobe: count sys_execve calls (kprobe, ARRAY map)', {}, async ({ signal, json }) => {
  const symbol = syscallSymbol(defaultContext(), 'sys_execve');
  using objects = loadKprobeObjects();
  using _link = attachOrExplain(() =>
    kprobe(symbol, objects.programs.kprobeExecve, { noSyscallPrefix: true }),
  );
  if (!json) console.log(`attached kprobe to ${symbol}... Ctrl-C to stop`);
  await every(1000, signal, () => {
    const count = objects.maps.kprobeMap.lookup(0);
    if (json) console.log(JSON.stringify({ symbol, count: Number(count) }));
    else console.log(`${symbol} called ${count} times`);
  });
});
