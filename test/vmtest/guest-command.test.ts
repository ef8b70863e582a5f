import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KERNEL_LANES, KNOWN_ABSENT_ENV, LANE_ENV } from '../../scripts/vmtest/config.js';
import { guestCommand, parseVmrunInfo, prepareCommand } from '../../scripts/vmtest/guest-command.js';

const trixie = KERNEL_LANES.find((l) => l.name === 'trixie')!;

describe('prepareCommand', () => {
  it('fetches the suite kernel only', () => {
    assert.deepEqual(prepareCommand('/r/vmrun.sh', trixie), [
      '/r/vmrun.sh',
      '--suite',
      'trixie',
      '--prepare',
      '-v',
    ]);
  });

  it('pins an ABI with --kernel', () => {
    assert.deepEqual(prepareCommand('/r/vmrun.sh', trixie, '6.12.117+deb13-amd64'), [
      '/r/vmrun.sh',
      '--suite',
      'trixie',
      '--kernel',
      '6.12.117+deb13-amd64',
      '--prepare',
      '-v',
    ]);
  });
});

describe('guestCommand', () => {
  const plan = {
    lane: trixie,
    files: ['test/maps/a.test.ts', 'test/prog/b.test.ts'],
    guestTimeoutSec: 900,
    testTimeoutMs: 120_000,
    memMiB: 1536,
  };

  it('boots the lane with its limits and runs node --test with the TAP reporter, one file at a time', () => {
    assert.deepEqual(guestCommand('/r/vmrun.sh', '/usr/bin/node', plan), [
      '/r/vmrun.sh',
      '--suite',
      'trixie',
      '--timeout',
      '900',
      '--mem',
      '1536',
      '-v',
      '--env',
      `${LANE_ENV}=trixie`,
      '--env',
      `${KNOWN_ABSENT_ENV}=hardware perf events`,
      '--env',
      'EBPF_TS_TIME_SCALE=10',
      '--',
      '/usr/bin/node',
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=tap',
      '--test-timeout=120000',
      'test/maps/a.test.ts',
      'test/prog/b.test.ts',
    ]);
  });

  it('tells the guest its lane as EBPF_TS_KERNEL_LANE and the allowed absences comma-separated', () => {
    assert.equal(LANE_ENV, 'EBPF_TS_KERNEL_LANE');
    const lane = { ...trixie, knownAbsentFeatures: ['hardware perf events', 'fmod_ret'] };
    const argv = guestCommand('/v', '/n', { ...plan, lane, abi: '6.12.9-amd64' });
    assert.ok(argv.includes(`${KNOWN_ABSENT_ENV}=hardware perf events,fmod_ret`));
    assert.deepEqual(argv.slice(1, 5), ['--suite', 'trixie', '--kernel', '6.12.9-amd64']);
  });

  it('runs a precompiled tree with plain node over the .js files and says so in EBPF_TS_PRECOMPILED', () => {
    const argv = guestCommand('/r/vmrun.sh', '/usr/bin/node', { ...plan, precompiled: true });
    const sep = argv.indexOf('--');
    assert.deepEqual(argv.slice(sep - 2, sep), ['--env', 'EBPF_TS_PRECOMPILED=1']);
    assert.deepEqual(argv.slice(sep + 1), [
      '/usr/bin/node',
      '--test',
      '--test-concurrency=1',
      '--test-reporter=tap',
      '--test-timeout=120000',
      'test/maps/a.test.js',
      'test/prog/b.test.js',
    ]);
    assert.ok(!argv.includes('tsx'));
  });
});

describe('parseVmrunInfo', () => {
  const cases: [string, string, ReturnType<typeof parseVmrunInfo>][] = [
    ['nothing', 'qemu-system-x86_64: error\n', {}],
    [
      'the prepare line',
      'vmrun.sh: fetching linux-image-x\nvmrun.sh: kernel 6.1.0-47-amd64 ready (11.0 s to prepare)\n',
      { release: '6.1.0-47-amd64' },
    ],
    [
      'the boot line, the last accel winning (KVM retried under TCG)',
      [
        'vmrun.sh: kernel 6.12.117+deb13-amd64 ready (1.0 s to prepare)',
        'vmrun.sh: kernel 6.12.117+deb13-amd64, accel kvm, 1 vCPU, 2048 MiB: booting',
        'vmrun.sh: the KVM boot failed before the command started (qemu exit 134); retrying under TCG',
        'vmrun.sh: kernel 6.12.117+deb13-amd64, accel tcg, 1 vCPU, 2048 MiB: booting',
      ].join('\n'),
      { release: '6.12.117+deb13-amd64', accel: 'tcg' },
    ],
    [
      'guest stderr mixed in',
      'some test output\nvmrun.sh: kernel 7.2.13-amd64, accel tcg, 1 vCPU, 2048 MiB\nmore\n',
      { release: '7.2.13-amd64', accel: 'tcg' },
    ],
  ];
  for (const [what, stderr, expected] of cases) {
    it(what, () => assert.deepEqual(parseVmrunInfo(stderr), expected));
  }
});
