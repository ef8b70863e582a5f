/**
 * usdt (javagc): times garbage collections through the HotSpot USDT probes `hotspot:gc__begin` /
 * `hotspot:gc__end` and prints one line per collection with its duration. `--pid` watches a running JVM
 * (probes of the libjvm.so it maps; any other process: probes of its executable); `--path` names the
 * executable or library with the probes instead (every process using it). Without either, it builds and runs
 * `gc-probes.c` from this directory, a small program with the same probes, and watches that.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { usdt } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { startProbeTarget } from './probe-target.js';
import { type GcEvent, gcEventCodec, loadUsdtObjects } from './usdt.gen.js';

/** The file with the HotSpot probes for `pid`: its libjvm.so when it maps one, else its executable. */
function probeFileOf(pid: number): string {
  const maps = readFileSync(`/proc/${pid}/maps`, 'latin1');
  const jvm = /\s(\/\S*\/libjvm\.so)$/m.exec(maps);
  // Through the process's root so a JVM in another mount namespace (container) works too.
  return jvm ? `/proc/${pid}/root${jvm[1]}` : readlinkSync(`/proc/${pid}/exe`);
}

/** One output line for a collection. */
function formatGc(e: GcEvent, json: boolean): string {
  const ms = Number(e.duration_ns) / 1e6;
  const kind = e.full ? 'full' : 'young';
  if (json) return JSON.stringify({ pid: e.pid, tid: e.tid, cpu: e.cpu, kind, duration_ms: ms });
  return `pid=${e.pid} tid=${e.tid} cpu=${e.cpu} gc=${kind} duration_ms=${ms.toFixed(3)}`;
}

runExample(
  'usdt: garbage collection durations from the HotSpot USDT probes gc__begin / gc__end',
  {
    pid: {
      type: 'string',
      description: 'JVM (or other process with hotspot probes) to watch (default: the bundled gc-probes.c)',
    },
    path: { type: 'string', description: 'executable or library with the probes (default: from --pid)' },
  },
  async ({ signal, json, flags }) => {
    const given = flags.pid === undefined ? undefined : Number(flags.pid);
    if (given !== undefined && !(Number.isInteger(given) && given > 0))
      throw new Error(`--pid needs a process id, got ${flags.pid}`);
    // Declared first so the stand-in stops last, after the reader and links are closed.
    await using bundled = given === undefined && flags.path === undefined ? startProbeTarget() : undefined;
    if (bundled !== undefined)
      process.stderr.write(
        `no --pid/--path: built and started the bundled gc-probes.c (pid ${bundled.pid})\n`,
      );
    const pid = bundled?.pid ?? given;
    const path = bundled?.path ?? flags.path ?? probeFileOf(pid as number);

    using objs = loadUsdtObjects();
    // gc_end reads no argument, so it does not reference the spec map itself: name it explicitly.
    const target = {
      path,
      provider: 'hotspot',
      specMap: objs.maps.ebpfTsUsdtSpecs,
      ...(pid === undefined ? {} : { pid }),
    };
    using _begin = usdt(objs.programs.gcBegin, { ...target, name: 'gc__begin' });
    using _end = usdt(objs.programs.gcEnd, { ...target, name: 'gc__end' });
    await using reader = new RingBufReader(objs.maps.events, { signal });
    process.stderr.write(
      `tracing GCs in ${path}${pid === undefined ? '' : ` (pid ${pid})`}... Ctrl-C to stop\n`,
    );
    while (!signal.aborted) {
      try {
        const { sample } = await reader.read();
        process.stdout.write(`${formatGc(gcEventCodec.decode(sample), json)}\n`);
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
    }
  },
);
