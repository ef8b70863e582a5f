/**
 * lifecycle: objects that outlive the process. `--stage pin` loads an execve counter, attaches it and pins
 * the map, the program and the link under /sys/fs/bpf/<dir>, then exits — the program keeps counting.
 * `--stage reopen` opens the three pins (`BpfMap.loadPinned`, `Program.loadPinned`, `Link.loadPinned`) and
 * prints the count and ids. `--stage unpin` removes the pins; closing the last descriptors then detaches
 * and frees everything. `--stage all` (default) does the three in turn.
 *
 *   sudo npx ebpf-ts examples/lifecycle --stage pin|reopen|unpin|all [--dir ebpf-ts-lifecycle] [--json]
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { BpfMap, codecs, loadCollectionSpec, newCollection, Program } from 'ebpf-ts';
import { Link, tracepoint } from 'ebpf-ts/link';
import { removeMemlock } from 'ebpf-ts/rlimit';
import { bpfObject, runExample } from '../lib/run.js';

const STAGES = ['pin', 'reopen', 'unpin', 'all'] as const;
type Stage = (typeof STAGES)[number];

/** Paths of the three pins in `dir`. */
function pinPaths(dir: string): { map: string; program: string; link: string } {
  return {
    map: join(dir, 'exec_count'),
    program: join(dir, 'count_execs'),
    link: join(dir, 'count_execs_link'),
  };
}

runExample(
  'Pins a map, a program and a link so they survive the process; reopens and unpins them.',
  {
    stage: { type: 'string', default: 'all', description: 'pin | reopen | unpin | all (default all)' },
    dir: { type: 'string', default: 'ebpf-ts-lifecycle', description: 'directory under /sys/fs/bpf' },
  },
  ({ json, flags }) => {
    const stage = flags.stage as Stage;
    if (!STAGES.includes(stage)) throw new Error(`--stage must be one of ${STAGES.join(', ')}`);
    const name = flags.dir ?? 'ebpf-ts-lifecycle';
    if (!/^[\w.-]+$/.test(name) || name === '.' || name === '..') throw new Error(`invalid --dir ${name}`);
    const dir = join('/sys/fs/bpf', name);
    const paths = pinPaths(dir);
    const say = (what: string, fields: Record<string, string | number>): void => {
      process.stdout.write(
        json
          ? `${JSON.stringify({ stage: what, ...fields })}\n`
          : `${what} ${Object.entries(fields)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}\n`,
      );
    };

    if (stage === 'pin' || stage === 'all') {
      removeMemlock();
      mkdirSync(dir, { recursive: true });
      using coll = newCollection(loadCollectionSpec(bpfObject('lifecycle')));
      const map = coll.maps.exec_count;
      const program = coll.programs.count_execs;
      if (map === undefined || program === undefined) throw new Error('object lacks exec_count/count_execs');
      using link = tracepoint('syscalls', 'sys_enter_execve', program);
      map.pin(paths.map);
      program.pin(paths.program);
      link.pin(paths.link);
      say('pinned', { map: paths.map, program: paths.program, link: paths.link, link_id: link.info().id });
      // Closing the collection and the link here leaves the pins holding everything.
    }

    if (stage === 'reopen' || stage === 'all') {
      using map = BpfMap.loadPinned(paths.map, { key: codecs.u32, value: codecs.u64 });
      using program = Program.loadPinned(paths.program);
      using link = Link.loadPinned(paths.link);
      say('reopened', {
        execs: String(map.lookup(0)),
        map_id: map.info().id,
        program_id: program.info().id,
        link_id: link.info().id,
      });
    }

    if (stage === 'unpin' || stage === 'all') {
      // Open each pin, remove it, close: the kernel frees the objects when no reference remains.
      using link = Link.loadPinned(paths.link);
      using program = Program.loadPinned(paths.program);
      using map = BpfMap.loadPinned(paths.map);
      link.unpin();
      program.unpin();
      map.unpin();
      rmdirSync(dir);
      say('unpinned', { dir });
    }
  },
);
