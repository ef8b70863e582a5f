/**
 * embedded: a BPF object shipped inside the TypeScript module. `embedded.gen.ts` was generated with
 * `ebpf-ts gen bpf/embedded.bpf.o --out examples/embedded/embedded.gen.ts --embed`: it holds the object as
 * base64 plus typed loaders, so nothing is read from disk at run time. The program counts execve(2) calls.
 *
 *   sudo npx ebpf-ts examples/embedded [--duration 10] [--json]
 */
import { tracepoint } from 'ebpf-ts/link';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { every, runExample } from '../lib/run.js';
import { loadEmbeddedObjects, loadEmbeddedSpec } from './embedded.gen.js';

runExample(
  'Counts execve(2) calls with a BPF object embedded in the module (no .o file at run time).',
  {},
  async ({ signal, json }) => {
    removeMemlock();
    const spec = loadEmbeddedSpec();
    process.stderr.write(
      `loaded embedded object: programs=${Object.keys(spec.programs).join(',')} maps=${Object.keys(spec.maps).join(',')}\n`,
    );
    using objs = loadEmbeddedObjects();
    using _link = tracepoint('syscalls', 'sys_enter_execve', objs.programs.countExecs);
    process.stderr.write('counting execve(2) calls (Ctrl-C to stop)\n');
    await every(1000, signal, () => {
      const n = objs.maps.execCount.lookup(0);
      process.stdout.write(json ? `${JSON.stringify({ execs: Number(n) })}\n` : `execve count=${n}\n`);
    });
  },
);
