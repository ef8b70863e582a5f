/**
 * tracepoint: counts page allocations. A TRACEPOINT program on `kmem/mm_page_alloc` increments a counter in
 * a one-slot ARRAY map; the count is printed every second.
 *
 *   sudo npx ebpf-ts examples/tracepoint [--duration 10] [--json]
 */
import { codecs, loadCollectionSpec, newCollection } from 'ebpf-ts';
import { tracepoint } from 'ebpf-ts/link';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { bpfObject, every, runExample } from '../lib/run.js';

runExample('Counts kmem/mm_page_alloc tracepoint hits (page allocations).', {}, async ({ signal, json }) => {
  removeMemlock();
  using coll = newCollection(loadCollectionSpec(bpfObject('tracepoint')));
  const program = coll.programs.mm_page_alloc;
  const map = coll.maps.counting_map;
  if (program === undefined || map === undefined) throw new Error('object lacks mm_page_alloc/counting_map');
  const counts = map.typed(codecs.u32, codecs.u64);
  using _link = tracepoint('kmem', 'mm_page_alloc', program);
  process.stderr.write('counting kmem/mm_page_alloc (Ctrl-C to stop)\n');
  await every(1000, signal, () => {
    const n = counts.lookup(0);
    process.stdout.write(
      json
        ? `${JSON.stringify({ tracepoint: 'kmem/mm_page_alloc', count: Number(n) })}\n`
        : `mm_page_alloc count=${n}\n`,
    );
  });
});
