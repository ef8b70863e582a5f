/**
 * Shared pieces of the link kernel tests: a one-slot counter map and a hand-assembled program that adds
 * one to it each time it runs (optionally only for one process), so a test can see that a hook fired.
 */
import { readFileSync } from 'node:fs';
import * as asm from '../../src/asm/index.js';
import { Func, loadSpec, type Spec, Typedef } from '../../src/btf/index.js';
import { BpfMap } from '../../src/maps/bpf-map.js';
import { u32, u64 } from '../../src/maps/codec.js';
import { Program } from '../../src/prog/program.js';
import { ProgramSpec } from '../../src/prog/program-spec.js';
import { MapType } from '../../src/syscall/uapi-enums.js';

/** A counter: an ARRAY map with one u64 slot. */
export type CounterMap = BpfMap<number, bigint>;

/** Creates a one-slot u32 → u64 ARRAY map. */
export function counterMap(name = 'link_counter'): CounterMap {
  return BpfMap.create(
    { name, type: MapType.ARRAY, keySize: 4, valueSize: 8, maxEntries: 1 },
    { key: u32, value: u64 },
  );
}

/** The counter's value. */
export function count(map: CounterMap): bigint {
  return map.lookup(0) ?? 0n;
}

/** Options of `counterInstructions`. */
export interface CounterProgramOptions {
  /** Value the program returns (XDP_PASS = 2, cgroup_skb allow = 1). */
  returns?: number;
  /** Count only when the current process (tgid) is this one. */
  pid?: number;
  /** Add the attach cookie (`bpf_get_attach_cookie`) instead of 1. */
  addCookie?: boolean;
}

/**
 * Instructions: `if (!pid || tgid == pid) __sync_fetch_and_add(&map[0], addCookie ? cookie : 1); return
 * returns;`.
 */
export function counterInstructions(map: CounterMap, opts: CounterProgramOptions = {}): asm.Instruction[] {
  const { R0, R1, R2, R6, R10 } = asm;
  const increment = opts.addCookie
    ? [asm.call('get_attach_cookie'), asm.mov64Reg(R6, R0)]
    : [asm.mov64Imm(R6, 1)];
  const filter =
    opts.pid === undefined
      ? []
      : [
          asm.call('get_current_pid_tgid'),
          asm.alu64Imm(asm.AluOp.RSH, R0, 32),
          asm.jmpImm(asm.JumpOp.JNE, R0, opts.pid, 'out'),
        ];
  return [
    ...increment,
    ...filter,
    asm.st(asm.Size.W, R10, -4, 0),
    asm.mov64Reg(R2, R10),
    asm.alu64Imm(asm.AluOp.ADD, R2, -4),
    asm.loadMapPtr(R1, map.fd.raw),
    asm.call('map_lookup_elem'),
    asm.jmpImm(asm.JumpOp.JEQ, R0, 0, 'out'),
    asm.atomic(asm.AtomicOp.ADD, asm.Size.DW, R0, R6, 0),
    asm.mov64Imm(R0, opts.returns ?? 0).withSymbol('out'),
    asm.exit(),
  ];
}

/** Loads a counter program of `type` (with `attachType` when given). */
export function counterProgram(
  map: CounterMap,
  type: number,
  opts: CounterProgramOptions & { attachType?: number; name?: string; attachBtfId?: number } = {},
): Program {
  return Program.load(
    new ProgramSpec({
      name: opts.name ?? 'link_counter',
      type: type as ProgramSpec['type'],
      instructions: counterInstructions(map, opts),
      attachType: opts.attachType as ProgramSpec['attachType'],
      attachBtfId: opts.attachBtfId,
      license: 'GPL',
    }),
  );
}

/** Polls `cond` until it holds or `timeoutMs` passes (hooks on other CPUs may lag a little). */
export async function eventually(cond: () => boolean, timeoutMs = 2000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

let vmlinux: Spec | undefined;

/** The running kernel's BTF (parsed once per test process). */
export function kernelBtf(): Spec {
  vmlinux ??= loadSpec(readFileSync('/sys/kernel/btf/vmlinux'));
  return vmlinux;
}

/** BTF id of the `btf_trace_<name>` typedef a tp_btf program for raw tracepoint `name` attaches to. */
export function tpBtfId(name: string): number {
  return kernelBtf().typeID(kernelBtf().typeByName(`btf_trace_${name}`, Typedef));
}

/** BTF id of kernel function `name` (fentry / LSM targets, `bpf_iter_<target>`). */
export function kernelFuncId(name: string): number {
  return kernelBtf().typeID(kernelBtf().typeByName(name, Func));
}
