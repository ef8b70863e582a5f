/**
 * Kernel tests: a hand-assembled `iter/task` program printing each task's tgid with `bpf_seq_printf`,
 * attached with `attachIter` and read back as text, as a chunk stream, and restricted to this process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import * as asm from '../../src/asm/index.js';
import { Struct } from '../../src/btf/index.js';
import { isClosedError } from '../../src/errors.js';
import { attachIter } from '../../src/link/index.js';
import { BpfMap } from '../../src/maps/bpf-map.js';
import { Program } from '../../src/prog/program.js';
import { ProgramSpec } from '../../src/prog/program-spec.js';
import { AttachType, MapFlags, MapType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { kernelBtf, kernelFuncId } from './helpers.js';

checkFdLeaks();

/** Byte offset of `task_struct.tgid` in the running kernel. */
function tgidOffset(): number {
  const task = kernelBtf().typeByName('task_struct', Struct);
  const tgid = task.members.find((m) => m.name === 'tgid');
  assert.ok(tgid);
  return tgid.bitOffset / 8;
}

/** `if (ctx->task) bpf_seq_printf(ctx->meta->seq, "%d\n", &tgid, 8);` with the format in a frozen map. */
function taskIterProgram(format: BpfMap): Program {
  const { R0, R1, R2, R3, R4, R5, R6, R7, R8, R10 } = asm;
  return Program.load(
    new ProgramSpec({
      name: 'iter_tgids',
      type: ProgramType.TRACING,
      attachType: AttachType.TRACE_ITER,
      attachBtfId: kernelFuncId('bpf_iter_task'),
      instructions: [
        asm.ldx(asm.Size.DW, R6, R1, 0), // ctx->meta
        asm.ldx(asm.Size.DW, R7, R1, 8), // ctx->task
        asm.jmpImm(asm.JumpOp.JEQ, R7, 0, 'out'),
        asm.ldx(asm.Size.W, R8, R7, tgidOffset()),
        asm.stx(asm.Size.DW, R10, R8, -8),
        asm.ldx(asm.Size.DW, R1, R6, 0), // meta->seq
        asm.loadMapValue(R2, format.fd.raw, 0),
        asm.mov64Imm(R3, 4),
        asm.mov64Reg(R4, R10),
        asm.alu64Imm(asm.AluOp.ADD, R4, -8),
        asm.mov64Imm(R5, 8),
        asm.call('seq_printf'),
        asm.mov64Imm(R0, 0).withSymbol('out'),
        asm.exit(),
      ],
    }),
  );
}

describe('task iterator', () => {
  let format: BpfMap;
  let prog: Program;
  before(() => {
    format = BpfMap.create({
      name: 'iter_fmt',
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      flags: MapFlags.RDONLY_PROG,
    });
    format.update(new Uint8Array(4), new Uint8Array([0x25, 0x64, 0x0a, 0, 0, 0, 0, 0])); // "%d\n"
    format.freeze();
    prog = taskIterProgram(format);
  });
  after(() => {
    prog.close();
    format.close();
  });

  it('readAll() lists every task, this process and a child included', async () => {
    const child = spawn('sleep', ['5']);
    using link = attachIter({ program: prog });
    const lines = (await link.readAll()).trim().split('\n');
    child.kill();
    assert.ok(lines.length > 10, `only ${lines.length} tasks`);
    assert.ok(
      lines.every((l) => /^\d+$/.test(l)),
      'one tgid per line',
    );
    assert.ok(lines.includes(String(process.pid)));
    assert.ok(lines.includes(String(child.pid)), 'the child process is a task too');
    const d = link.info().details;
    assert.ok(d?.kind === 'iter' && d.target === 'task');
  });

  it('streams the same output as chunks, then ends; reads after close fail', async () => {
    using link = attachIter({ program: prog });
    const reader = link.open();
    let text = '';
    for await (const chunk of reader) text += new TextDecoder().decode(chunk);
    assert.ok(text.split('\n').includes(String(process.pid)));
    assert.equal(await reader.read(), undefined, 'end of stream stays ended');
    reader.close();
    reader.close();
    await assert.rejects(reader.read(), (e: unknown) => isClosedError(e));
  });

  it('each open() is a fresh pass', async () => {
    using link = attachIter({ program: prog });
    const a = await link.readAll();
    const b = await link.readAll();
    assert.ok(a.includes(`${process.pid}\n`) && b.includes(`${process.pid}\n`));
  });

  it('the task option restricts the walk to this process', async () => {
    using link = attachIter({ program: prog, task: { pid: process.pid } });
    const lines = (await link.readAll()).trim().split('\n');
    assert.ok(lines.length >= 1);
    assert.deepEqual([...new Set(lines)], [String(process.pid)]);
    const d = link.info().details;
    assert.ok(d?.kind === 'iter' && d.taskPid === process.pid);
  });

  it('refuses non-tracing programs', () => {
    assert.throws(
      () => attachIter({ program: { fd: format.fd, type: ProgramType.XDP, name: 'x' } }),
      /attach iter.*expected TRACING/,
    );
  });
});
