/**
 * Resolving a program's extern references at load, as libbpf does: typed `__ksym` variables and kfunc
 * addresses (`bpf_ksym_exists`) become `PSEUDO_BTF_ID` loads of the kernel BTF id (and module BTF fd);
 * typeless `__ksym` loads get the /proc/kallsyms address; kfunc calls get the BTF id and, for module
 * kfuncs, the index of the module's BTF fd in `fd_array`. Unresolved `__weak` externs read as 0, and an
 * unresolved weak kfunc call is turned into an invalid helper call the verifier only rejects if reachable.
 */
import { type Instruction, PseudoCall, PseudoLoad } from '../asm/index.js';
import { coreTypesAreCompat } from '../btf/core.js';
import { underlyingType } from '../btf/index.js';
import { EbpfError } from '../errors.js';
import type { ExternSpec, ExternTable } from './externs.js';
import type { KernelResolver } from './kernel-resolver.js';

/** libbpf's base of poisoned kfunc calls: `call 2002000000 + extern index`. */
export const POISON_KFUNC_BASE = 2002000000;

/** What extern resolution adds to the program. */
export interface ExternOutcome {
  /** `fd_array` for module kfuncs (slot 0 unused), undefined when none is needed. */
  readonly fdArray: number[] | undefined;
  /** Helper ids of poisoned weak kfunc calls → the kfunc's name. */
  readonly poisonedCalls: Map<number, string>;
}

function fail(ext: ExternSpec, why: string): EbpfError {
  return new EbpfError(`${ext.kind} ${JSON.stringify(ext.name)}: ${why}`, 'ENOENT');
}

/** Patches the extern references of `insns` in place. */
export function resolveProgramExterns(
  insns: readonly Instruction[],
  table: ExternTable,
  kernel: KernelResolver,
): ExternOutcome {
  const fdArray: number[] = [0];
  const moduleSlots = new Map<string, number>();
  const poisonedCalls = new Map<number, string>();
  const slotOf = (module: string): number => {
    let slot = moduleSlots.get(module);
    if (slot === undefined) {
      slot = fdArray.length;
      fdArray.push(kernel.moduleHandle(module).fd.raw);
      moduleSlots.set(module, slot);
    }
    return slot;
  };
  const typeless = new Set<string>();
  for (const insn of insns) {
    const ext = insn.reference === undefined ? undefined : table.externs.get(insn.reference);
    if (ext?.kind === 'ksym' && !ext.typed && insn.isLoadImm64 && insn.src === PseudoLoad.NONE)
      typeless.add(ext.name);
  }
  const addresses = typeless.size > 0 ? kernel.kallsyms(typeless) : new Map<string, bigint>();
  const externIndex = [...table.externs.keys()];

  for (const insn of insns) {
    const ext = insn.reference === undefined ? undefined : table.externs.get(insn.reference);
    if (ext === undefined || ext.kind === 'kconfig') continue;
    if (insn.isKfuncCall) {
      if (ext.kind !== 'kfunc') throw fail(ext, 'called, but it is not a function');
      const found = kernel.findFunction(ext.name);
      if (found === undefined) {
        if (!ext.weak) throw fail(ext, 'no such kfunc in the kernel BTF');
        const id = POISON_KFUNC_BASE + externIndex.indexOf(ext.name);
        insn.src = PseudoCall.HELPER;
        insn.offset = 0;
        insn.constant = BigInt(id);
        poisonedCalls.set(id, ext.name);
        continue;
      }
      if (!coreTypesAreCompat(ext.func.type, found.type.type))
        throw fail(ext, "prototype differs from the kernel's");
      insn.constant = BigInt(found.id);
      insn.offset = found.module === undefined ? 0 : slotOf(found.module);
      continue;
    }
    if (!insn.isLoadImm64) continue;
    if (ext.kind === 'ksym' && !ext.typed) {
      const address = addresses.get(ext.name);
      if (address === undefined || address === 0n) {
        if (!ext.weak) {
          throw fail(
            ext,
            address === 0n
              ? '/proc/kallsyms shows address 0 (kptr_restrict; needs root)'
              : 'not in /proc/kallsyms',
          );
        }
        insn.constant = 0n;
        continue;
      }
      insn.constant = BigInt.asIntN(64, address);
      continue;
    }
    const found = ext.kind === 'kfunc' ? kernel.findFunction(ext.name) : kernel.findVariable(ext.name);
    if (found === undefined) {
      if (!ext.weak)
        throw fail(ext, `no such ${ext.kind === 'kfunc' ? 'kfunc' : 'variable'} in the kernel BTF`);
      insn.src = PseudoLoad.NONE;
      insn.constant = 0n;
      continue;
    }
    if (ext.kind === 'ksym' && !coreTypesAreCompat(underlyingType(ext.type), underlyingType(found.type.type)))
      throw fail(ext, "type differs from the kernel's");
    const objFd = found.module === undefined ? 0 : kernel.moduleHandle(found.module).fd.raw;
    insn.src = PseudoLoad.BTF_ID;
    insn.constant = (BigInt(objFd) << 32n) | BigInt(found.id);
  }
  return { fdArray: fdArray.length > 1 ? fdArray : undefined, poisonedCalls };
}
