/**
 * Every example, run the way a user runs it: `ebpf-ts list` shows the 32 examples of the tutorials, and
 * `ebpf-ts examples/<name> --duration 2` (no other argument) exits 0, or, where this kernel lacks the hook
 * (decided by a feature probe, not by the example's output), exits 1 with one line naming the missing
 * feature (`error: kernel lacks <feature>…`) — on this project's kernel exactly the sample line of its
 * example.json. Those runs are then skipped through `requireFeature`, which accepts only the known absences
 * on CI. Examples run a few at a time; the XDP ones one at a time (only one XDP program fits on lo).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { renderExamplesTable, replaceExamplesTable } from '../../scripts/examples-table.js';
import { haveAttachType } from '../../src/features/index.js';
import { AttachType, NotSupportedError, ProgramType } from '../../src/index.js';
import { probeSupport } from '../../src/link/index.js';
import { requireFeature, strictSkips } from '../helpers/require-feature.js';
import { runCli } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src', 'cli', 'main.ts');

/** The programs of the tutorials in the learning notes (issue 6), one example each. */
const TUTORIAL_EXAMPLES = [
  'xdp-counter',
  'embedded',
  'loading',
  'features',
  'lifecycle',
  'kprobe',
  'kprobepin',
  'kprobe-percpu',
  'ringbuffer',
  'uretprobe',
  'ssl-sniff',
  'tracepoint',
  'tracepoint-asm',
  'cgroup-skb',
  'tcp-connect',
  'tcp-close',
  'xdp-srcip',
  'helloworld',
  'kprobe-unlink',
  'fentry-unlink',
  'opensnoop',
  'bashreadline',
  'sigsnoop',
  'execsnoop',
  'exitsnoop',
  'profile',
  'tcpconnlat',
  'tcpstates',
  'usdt',
  'lsm-connect',
  'cgroup-filter',
  'list-hooks',
];

/** Throws NotSupportedError when neither the kprobe PMU nor tracefs kprobe_events exists. */
function probeKprobes(): void {
  const s = probeSupport('kprobe');
  if (!s.pmu && !s.tracefs)
    throw new NotSupportedError(
      'kprobes',
      undefined,
      'neither the perf kprobe PMU nor tracefs kprobe_events',
    );
}

/** Throws NotSupportedError when LSM programs cannot load, or load but "bpf" is not an active LSM. */
function probeBpfLsm(): void {
  haveAttachType(ProgramType.LSM, AttachType.LSM_MAC);
  let active: string | undefined;
  try {
    active = readFileSync('/sys/kernel/security/lsm', 'latin1').trim();
  } catch {
    active = undefined; // securityfs not mounted: the load probe decided
  }
  if (active !== undefined && !active.split(',').includes('bpf'))
    throw new NotSupportedError('lsm', '5.7', `"bpf" is not an active LSM (${active})`);
}

/** A hook some kernels lack: the requireFeature name, its probe, and what the example's error names. */
interface OptionalHook {
  feature: string;
  probe: () => void;
  error: RegExp;
}

const KPROBE: OptionalHook = {
  feature: 'kprobe',
  probe: probeKprobes,
  error: /^error: kernel lacks kprobes\b/,
};
const FENTRY: OptionalHook = {
  feature: 'fentry',
  probe: () => haveAttachType(ProgramType.TRACING, AttachType.TRACE_FENTRY),
  error: /^error: kernel lacks fentry\b/,
};
const LSM: OptionalHook = { feature: 'lsm', probe: probeBpfLsm, error: /^error: kernel lacks (BPF )?lsm\b/i };

/** Examples whose hook may be missing; every other example must run everywhere the suite runs. */
const OPTIONAL_HOOKS: Readonly<Record<string, OptionalHook>> = {
  kprobe: KPROBE,
  kprobepin: KPROBE,
  'kprobe-percpu': KPROBE,
  'kprobe-unlink': KPROBE,
  'fentry-unlink': FENTRY,
  'tcp-connect': FENTRY,
  'tcp-close': FENTRY,
  tcpconnlat: FENTRY,
  'lsm-connect': LSM,
};

/** What `ebpf-ts list --json` prints for an example. */
interface Listed {
  name: string;
  hook: string;
  kernel: string;
  description: string;
}

/** Runs `fn` after every earlier `fn` of the same lock has finished. */
function makeLock(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

const listed = JSON.parse(
  execFileSync(process.execPath, ['--import', 'tsx', CLI, 'list', '--json'], { cwd: ROOT, encoding: 'utf8' }),
) as Listed[];
const sampleOf = (name: string): string =>
  (JSON.parse(readFileSync(join(ROOT, 'examples', name, 'example.json'), 'utf8')) as { sample: string })
    .sample;

describe('ebpf-ts list', () => {
  it('shows the 32 tutorial examples, and every examples/<name>/main.ts', () => {
    const names = listed.map((e) => e.name);
    assert.deepEqual(
      names,
      [...TUTORIAL_EXAMPLES].sort((a, b) => a.localeCompare(b)),
    );
    const dirs = readdirSync(join(ROOT, 'examples')).filter((d) =>
      existsSync(join(ROOT, 'examples', d, 'main.ts')),
    );
    assert.deepEqual(
      names,
      dirs.sort((a, b) => a.localeCompare(b)),
    );
  });

  it('gives each a hook, a kernel requirement, a description and a sample line', () => {
    for (const e of listed) {
      assert.ok(e.hook !== '' && e.kernel !== '' && e.description !== '', e.name);
      assert.ok(sampleOf(e.name).trim() !== '', `${e.name}: sample`);
    }
  });

  it("shows each example's sample line in its README", () => {
    for (const e of listed) {
      const readme = readFileSync(join(ROOT, 'examples', e.name, 'README.md'), 'utf8');
      assert.ok(readme.includes(sampleOf(e.name)), `examples/${e.name}/README.md lacks its sample line`);
    }
  });

  it('is what the README examples table shows (npx tsx scripts/examples-table.ts regenerates it)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    assert.equal(replaceExamplesTable(readme, renderExamplesTable(ROOT)), readme);
  });

  it('marks exactly the kprobe, fentry and LSM examples as optional hooks', () => {
    for (const e of listed) {
      const optional = /\b(kprobe|kretprobe|fentry|fexit|lsm)\b/i.test(e.hook);
      assert.equal(optional, e.name in OPTIONAL_HOOKS, `${e.name}: hook "${e.hook}"`);
    }
  });
});

describe('ebpf-ts examples/<name> --duration 2', { concurrency: 3 }, () => {
  const xdpLock = makeLock();
  for (const { name, hook } of listed) {
    it(name, async (t) => {
      const optional = OPTIONAL_HOOKS[name];
      let lacking = false;
      if (optional !== undefined) {
        try {
          optional.probe();
        } catch (e) {
          if (!(e instanceof NotSupportedError)) throw e;
          lacking = true;
        }
      }
      const run = (): ReturnType<typeof runCli> => runCli([`examples/${name}`, '--duration', '2'], 60_000);
      const r = hook.startsWith('xdp') ? await xdpLock(run) : await run();
      const output = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
      assert.equal(r.timedOut, false, `still running 60 s after start with --duration 2\n${output}`);
      if (optional === undefined || !lacking) {
        assert.equal(r.code, 0, output);
        assert.doesNotMatch(r.stderr, /^error:/m, output);
        return;
      }
      assert.equal(r.code, 1, output);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line on stderr\n${output}`);
      assert.match(lines[0] as string, /^error: /);
      assert.match(lines[0] as string, optional.error);
      assert.equal(r.stdout, '', output);
      if (strictSkips())
        assert.equal(lines[0], sampleOf(name), `${name}: example.json sample is the error line`);
      assert.equal(requireFeature(t, optional.feature, optional.probe), false);
    });
  }
});
