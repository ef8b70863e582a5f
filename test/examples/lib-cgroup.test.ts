/**
 * examples/lib/cgroup.ts: the cgroup v2 mount point from mountinfo text (hybrid, pure v2, escaped paths,
 * optional fields, none), and a temporary cgroup that moves leftover processes out and is removed on dispose.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cgroup2Mount, createTemporaryCgroup } from '../../examples/lib/cgroup.js';

const HYBRID = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
].join('\n');
const PURE =
  '30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate';
const ESCAPED = '50 23 0:40 / /mnt/my\\040cgroups rw master:1 shared:9 - cgroup2 none rw';
const NONE = '22 1 8:1 / / rw,relatime - ext4 /dev/vda rw\n23 22 0:5 / /dev rw - devtmpfs udev rw';

describe('examples/lib/cgroup', () => {
  for (const [name, text, want] of [
    ['hybrid (v1 controllers plus unified)', HYBRID, '/sys/fs/cgroup/unified'],
    ['pure v2 with an optional field', PURE, '/sys/fs/cgroup'],
    ['escaped space and two optional fields', ESCAPED, '/mnt/my cgroups'],
  ] as const) {
    it(`cgroup2Mount: ${name}`, () => assert.equal(cgroup2Mount(text), want));
  }

  it('cgroup2Mount: a one-line error when no cgroup2 is mounted', () => {
    assert.throws(() => cgroup2Mount(NONE), /^Error: no cgroup v2 hierarchy is mounted/);
    assert.throws(() => cgroup2Mount(''), /no cgroup v2 hierarchy/);
  });

  it('cgroup2Mount: this machine has one, and it is a cgroup v2 directory', () => {
    assert.ok(existsSync(join(cgroup2Mount(), 'cgroup.procs')));
  });

  it('createTemporaryCgroup: creates it; dispose moves a member to the parent and removes it', async () => {
    const parent = cgroup2Mount();
    const messages: string[] = [];
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = child.pid;
      assert.ok(pid !== undefined);
      {
        using cg = createTemporaryCgroup(parent, `ebpf-ts-lib-cgroup-${process.pid}`, (m) =>
          messages.push(m),
        );
        assert.ok(existsSync(join(cg.path, 'cgroup.procs')));
        writeFileSync(join(cg.path, 'cgroup.procs'), `${pid}\n`);
        assert.match(readFileSync(join(cg.path, 'cgroup.procs'), 'latin1'), new RegExp(`^${pid}$`, 'm'));
      }
      const path = join(parent, `ebpf-ts-lib-cgroup-${process.pid}`);
      assert.equal(existsSync(path), false);
      assert.deepEqual(messages, [`removed cgroup ${path} (moved pids ${pid} to ${parent})`]);
      assert.match(readFileSync(join(parent, 'cgroup.procs'), 'latin1'), new RegExp(`^${pid}$`, 'm'));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('createTemporaryCgroup: a one-line error when the parent does not exist', () => {
    assert.throws(
      () => createTemporaryCgroup('/nonexistent-cgroup-root', 'x'),
      /^Error: create cgroup \/nonexistent-cgroup-root\/x: ENOENT$/,
    );
  });
});
