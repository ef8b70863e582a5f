/**
 * Test helper: fails a test file when it leaves kernel descriptors open. Counts /proc/self/fd entries that
 * point at BPF objects, perf events and epoll/eventfd instances (anon inodes) before and after.
 */
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { after, before } from 'node:test';

/** The anon-inode descriptors of this process (`anon_inode:bpf-map`, `bpf-prog`, `[perf_event]`, ...). */
export function openAnonFds(): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${name}`);
      if (target.startsWith('anon_inode:')) out.set(Number(name), target);
    } catch {
      // closed between readdir and readlink (the dir fd itself)
    }
  }
  return out;
}

/** Registers before/after hooks that fail when descriptors opened during the file are still open. */
export function checkFdLeaks(): void {
  let start = new Map<number, string>();
  before(() => {
    start = openAnonFds();
  });
  after(() => {
    // Give FinalizationRegistry no say: leaks must be closed explicitly.
    const leaked = [...openAnonFds()].filter(([fd, t]) => start.get(fd) !== t);
    assert.deepEqual(leaked, [], `leaked descriptors: ${leaked.map(([fd, t]) => `${fd} ${t}`).join(', ')}`);
  });
}
