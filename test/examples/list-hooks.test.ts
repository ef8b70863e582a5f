/** list-hooks example: tracepoint and function listings by glob, and a tracepoint's record format. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { runExampleToEnd } from './helpers.js';

/** True when this process can read the kernel's list of traceable functions. */
function functionsReadable(): boolean {
  try {
    readFileSync('/sys/kernel/tracing/available_filter_functions', 'utf8');
    return true;
  } catch {
    return false;
  }
}

describe('examples/list-hooks', () => {
  it('lists tracepoints matching a glob', async () => {
    const r = await runExampleToEnd('list-hooks', ['--kind', 'tracepoint', 'syscalls:sys_enter_write*']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.includes('tracepoint syscalls:sys_enter_write'), r.stdout);
    assert.ok(lines.includes('tracepoint syscalls:sys_enter_writev'), r.stdout);
    for (const l of lines) assert.match(l, /^tracepoint syscalls:sys_enter_write\w*$/);
    assert.match(
      r.stderr,
      new RegExp(`^${lines.length} tracepoints, 0 functions matching "syscalls:sys_enter_write\\*"$`, 'm'),
    );
  });

  it('lists kernel functions matching a glob, or says why it cannot', async () => {
    const r = await runExampleToEnd('list-hooks', ['--kind', 'function', '--json', 'vfs_rea?']);
    assert.equal(r.code, 0, r.stderr);
    if (functionsReadable()) {
      const rows = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; name: string });
      assert.ok(
        rows.some((x) => x.kind === 'function' && x.name === 'vfs_read'),
        r.stdout,
      );
    } else {
      assert.equal(r.stdout, '');
      assert.match(
        r.stderr,
        /0 functions matching "vfs_rea\?" \(kernel functions not listed: .*available_filter_functions E[A-Z]+\)/,
      );
    }
  });

  it('shows the format of a tracepoint', async () => {
    const r = await runExampleToEnd('list-hooks', ['--format', 'kmem:mm_page_alloc']);
    assert.equal(r.code, 0, r.stderr);
    const id = readFileSync('/sys/kernel/tracing/events/kmem/mm_page_alloc/id', 'utf8').trim();
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], `tracepoint kmem:mm_page_alloc id=${id}`);
    assert.ok(lines.includes('field int common_pid offset=4 size=4 signed=1 (common)'), r.stdout);
    assert.ok(
      lines.some((l) => /^field unsigned int order offset=\d+ size=4 signed=0$/.test(l)),
      r.stdout,
    );
    assert.ok(lines.some((l) => l.startsWith('print fmt: "page=%p')));
  });

  it('--format as JSON, and a clear error for an unknown tracepoint', async () => {
    const j = await runExampleToEnd('list-hooks', ['--format', 'syscalls/sys_enter_write', '--json']);
    assert.equal(j.code, 0, j.stderr);
    const f = JSON.parse(j.stdout) as {
      tracepoint: string;
      fields: Array<{ declaration: string; size: number }>;
    };
    assert.equal(f.tracepoint, 'syscalls:sys_enter_write');
    assert.ok(
      f.fields.some((x) => x.declaration === 'size_t count' && x.size === 8),
      j.stdout,
    );

    const r = await runExampleToEnd('list-hooks', ['--format', 'kmem:no_such_event']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: tracepoint kmem\/no_such_event: not found/m);
  });
});
