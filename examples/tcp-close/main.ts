/**
 * tcp-close: prints one line per closed TCP socket (IPv4 and IPv6) with its endpoints and connection
 * statistics (bytes received and acked, segments, retransmits, smoothed RTT) from an fentry program on the
 * kernel's `tcp_close`. Needs BPF trampolines (fentry); on kernels without them it exits with a one-line
 * error pointing to the tcpstates example.
 */
import { isNotSupportedError } from 'ebpf-ts';
import { attachTracing } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import {
  type CloseEvent,
  closeEventCodec,
  loadTcpCloseObjects,
  type TcpCloseObjects,
} from './tcp-close.gen.js';

const AF_INET = 2;

/** Text form of an IPv4 (first 4 bytes) or IPv6 address, IPv6 with the longest zero run compressed. */
function formatAddress(family: number, a: Uint8Array): string {
  if (family === AF_INET) return Array.from(a.subarray(0, 4)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((a[i] ?? 0) << 8) | (a[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** `addr:port`, IPv6 addresses in brackets. */
function endpoint(family: number, addr: Uint8Array, port: number): string {
  const text = formatAddress(family, addr);
  return family === AF_INET ? `${text}:${port}` : `[${text}]:${port}`;
}

/** One output line for a closed socket. */
function formatClose(e: CloseEvent, json: boolean): string {
  const v = e.family === AF_INET ? 4 : 6;
  const stats = {
    rx_bytes: e.bytes_received.toString(),
    acked_bytes: e.bytes_acked.toString(),
    segs_in: e.segs_in,
    segs_out: e.segs_out,
    retrans: e.total_retrans,
    srtt_us: e.srtt_us,
  };
  if (json) {
    const saddr = formatAddress(e.family, e.saddr);
    const daddr = formatAddress(e.family, e.daddr);
    return JSON.stringify({
      pid: e.pid,
      comm: e.comm,
      family: v,
      saddr,
      sport: e.sport,
      daddr,
      dport: e.dport,
      ...stats,
    });
  }
  const statText = Object.entries(stats)
    .map(([k, x]) => `${k}=${x}`)
    .join(' ');
  return `pid=${e.pid} comm=${e.comm} ipv${v} ${endpoint(e.family, e.saddr, e.sport)} -> ${endpoint(e.family, e.daddr, e.dport)} ${statText}`;
}

/** Loads the object, turning a missing fentry into a clear error. */
function load(): TcpCloseObjects {
  try {
    return loadTcpCloseObjects();
  } catch (e) {
    if (!isNotSupportedError(e)) throw e;
    throw new Error(`${e.message}; examples/tcpstates traces connections with a tracepoint instead`, {
      cause: e,
    });
  }
}

runExample(
  'tcp-close: closed TCP sockets with connection stats (fentry on tcp_close)',
  {},
  async ({ signal, json }) => {
    using objs = load();
    using _link = attachTracing({ program: objs.programs.onTcpClose });
    await using reader = new RingBufReader(objs.maps.events, { signal });
    process.stderr.write('tracing TCP closes... Ctrl-C to stop\n');
    while (!signal.aborted) {
      try {
        const { sample } = await reader.read();
        process.stdout.write(`${formatClose(closeEventCodec.decode(sample), json)}\n`);
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
    }
  },
);
