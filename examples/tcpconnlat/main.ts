/**
 * tcpconnlat: prints the latency of each active TCP connect (IPv4 and IPv6): fentry programs on
 * `tcp_v4_connect` / `tcp_v6_connect` note the start per socket, and one on `tcp_rcv_state_process` sees the
 * SYN-ACK arrive while the socket is still in SYN_SENT. Needs BPF trampolines (fentry); on kernels without
 * them it exits with a one-line error pointing to the tcpstates example (whose SYN_SENT time is the same
 * latency).
 */
import { isNotSupportedError } from 'ebpf-ts';
import { attachTracing, type Link } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import {
  type ConnlatEvent,
  connlatEventCodec,
  loadTcpconnlatObjects,
  type TcpconnlatObjects,
} from './tcpconnlat.gen.js';

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

/** One output line for a connect. */
function formatLatency(e: ConnlatEvent, json: boolean): string {
  const v = e.family === AF_INET ? 4 : 6;
  const ms = Number(e.latency_ns) / 1e6;
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
      latency_ms: ms,
    });
  }
  return `pid=${e.pid} comm=${e.comm} ipv${v} ${endpoint(e.family, e.saddr, e.sport)} -> ${endpoint(e.family, e.daddr, e.dport)} latency_ms=${ms.toFixed(3)}`;
}

/** Loads the object, turning a missing fentry into a clear error. */
function load(): TcpconnlatObjects {
  try {
    return loadTcpconnlatObjects();
  } catch (e) {
    if (!isNotSupportedError(e)) throw e;
    throw new Error(`${e.message}; examples/tcpstates shows the same latency as the SYN_SENT time instead`, {
      cause: e,
    });
  }
}

runExample('tcpconnlat: TCP connect latency, IPv4 and IPv6 (fentry)', {}, async ({ signal, json }) => {
  using objs = load();
  const links: Link[] = [];
  using _links = {
    [Symbol.dispose]: () => {
      for (const l of links) l.close();
    },
  };
  for (const program of [
    objs.programs.onTcpV4Connect,
    objs.programs.onTcpV6Connect,
    objs.programs.onTcpRcvStateProcess,
  ])
    links.push(attachTracing({ program }));
  await using reader = new RingBufReader(objs.maps.events, { signal });
  process.stderr.write('tracing TCP connect latency... Ctrl-C to stop\n');
  while (!signal.aborted) {
    try {
      const { sample } = await reader.read();
      process.stdout.write(`${formatLatency(connlatEventCodec.decode(sample), json)}\n`);
    } catch (e) {
      if (signal.aborted) break;
      throw e;
    }
  }
});
