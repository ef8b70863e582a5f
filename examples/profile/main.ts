/**
 * profile: samples what every CPU is running `--frequency` times a second (a cpu-clock perf event per CPU
 * running a perf_event program) and prints one line per sample with the kernel and user stacks, symbolised
 * with /proc/kallsyms and the ELF symbols of the sampled process's executable and libraries.
 */
import { readFileSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { newCollection } from 'ebpf-ts';
import { attachPerfEvent, type Link, PerfSoftwareConfig, PerfType, perfEventOpen } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import {
  loadProfileSpec,
  type ProfileSample,
  profileSampleCodec,
  u32Codec,
  u64127Codec,
} from './profile.gen.js';
import { KernelSymbols, UserSymbols } from './symbols.js';

/** Longest stretch of sample processing without letting timers and signal handlers run. */
const YIELD_EVERY_MS = 50;

/** CPU numbers of a sysfs list such as `0-3,6`. */
function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    if (part === '') continue;
    const [lo, hi] = part.split('-').map(Number);
    if (lo === undefined || !Number.isInteger(lo)) throw new Error(`bad CPU list ${JSON.stringify(list)}`);
    for (let c = lo; c <= (hi ?? lo); c++) cpus.push(c);
  }
  return cpus;
}

/** A positive integer flag value. */
function positiveInt(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer, got ${value}`);
  return n;
}

runExample(
  'profile: sample stacks on every CPU with a cpu-clock perf event',
  {
    pid: { type: 'string', description: 'only sample this process' },
    frequency: { type: 'string', description: 'samples per second per CPU (default 49)' },
  },
  async ({ signal, json, flags }) => {
    const pid = flags.pid === undefined ? 0 : positiveInt(flags.pid, 0, 'pid');
    const frequency = positiveInt(flags.frequency, 49, 'frequency');
    const spec = loadProfileSpec();
    spec.rewriteConstants({ target_pid: pid });
    using coll = newCollection(spec);
    const program = coll.programs.profile_cpu;
    const samples = coll.maps.samples;
    const rawStacks = coll.maps.stacks;
    if (!program || !samples || !rawStacks)
      throw new Error('profile.bpf.o lacks profile_cpu, samples or stacks');
    const stacks = rawStacks.typed(u32Codec, u64127Codec);

    const links: Link[] = [];
    using _links = {
      [Symbol.dispose]: () => {
        for (const l of links) l.close();
      },
    };
    for (const cpu of parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'latin1'))) {
      using perf = perfEventOpen({
        type: PerfType.SOFTWARE,
        config: PerfSoftwareConfig.CPU_CLOCK,
        sampleFreq: frequency,
        pid: -1,
        cpu,
        label: `cpu-clock on cpu ${cpu}`,
      });
      links.push(attachPerfEvent(program, perf));
    }

    const kernel = new KernelSymbols();
    const user = new UserSymbols();
    /** Symbolised frames of a stack id, innermost first. */
    const frames = (id: number, symbolize: (addr: bigint) => string): string[] => {
      if (id < 0) return [];
      const ips = stacks.get(id);
      if (ips === undefined) return [];
      const out: string[] = [];
      for (const ip of ips) {
        if (ip === 0n) break;
        out.push(symbolize(ip));
      }
      return out;
    };
    const print = (s: ProfileSample): void => {
      const k = frames(s.kernel_stack_id, (ip) => kernel.symbolize(ip));
      const u = frames(s.user_stack_id, (ip) => user.symbolize(s.pid, ip));
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ cpu: s.cpu, pid: s.pid, comm: s.comm, user: u, kernel: k })}\n`,
        );
      } else {
        const list = (f: string[]): string => (f.length ? f.join(';') : '-');
        process.stdout.write(`cpu=${s.cpu} pid=${s.pid} comm=${s.comm} user=${list(u)} kernel=${list(k)}\n`);
      }
    };

    await using reader = new RingBufReader(samples, { signal });
    process.stderr.write(`sampling ${links.length} CPUs at ${frequency} Hz... Ctrl-C to stop\n`);
    let turn = Date.now();
    while (!signal.aborted) {
      try {
        const { sample } = await reader.read();
        print(profileSampleCodec.decode(sample));
        // While samples are queued, read() resolves without returning to the event loop; let timers and
        // signals (--duration, Ctrl-C) in now and then, or a backlog would keep the example running.
        if (Date.now() - turn >= YIELD_EVERY_MS) {
          await nextTurn();
          turn = Date.now();
        }
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
    }
  },
);
