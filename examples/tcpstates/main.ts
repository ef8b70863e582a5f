/**
 * tcpstates: prints one line per TCP state transition (IPv4 and IPv6) with the addresses, ports and how long
 * the socket stayed in the state it leaves, from a program on the `sock/inet_sock_set_state` tracepoint.
 */
import { tracepoint } from 'ebpf-ts/link';
import { RingBufReader } from 'ebpf-ts/ringbuf';
import { runExample } from '../lib/run.js';
import { loadTcpstatesObjects, type TcpStateEvent, tcpStateEventCodec } from './tcpstates.gen.js';

const AF_INET = 2;

/** Kernel TCP states (include/net/tcp_states.h), indexed by value. */
const TCP_STATES = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
  'BOUND_INACTIVE',
];

/** Name of TCP state `n`. */
function stateName(n: number): string {
  return TCP_STATES[n] ?? `STATE_${n}`;
}

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
function endpoint(family: number, addr: string, port: number): string {
  return family === 4 ? `${addr}:${port}` : `[${addr}]:${port}`;
}

/** One output line for a transition. */
function formatTransition(e: TcpStateEvent, json: boolean): string {
  const fields = {
    skaddr: `0x${e.skaddr.toString(16)}`,
    pid: e.pid,
    comm: e.comm,
    family: e.family === AF_INET ? 4 : 6,
    saddr: formatAddress(e.family, e.saddr),
    sport: e.sport,
    daddr: formatAddress(e.family, e.daddr),
    dport: e.dport,
    old: stateName(e.oldstate),
    new: stateName(e.newstate),
    ms: Number(e.delta_us) / 1000,
  };
  if (json) return JSON.stringify(fields);
  return (
    `sk=${fields.skaddr} pid=${fields.pid} comm=${fields.comm} ipv${fields.family} ` +
    `${endpoint(fields.family, fields.saddr, fields.sport)} -> ${endpoint(fields.family, fields.daddr, fields.dport)} ` +
    `${fields.old} -> ${fields.new} ` +
    `ms=${fields.ms.toFixed(3)}`
  );
}

runExample(
  'tcpstates: TCP state transitions (IPv4 and IPv6) with the time spent in each state',
  {},
  async ({ signal, json }) => {
    using objs = loadTcpstatesObjects();
    using _link = tracepoint('sock', 'inet_sock_set_state', objs.programs.handleSetState);
    await using reader = new RingBufReader(objs.maps.events, { signal });
    process.stderr.write('tracing TCP state changes... Ctrl-C to stop\n');
    while (!signal.aborted) {
      try {
        const { sample } = await reader.read();
        process.stdout.write(`${formatTransition(tcpStateEventCodec.decode(sample), json)}\n`);
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
    }
  },
);
