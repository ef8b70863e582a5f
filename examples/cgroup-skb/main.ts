/**
 * cgroup-skb: counts packets (and bytes) sent by the sockets of a cgroup v2 and its descendants, with a
 * CGROUP_SKB program on the inet egress hook attached through a bpf_link. Prints the totals every second.
 *
 *   sudo npx ebpf-ts examples/cgroup-skb [--cgroup <dir>] [--duration 10] [--json]
 *
 * Without --cgroup it counts the whole cgroup v2 hierarchy (its root, found in /proc/self/mountinfo).
 */
import { AttachType, codecs, loadCollectionSpec, newCollection } from 'ebpf-ts';
import { attachCgroup } from 'ebpf-ts/link';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { cgroup2Mount } from '../lib/cgroup.js';
import { bpfObject, every, runExample } from '../lib/run.js';

runExample(
  'Counts egress packets of a cgroup (v2) with a cgroup_skb/egress program.',
  {
    cgroup: {
      type: 'string',
      description: 'cgroup v2 directory (default: the cgroup v2 root, e.g. /sys/fs/cgroup/unified)',
    },
  },
  async ({ signal, json, flags }) => {
    const cgroup = flags.cgroup ?? cgroup2Mount();
    removeMemlock();
    using coll = newCollection(loadCollectionSpec(bpfObject('cgroup-skb')));
    const program = coll.programs.count_egress_packets;
    const map = coll.maps.egress_stats;
    if (program === undefined || map === undefined)
      throw new Error('object lacks count_egress_packets/egress_stats');
    const stats = map.typed(codecs.u32, codecs.u64);
    using _link = attachCgroup({ path: cgroup, attach: AttachType.CGROUP_INET_EGRESS, program });
    process.stderr.write(`counting egress packets of cgroup ${cgroup} (Ctrl-C to stop)\n`);
    await every(1000, signal, () => {
      const packets = stats.lookup(0);
      const bytes = stats.lookup(1);
      process.stdout.write(
        json
          ? `${JSON.stringify({ cgroup, packets: Number(packets), bytes: Number(bytes) })}\n`
          : `cgroup=${cgroup} egress packets=${packets} bytes=${bytes}\n`,
      );
    });
  },
);
