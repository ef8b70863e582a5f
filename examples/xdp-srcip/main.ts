/**
 * xdp-srcip: counts received IPv4 packets per source address. An XDP program (generic mode) parses the
 * Ethernet and IPv4 headers and increments a counter keyed by the source address in an LRU_HASH map (so a
 * flood of new sources evicts the oldest). Every second the table is printed, busiest source first.
 *
 *   sudo npx ebpf-ts examples/xdp-srcip [--interface lo] [--duration 10] [--json]
 */
import { codecs, loadCollectionSpec, newCollection } from 'ebpf-ts';
import { attachXDP } from 'ebpf-ts/link';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { bpfObject, every, runExample } from '../lib/run.js';

/** Dotted-quad form of an address in network byte order. */
function formatIPv4(addr: Uint8Array): string {
  return Array.from(addr).join('.');
}

runExample(
  'Counts IPv4 packets per source address with XDP (generic mode) and an LRU hash map.',
  { interface: { type: 'string', default: 'lo', description: 'interface to attach to (default lo)' } },
  async ({ signal, json, flags }) => {
    const iface = flags.interface ?? 'lo';
    removeMemlock();
    using coll = newCollection(loadCollectionSpec(bpfObject('xdp-srcip')));
    const program = coll.programs.xdp_prog_func;
    const map = coll.maps.xdp_stats_map;
    if (program === undefined || map === undefined)
      throw new Error('object lacks xdp_prog_func/xdp_stats_map');
    // Keys are addresses as stored in the packet (network byte order): read them as 4 raw bytes.
    const stats = map.typed(codecs.bytes(4), codecs.u64);
    using _link = attachXDP({ program, interface: iface, flags: 'generic' });
    process.stderr.write(`counting IPv4 packets per source address on ${iface} (Ctrl-C to stop)\n`);
    await every(1000, signal, () => {
      const rows = [...stats.entries()]
        .map(([addr, n]) => [formatIPv4(addr), n] as const)
        .sort((a, b) => (a[1] === b[1] ? a[0].localeCompare(b[0]) : a[1] > b[1] ? -1 : 1));
      const time = new Date().toISOString();
      if (json) {
        const sources = Object.fromEntries(rows.map(([ip, n]) => [ip, Number(n)]));
        process.stdout.write(`${JSON.stringify({ time, interface: iface, sources })}\n`);
      } else if (rows.length === 0) {
        process.stdout.write(`${time} ${iface} no IPv4 packets yet\n`);
      } else {
        for (const [ip, n] of rows) process.stdout.write(`${time} ${iface} src=${ip} packets=${n}\n`);
      }
    });
  },
);
