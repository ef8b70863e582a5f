import assert from 'node:assert/strict';
import { appendFileSync, existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isClosedError } from '../../src/errors.js';
import { tracePipe } from '../../src/tracepipe/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

// trace_marker writes show up in trace_pipe like bpf_printk lines, which lets these tests drive the reader
// without loading a program (the collection tests check bpf_printk itself).
const MARKER = '/sys/kernel/tracing/trace_marker';

function mark(text: string): void {
  appendFileSync(MARKER, `${text}\n`);
}

async function readUntil(reader: ReturnType<typeof tracePipe>, want: string): Promise<string> {
  for await (const line of reader) if (line.message === want) return line.message;
  throw new Error('iteration ended');
}

describe('tracePipe', () => {
  it('tracefs is mounted (setup script mounts it)', () => {
    assert.ok(existsSync(MARKER));
  });

  it('yields parsed lines written after it opened', async () => {
    await using reader = tracePipe();
    const token = `ebpf-ts-test-${process.pid}-${Date.now()}`;
    setTimeout(() => mark(token), 20);
    const got = await readUntil(reader, token);
    assert.equal(got, token);
  });

  it('close() wakes a pending read with ClosedError', async () => {
    const reader = tracePipe();
    const pending = reader.read();
    setTimeout(() => reader.close(), 30);
    await assert.rejects(pending, isClosedError);
    await assert.rejects(reader.read(), isClosedError);
  });

  it('an AbortSignal ends a pending read with its reason', async () => {
    const ac = new AbortController();
    using reader = tracePipe({ signal: ac.signal });
    const pending = reader.read();
    setTimeout(() => ac.abort(new Error('stop')), 30);
    await assert.rejects(pending, /stop/);
  });

  it('for await ends quietly when closed from outside', async () => {
    const reader = tracePipe();
    setTimeout(() => reader.close(), 30);
    const seen: string[] = [];
    for await (const line of reader) seen.push(line.message);
    // The loop ended by itself (no exception) and the reader is now closed.
    await assert.rejects(reader.read(), isClosedError);
  });

  it('does not block the event loop while waiting', async () => {
    using reader = tracePipe();
    const pending = reader.read().catch(() => undefined);
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(Date.now() - t0 < 500, 'timers kept running');
    reader.close();
    await pending;
  });
});
