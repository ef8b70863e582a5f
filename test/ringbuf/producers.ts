/**
 * Test producers for ring buffer readers: hand-assembled programs that write records with
 * bpf_ringbuf_output / bpf_ringbuf_reserve + submit or discard when run with BPF_PROG_TEST_RUN.
 *
 * - `outputProgram` (SYSCALL): context `{ u32 len; u32 pad; u8 data[len] }` → `bpf_ringbuf_output(data, len)`
 *   (staged through a scratch map value); returns the helper's result (0 or -errno).
 * - `reserveProgram` (SYSCALL): context `{ u64 a; u64 b }` → reserves 16 bytes, writes `a, b`, then submits
 *   or discards; returns 0, or 1 when the reservation failed.
 * - `burstProgram` (XDP): outputs a fixed 64-byte record per run; with `repeat` one test run makes many.
 */
import * as asm from '../../src/asm/index.js';
import { hostByteOrder } from '../../src/internal/bytes.js';
import { BpfMap } from '../../src/maps/bpf-map.js';
import { Program } from '../../src/prog/program.js';
import { ProgramSpec } from '../../src/prog/program-spec.js';
import { MapType, ProgramFlags, ProgramType } from '../../src/syscall/uapi-enums.js';

const { R0, R1, R2, R3, R4, R6, R7, R8, R10 } = asm;
const { DW, W } = asm.Size;

/** Largest payload `outputProgram` accepts. */
export const MAX_OUTPUT = 2048;
const LE = hostByteOrder === 'little';
/** Bytes of the record `burstProgram` writes. */
export const BURST_RECORD_SIZE = 64;

/** A RINGBUF map of `size` bytes. */
export function ringMap(size = 4096, name = 'rb_test'): BpfMap {
  return BpfMap.create({ name, type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: size });
}

function load(name: string, type: ProgramType, instructions: asm.Instruction[]): Program {
  // Syscall programs must be sleepable.
  const flags = type === ProgramType.SYSCALL ? ProgramFlags.SLEEPABLE : 0;
  return Program.load(new ProgramSpec({ name, type, instructions, flags, license: 'GPL' }));
}

/** A one-slot ARRAY map whose value is `outputProgram`'s staging buffer. */
export function scratchMap(): BpfMap {
  return BpfMap.create({
    name: 'rb_scratch',
    type: MapType.ARRAY,
    keySize: 4,
    valueSize: MAX_OUTPUT,
    maxEntries: 1,
  });
}

/**
 * Loads the SYSCALL program that copies its context payload into the ring with bpf_ringbuf_output. The
 * verifier does not let a context pointer be the helper's source, so the payload is first copied into the
 * value of `scratch` (bpf_probe_read_kernel).
 */
export function outputProgram(map: BpfMap, scratch: BpfMap): Program {
  return load('rb_output', ProgramType.SYSCALL, [
    asm.mov64Reg(R6, R1),
    asm.ldx(W, R7, R6, 0),
    asm.jmpImm(asm.JumpOp.JGT, R7, MAX_OUTPUT, 'too_long'),
    asm.st(W, R10, -4, 0),
    asm.loadMapPtr(R1, scratch.fd.raw),
    asm.mov64Reg(R2, R10),
    asm.alu64Imm(asm.AluOp.ADD, R2, -4),
    asm.call('map_lookup_elem'),
    asm.jmpImm(asm.JumpOp.JEQ, R0, 0, 'too_long'),
    asm.mov64Reg(R8, R0),
    asm.mov64Reg(R1, R8),
    asm.mov64Reg(R2, R7),
    asm.mov64Reg(R3, R6),
    asm.alu64Imm(asm.AluOp.ADD, R3, 8),
    asm.call('probe_read_kernel'),
    asm.jmpImm(asm.JumpOp.JNE, R0, 0, 'done'),
    asm.loadMapPtr(R1, map.fd.raw),
    asm.mov64Reg(R2, R8),
    asm.mov64Reg(R3, R7),
    asm.mov64Imm(R4, 0),
    asm.call('ringbuf_output'),
    asm.exit().withSymbol('done'),
    asm.mov64Imm(R0, -22).withSymbol('too_long'),
    asm.exit(),
  ]);
}

/** Loads the SYSCALL program that reserves 16 bytes, fills them from its context and submits or discards. */
export function reserveProgram(map: BpfMap, discard: boolean): Program {
  return load(discard ? 'rb_discard' : 'rb_submit', ProgramType.SYSCALL, [
    asm.mov64Reg(R6, R1),
    asm.loadMapPtr(R1, map.fd.raw),
    asm.mov64Imm(R2, 16),
    asm.mov64Imm(R3, 0),
    asm.call('ringbuf_reserve'),
    asm.jmpImm(asm.JumpOp.JEQ, R0, 0, 'failed'),
    asm.ldx(DW, R7, R6, 0),
    asm.stx(DW, R0, R7, 0),
    asm.ldx(DW, R7, R6, 8),
    asm.stx(DW, R0, R7, 8),
    asm.mov64Reg(R1, R0),
    asm.mov64Imm(R2, 0),
    asm.call(discard ? 'ringbuf_discard' : 'ringbuf_submit'),
    asm.mov64Imm(R0, 0),
    asm.exit(),
    asm.mov64Imm(R0, 1).withSymbol('failed'),
    asm.exit(),
  ]);
}

/** Loads the XDP program that writes one 64-byte record (eight u64 words 0x1111.. * (i+1)) per run. */
export function burstProgram(map: BpfMap): Program {
  const fill = Array.from({ length: BURST_RECORD_SIZE / 8 }, (_, i) => [
    asm.loadImm64(R1, 0x0101010101010101n * BigInt(i + 1)),
    asm.stx(DW, R10, R1, -BURST_RECORD_SIZE + i * 8),
  ]).flat();
  return load('rb_burst', ProgramType.XDP, [
    ...fill,
    asm.loadMapPtr(R1, map.fd.raw),
    asm.mov64Reg(R2, R10),
    asm.alu64Imm(asm.AluOp.ADD, R2, -BURST_RECORD_SIZE),
    asm.mov64Imm(R3, BURST_RECORD_SIZE),
    asm.mov64Imm(R4, 0),
    asm.call('ringbuf_output'),
    asm.mov64Imm(R0, 2),
    asm.exit(),
  ]);
}

/** The record `burstProgram` writes. */
export function burstRecord(): Uint8Array {
  const out = new Uint8Array(BURST_RECORD_SIZE);
  for (let i = 0; i < BURST_RECORD_SIZE; i++) out[i] = Math.floor(i / 8) + 1;
  return out;
}

/** Runs `outputProgram` with `payload`; returns the helper's result (0 on success). */
export function emit(prog: Program, payload: Uint8Array): number {
  const context = new Uint8Array(8 + payload.byteLength);
  new DataView(context.buffer).setUint32(0, payload.byteLength, LE);
  context.set(payload, 8);
  return prog.testRun({ context }).retval | 0;
}

/** Runs `reserveProgram` with the two words; returns its result (0 on success). */
export function reserve(prog: Program, a: bigint, b: bigint): number {
  const context = new Uint8Array(16);
  const dv = new DataView(context.buffer);
  dv.setBigUint64(0, a, LE);
  dv.setBigUint64(8, b, LE);
  return prog.testRun({ context }).retval | 0;
}

/** A deterministic payload of `length` bytes for record `seq`. */
export function payload(seq: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seq * 31 + i * 7) & 0xff;
  return out;
}

/** The 16 bytes `reserveProgram` writes for words `a`, `b` (little endian, as on the test machines). */
export function reservedBytes(a: bigint, b: bigint): Uint8Array {
  const out = new Uint8Array(16);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, a, LE);
  dv.setBigUint64(8, b, LE);
  return out;
}
