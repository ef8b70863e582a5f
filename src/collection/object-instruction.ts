/**
 * `ObjectInstruction`: an `Instruction` read from an ELF object that also remembers the CO-RE relocation
 * `.BTF.ext` recorded for it. The relocation travels with the instruction through copies, linking and user
 * edits, and is applied when the program is loaded against the kernel's BTF.
 */
import { Instruction, type InstructionInit } from '../asm/index.js';
import type { CoreRelo } from '../btf/index.js';

/** An instruction with an optional CO-RE relocation attached. */
export class ObjectInstruction extends Instruction {
  /** The CO-RE relocation of this instruction (`insnOff` still counts from its ELF section). */
  coreRelocation: CoreRelo | undefined;

  constructor(init: InstructionInit, coreRelocation?: CoreRelo) {
    super(init);
    this.coreRelocation = coreRelocation;
  }

  /** A copy that keeps the CO-RE relocation. */
  override copy(): ObjectInstruction {
    return new ObjectInstruction(this, this.coreRelocation);
  }
}

/** The CO-RE relocation attached to `insn`, if it is an `ObjectInstruction` that has one. */
export function coreRelocationOf(insn: Instruction): CoreRelo | undefined {
  return insn instanceof ObjectInstruction ? insn.coreRelocation : undefined;
}
