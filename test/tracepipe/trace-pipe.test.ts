/**
 * tracePipe against the kernel: lines written through trace_marker, a line printed by a program's
 * bpf_printk (bpf_trace_printk), closing, aborting and not blocking the event loop.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as asm from '../../src/asm/index.js';
import { isClosedError } from '../../src/errors.js';
import { Program } from '../../src/prog/program.js';
import { ProgramSpec } from '../../src/prog/program-spec.js';
import { ProgramType } from '../../src/syscall/uapi-enums.js';
import { tracePipe } from '../../src/tracepipe/index.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';

checkFdLeaks();

// trace_marker writes show up in trace_pipe like bpf_printk lines, which lets most of these tests drive the
// reader without loading a program; one test prints with bpf_printk itself.
const MARKER = '/sys/kernel/tracing/trace_marker';

function mark(text: string): void {
  appendFileSync(MARKER, `${text}\n`);
}

/**
 * A socket filter calling `bpf_trace_printk("ebpf-ts printk %d\n", token)` (what `bpf_printk` expands to),
 * the format string built on the stack four bytes at a time.
 */
function printkProgram(token: number): Program {
  const fmt = new TextEncoder().encode('ebpf-ts printk %d\n\0\0\0\0');
  const size = fmt.length & ~3; // NUL-terminated, padded to 4 bytes
  const words = new DataView(fmt.buffer);
  const { R1, R2, R3, R10 } = asm;
  const store = Array.from({ length: size / 4 }, (_, i) =>
    asm.st(asm.Size.W, R10, -size + i * 4, words.getInt32(i * 4, true)),
  );
  return Program.load(
    new ProgramSpec({
      name: 'printk_token',
      type: ProgramType.SOCKET_FILTER,
      license: 'GPL',
      instructions: [
        ...store,
        asm.mov64Reg(R1, R10),
        asm.alu64Imm(asm.AluOp.ADD, R1, -size),
        asm.mov64Imm(R2, size),
        asm.mov64Imm(R3, token),
        asm.call('trace_printk'),
        asm.mov64Imm(asm.R0, 0),
        asm.exit(),
      ],
    }),
  );
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

  it('yields a line printed by bpf_printk in a program, parsed', async () => {
    const token = (process.pid % 100_000) * 1000 + Math.floor(Math.random() * 1000);
    using prog = printkProgram(token);
    await using reader = tracePipe({ signal: AbortSignal.timeout(10_000) });
    // trace_pipe is shared and consuming: print a few copies in case another reader takes one.
    prog.testRun({ data: new Uint8Array(64), repeat: 5 });
    const want = `ebpf-ts printk ${token}`;
    for await (const line of reader) {
      if (line.message !== want) continue;
      assert.equal(line.event, 'bpf_trace_printk');
      assert.equal(line.pid, process.pid, 'printed from the test run in this process');
      assert.ok(line.timestamp > 0 && line.cpu >= 0);
      return;
    }
    assert.fail('the reader ended before the line came');
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
