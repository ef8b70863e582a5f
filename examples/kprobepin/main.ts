/**
 * kprobepin: counts `execve` calls with a kprobe like examples/kprobe, in a map declared with
 * `LIBBPF_PIN_BY_NAME`: loading pins it at `<pin path>/kprobe_map` on bpffs (or reuses a map already
 * pinned there), so `ebpf-ts map dump <path>` can read it meanwhile. The pin is removed at exit.
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import { defaultContext, isNotSupportedError } from 'ebpf-ts';
import { kprobe, type Link, syscallSymbol } from 'ebpf-ts/link';
import { every, runExample } from '../lib/run.js';
import { loadKprobepinObjects } from './kprobepin.gen.js';

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
  'kprobepin: count sys_execve calls in a map pinned by name',
  {
    'pin-path': {
      type: 'string',
      default: '/sys/fs/bpf/ebpf-ts-kprobepin',
      description: 'bpffs directory for the pin',
    },
  },
  async ({ signal, json, flags }) => {
    const pinPath = flags['pin-path'] ?? '/sys/fs/bpf/ebpf-ts-kprobepin';
    mkdirSync(pinPath, { recursive: true });
    using _pinDir = {
      [Symbol.dispose](): void {
        try {
          rmdirSync(pinPath);
        } catch {
          // not empty (someone else's pins) or already gone: leave it
        }
      },
    };
    const symbol = syscallSymbol(defaultContext(), 'sys_execve');
    using objects = loadKprobepinObjects({ maps: { pinPath } });
    const counter = objects.maps.kprobeMap;
    // Runs after the link is closed and before the collection: the pin goes, the map with the collection.
    using _unpin = { [Symbol.dispose]: (): void => counter.unpin() };
    using _link = attachOrExplain(() =>
      kprobe(symbol, objects.programs.kprobeExecve, { noSyscallPrefix: true }),
    );
    if (!json)
      console.log(`attached kprobe to ${symbol}, counter pinned at ${counter.pinnedPath}... Ctrl-C to stop`);
    await every(1000, signal, () => {
      const count = counter.lookup(0);
      if (json) console.log(JSON.stringify({ symbol, pinned: counter.pinnedPath, count: Number(count) }));
      else console.log(`${symbol} called ${count} times`);
    });
  },
);
