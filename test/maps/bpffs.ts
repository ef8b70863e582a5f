/**
 * Test helper: makes sure a bpffs is mounted at /sys/fs/bpf (mounting one if absent) and hands out unique
 * pin paths under it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const BPFFS = '/sys/fs/bpf';
let counter = 0;

/** Mounts bpffs at /sys/fs/bpf unless it already is. */
export function ensureBpffs(): string {
  const mounted = readFileSync('/proc/mounts', 'latin1')
    .split('\n')
    .some((l) => {
      const f = l.split(' ');
      return f[1] === BPFFS && f[2] === 'bpf';
    });
  if (!mounted) execFileSync('mount', ['-t', 'bpf', 'bpf', BPFFS]);
  return BPFFS;
}

/** A path under bpffs no other test run uses. */
export function uniquePinPath(tag: string): string {
  return `${ensureBpffs()}/ebpf-ts-test-${process.pid}-${Date.now()}-${counter++}-${tag}`;
}
