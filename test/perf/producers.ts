/**
 * Test producers for the perf reader: a hand-assembled SOCKET_FILTER program that, run with
 * BPF_PROG_TEST_RUN, calls `bpf_perf_event_output(skb, events, BPF_F_CURRENT_CPU | skb->len << 32, &meta, 8)`
 * — an 8-byte `{ u32 skb_len; u32 MARKER }` from the stack followed by the whole packet (the test run strips
 * the 14-byte Ethernet header before a socket filter sees the packet). The program returns the helper's
 * result (0 or -errno). `cpuOf` / `onCpu` pin the main thread, where synchronous test runs execute.
 */
import { execFileSync } from 'node:child_process';
import * as asm from '../../src/asm/index.js';
import { hostByteOrder } from '../../src/internal/bytes.js';
import { BpfMap } from '../../src/maps/bpf-map.js';
import { Program } from '../../src/prog/program.js';
import { ProgramSpec } from '../../src/prog/program-spec.js';
import { MapType, ProgramType } from '../../src/syscall/uapi-enums.js';

const { R0, R1, R2, R3, R4, R5, R6, R7, R10 } = asm;
const LE = hostByteOrder === 'little';

/** The second word of every sample's 8-byte prefix. */
export const MARKER = 0x5eed1e55;
/** Bytes the test run strips from the packet before the socket filter runs. */
export const ETH_HLEN = 14;

/** A PERF_EVENT_ARRAY with one slot per possible CPU. */
export function eventsMap(name = 'perf_events'): BpfMap {
  return BpfMap.create({ name, type: MapType.PERF_EVENT_ARRAY, keySize: 4, valueSize: 4, maxEntries: 0 });
}

/** Loads the socket filter described above. */
export function outputProgram(map: BpfMap): Program {
  const instructions = [
    asm.mov64Reg(R6, R1),
    asm.ldx(asm.Size.W, R7, R6, 0), // skb->len
    asm.stx(asm.Size.W, R10, R7, -8),
    asm.st(asm.Size.W, R10, -4, MARKER),
    asm.mov64Reg(R3, R7),
    asm.alu64Imm(asm.AluOp.LSH, R3, 32),
    asm.mov32Imm(R0, -1), // 0x00000000ffffffff: BPF_F_CURRENT_CPU
    asm.alu64Reg(asm.AluOp.OR, R3, R0),
    asm.mov64Reg(R1, R6),
    asm.loadMapPtr(R2, map.fd.raw),
    asm.mov64Reg(R4, R10),
    asm.alu64Imm(asm.AluOp.ADD, R4, -8),
    asm.mov64Imm(R5, 8),
    asm.call('perf_event_output'),
    asm.exit(),
  ];
  return Program.load(
    new ProgramSpec({ name: 'perf_output', type: ProgramType.SOCKET_FILTER, instructions, license: 'GPL' }),
  );
}

/** A packet whose bytes after the Ethernet header are a deterministic function of `seq`. */
export function packet(seq: number, bodyLength: number): Uint8Array {
  const out = new Uint8Array(ETH_HLEN + bodyLength);
  for (let i = 0; i < bodyLength; i++) out[ETH_HLEN + i] = (seq * 17 + i * 5 + 1) & 0xff;
  return out;
}

/** What the program writes for `packet(seq, bodyLength)`, without the kernel's padding. */
export function expectedSample(seq: number, bodyLength: number): Uint8Array {
  const out = new Uint8Array(8 + bodyLength);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, bodyLength, LE);
  dv.setUint32(4, MARKER, LE);
  out.set(packet(seq, bodyLength).subarray(ETH_HLEN), 8);
  return out;
}

/** The raw sample size the kernel reports for `n` bytes written: `u32 size` + data padded to 8, minus 4. */
export function paddedRawSize(n: number): number {
  return ((n + 4 + 7) & ~7) - 4;
}

/** Runs the program on `packet(seq, bodyLength)`; returns the helper's result (0, or -errno). */
export function emit(prog: Program, seq: number, bodyLength: number): number {
  return prog.testRun({ data: packet(seq, bodyLength), dataOutSize: 0 }).retval | 0;
}

/**
 * Runs `fn` — synchronously: the pinning ends when it returns — with the main thread pinned to `cpu`
 * (taskset), restoring the previous affinity after.
 */
export function onCpu<T>(cpu: number, fn: () => T): T {
  const before = execFileSync('taskset', ['-p', String(process.pid)], { encoding: 'utf8' })
    .trim()
    .split(':')
    .pop()
    ?.trim();
  execFileSync('taskset', ['-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('onCpu: fn must be synchronous');
    return result;
  } finally {
    if (before) execFileSync('taskset', ['-p', before, String(process.pid)], { stdio: 'ignore' });
  }
}
