/**
 * Naming the cause when the verifier trips over an instruction the loader poisoned: an unresolved CO-RE
 * relocation (`call unknown#195896080`, i.e. 0xbad2310) or an unresolved weak kfunc call. The verifier
 * only says `invalid func unknown#<id>`; the instruction index in the log is mapped back to what was
 * poisoned there.
 */
import type { Instruction } from '../asm/index.js';
import { iterateInstructions } from '../asm/index.js';
import { CORE_POISON_IMM } from '../btf/core.js';
import { type EbpfErrorOptions, VerifierError } from '../errors.js';
import { errnoName } from '../internal/errno.js';

/** A verifier rejection caused by a poisoned instruction. `cause` names what was poisoned there. */
export class PoisonedInstructionError extends VerifierError {
  /** Index (in 8-byte slots) of the instruction the verifier rejected. */
  readonly instruction: number;
  /** What the instruction stood for: `co-re relocation byte_off struct x.y: <why>` or the kfunc. */
  readonly poisoned: string;
  constructor(
    errno: number,
    log: string,
    truncated: boolean,
    instruction: number,
    poisoned: string,
    options?: EbpfErrorOptions,
  ) {
    super('load', errno, log, truncated, options);
    this.name = 'PoisonedInstructionError';
    this.instruction = instruction;
    this.poisoned = poisoned;
    this.message = `load: ${errnoName(errno)}: instruction ${instruction} was poisoned by the loader: ${poisoned}`;
  }
}

/** Where the verifier rejected a call to helper `id` (`N: (85) call unknown#id` before `invalid func`). */
export function rejectedCallIndex(log: string, id: number): number | undefined {
  const lines = log.split('\n');
  const marker = `invalid func unknown#${id}`;
  let at = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if ((lines[i] as string).includes(marker)) {
      at = i;
      break;
    }
  }
  if (at < 0) return undefined;
  for (let i = at; i >= 0; i--) {
    const m = /^(\d+): \(85\) call /.exec(lines[i] as string);
    if (m) return Number(m[1]);
  }
  return -1;
}

/**
 * If `err`'s log shows the verifier rejecting a poisoned instruction of `insns`, a
 * `PoisonedInstructionError` naming it; otherwise undefined. `poisonedCore` maps the first instruction of
 * each poisoned CO-RE relocation to its description, `poisonedCalls` helper ids of poisoned kfunc calls
 * to the kfunc's name.
 */
export function explainPoisoned(
  err: VerifierError,
  insns: readonly Instruction[],
  poisonedCore: ReadonlyMap<Instruction, string>,
  poisonedCalls: ReadonlyMap<number, string>,
): PoisonedInstructionError | undefined {
  const make = (index: number, what: string) =>
    new PoisonedInstructionError(err.errno, err.log, err.truncated, index, what, { cause: err });
  if (poisonedCore.size > 0) {
    const index = rejectedCallIndex(err.log, CORE_POISON_IMM);
    if (index !== undefined) {
      for (const { rawOffset, instruction } of iterateInstructions(insns)) {
        const what = poisonedCore.get(instruction);
        if (what !== undefined && (rawOffset === index || (index < 0 && poisonedCore.size === 1))) {
          return make(rawOffset, `unresolved co-re relocation ${what}`);
        }
      }
    }
  }
  for (const [id, name] of poisonedCalls) {
    const index = rejectedCallIndex(err.log, id);
    if (index !== undefined) {
      return make(
        index,
        `kfunc ${JSON.stringify(name)} is missing from the kernel (weak extern); guard the call with bpf_ksym_exists()`,
      );
    }
  }
  return undefined;
}
