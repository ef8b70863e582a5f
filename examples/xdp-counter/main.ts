/**
 * xdp-counter: the getting-started example. Attaches an XDP program (generic mode) to an interface and
 * prints, every second, how many packets it has seen (an atomic counter in a one-slot ARRAY map).
 *
 *   sudo npx ebpf-ts examples/xdp-counter [--interface lo] [--duration 10] [--json]
 */
import { codecs, loadCollectionSpec, newCollection } from 'ebpf-ts';
import { attachXDP } from 'ebpf-ts/link';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { bpfObject, every, runExample } from '../lib/run.js';

runExample(
  'Counts packets received on an interface with XDP (generic mode).',
  { interface: { type: 'string', default: 'lo', description: 'interface to attach to (default lo)' } },
  async ({ signal, json, flags }) => {
    const iface = flags.interface ?? 'lo';
    removeMemlock();
    const spec = loadCollectionSpec(bpfObject('xdp-counter'));
    using coll = newCollection(spec);
    const program = coll.programs.count_packets;
    const rawMap = coll.maps.pkt_count;
    if (program === undefined || rawMap === undefined)
      throw new Error('object lacks count_packets/pkt_count');
    const counts = rawMap.typed(codecs.u32, codecs.u64);
    using _link = attachXDP({ program, interface: iface, flags: 'generic' });
    process.stderr.write(`counting packets on ${iface} (Ctrl-C to stop)\n`);
    await every(1000, signal, () => {
      const n = counts.lookup(0);
      const now = new Date().toISOString();
      process.stdout.write(
        json
          ? `${JSON.stringify({ time: now, interface: iface, packets: Number(n) })}\n`
          : `${now} ${iface} packets=${n}\n`,
      );
    });
  },
);
