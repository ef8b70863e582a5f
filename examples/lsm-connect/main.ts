/**
 * lsm-connect: a BPF LSM program on the `socket_connect` hook refuses (EPERM) every IPv4 connect to the
 * address given with `--block` (default 127.0.0.2, a loopback address nothing uses by accident), which is
 * written into the program as a constant before load, and prints one line per refused connect. Needs BPF LSM (CONFIG_BPF_LSM with "bpf" in the active LSM list); on kernels
 * without it the example exits with a one-line error.
 */
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { isNotSupportedError, NotSupportedError, newCollection } from 'ebpf-ts';
import { attachLSM } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { type BlockedEvent, blockedEventCodec, loadLsmConnectSpec } from './lsm-connect.gen.js';

/** Refused when no `--block` is given: on loopback, so the demo cannot cut the machine off the network. */
const DEFAULT_BLOCK = '127.0.0.2';

/** The u32 whose bytes in `byteOrder` are the address in network order (as `sin_addr.s_addr` holds it). */
function networkOrderWord(address: string, byteOrder: 'little' | 'big'): number {
  const bytes = new Uint8Array(address.split('.').map(Number));
  return new DataView(bytes.buffer).getUint32(0, byteOrder === 'little');
}

/** Dotted form of a network-order u32 read in `byteOrder`. */
function dotted(word: number, byteOrder: 'little' | 'big'): string {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, word, byteOrder === 'little');
  return Array.from(bytes).join('.');
}

/** Throws when securityfs shows an active LSM list without "bpf" (programs would load but never run). */
function checkBpfLsmActive(): void {
  let active: string;
  try {
    active = readFileSync('/sys/kernel/security/lsm', 'latin1').trim();
  } catch {
    return; // securityfs not mounted: the load will tell
  }
  if (!active.split(',').includes('bpf'))
    throw new NotSupportedError(
      'BPF LSM',
      undefined,
      `"bpf" is not among the active LSMs (${active}); add it to lsm= at boot`,
    );
}

/** One output line for a refused connect. */
function formatBlocked(e: BlockedEvent, byteOrder: 'little' | 'big', json: boolean): string {
  const daddr = dotted(e.daddr, byteOrder);
  if (json) return JSON.stringify({ action: 'blocked', pid: e.pid, comm: e.comm, daddr, dport: e.dport });
  return `blocked pid=${e.pid} comm=${e.comm} daddr=${daddr} dport=${e.dport}`;
}

runExample(
  'lsm-connect: refuse IPv4 connects to one address (BPF LSM socket_connect)',
  {
    block: {
      type: 'string',
      default: DEFAULT_BLOCK,
      description: `IPv4 address to refuse connects to (default ${DEFAULT_BLOCK})`,
    },
  },
  async ({ signal, json, flags }) => {
    const block = flags.block ?? DEFAULT_BLOCK;
    if (!isIPv4(block)) throw new Error(`--block needs an IPv4 address, got "${block}"`);
    checkBpfLsmActive();
    const spec = loadLsmConnectSpec();
    spec.rewriteConstants({ blocked_addr: networkOrderWord(block, spec.byteOrder) });
    let loaded: ReturnType<typeof newCollection>;
    try {
      loaded = newCollection(spec);
    } catch (e) {
      if (!isNotSupportedError(e)) throw e;
      throw new Error(`${e.message}; BPF LSM needs CONFIG_BPF_LSM and "bpf" in the lsm= boot parameter`, {
        cause: e,
      });
    }
    using coll = loaded;
    const program = coll.programs.restrict_connect;
    const events = coll.maps.events;
    if (!program || !events) throw new Error('lsm-connect.bpf.o lacks restrict_connect or events');
    using _link = attachLSM({ program });
    await using reader = new RingBufReader(events, { signal });
    process.stderr.write(`refusing IPv4 connects to ${block}... Ctrl-C to stop\n`);
    while (!signal.aborted) {
      try {
        const { sample } = await reader.read();
        process.stdout.write(`${formatBlocked(blockedEventCodec.decode(sample), spec.byteOrder, json)}\n`);
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
    }
  },
);
