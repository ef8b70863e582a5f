/**
 * Applying CO-RE relocations to a program's instructions at load: each instruction carrying a relocation
 * (see `ObjectInstruction`) is resolved against the kernel's BTF and patched. Unresolvable relocations
 * poison their instruction (`call 0xbad2310`); the poisoned instructions are returned with a description
 * so that a verifier rejection can name the relocation.
 */
import type { Instruction } from '../asm/index.js';
import {
  applyCoreRelocation,
  type CoreCandidateCache,
  coreFailureMessage,
  resolveCoreRelocation,
} from '../btf/core.js';
import type { Spec } from '../btf/index.js';
import { EbpfError } from '../errors.js';
import { coreRelocationOf } from './object-instruction.js';

/** Instructions after CO-RE, and what each poisoned one stands for. */
export interface CoreOutcome {
  readonly instructions: Instruction[];
  /** The first instruction of each poisoned relocation → `<relocation>: <why it failed>`. */
  readonly poisoned: Map<Instruction, string>;
}

/**
 * Resolves and applies the CO-RE relocations of `insns` (a new list is returned; `insns` is unchanged).
 * `targets` is only called when there is a relocation. Hard failures throw `CoreRelocationError`.
 */
export function applyCore(
  insns: readonly Instruction[],
  local: Spec | undefined,
  targets: () => Spec[],
  cache: CoreCandidateCache,
): CoreOutcome {
  const poisoned = new Map<Instruction, string>();
  if (!insns.some((i) => coreRelocationOf(i) !== undefined)) return { instructions: [...insns], poisoned };
  if (local === undefined) throw new EbpfError('co-re relocations without the object BTF', 'EINVAL');
  const kernel = targets();
  const out: Instruction[] = [];
  for (const insn of insns) {
    const relo = coreRelocationOf(insn);
    if (relo === undefined) {
      out.push(insn);
      continue;
    }
    const result = resolveCoreRelocation(local, relo, kernel, cache);
    const replaced = applyCoreRelocation(insn, result);
    if (result.poisoned) poisoned.set(replaced[0] as Instruction, coreFailureMessage(result));
    out.push(...replaced);
  }
  return { instructions: out, poisoned };
}
