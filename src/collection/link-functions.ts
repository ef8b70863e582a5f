/**
 * Linking a program with its subprograms: every function it calls or passes as a callback (by `reference`
 * on bpf-to-bpf calls and `PSEUDO_FUNC` loads) is appended after it, transitively, each once. The
 * references are resolved to pc-relative offsets when the program is assembled for loading. Pure.
 */
import type { Instruction } from '../asm/index.js';
import { EbpfError } from '../errors.js';

/** Names of the functions `insns` calls or takes the address of. */
export function calledFunctions(insns: readonly Instruction[]): string[] {
  const out: string[] = [];
  for (const insn of insns) {
    if ((insn.isFunctionCall || insn.isFunctionReference) && insn.reference !== undefined)
      out.push(insn.reference);
  }
  return out;
}

/**
 * `insns` followed by copies of every function reachable from it through calls and callbacks, in
 * breadth-first order. `bodyOf(name)` gives a function's instructions (first one carries its `symbol`);
 * functions already present in `insns` (by symbol) are not appended again. An unknown function is an
 * `EbpfError` (code `ENOENT`).
 */
export function linkFunctions(
  insns: readonly Instruction[],
  bodyOf: (name: string) => readonly Instruction[] | undefined,
): Instruction[] {
  const out = insns.map((insn) => insn.copy());
  const present = new Set<string>();
  for (const insn of out) if (insn.symbol !== undefined) present.add(insn.symbol);
  const queue = calledFunctions(out);
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i] as string;
    if (present.has(name)) continue;
    const body = bodyOf(name);
    if (body === undefined || body.length === 0)
      throw new EbpfError(`function ${JSON.stringify(name)} not found`, 'ENOENT');
    present.add(name);
    const copies = body.map((insn) => insn.copy());
    out.push(...copies);
    queue.push(...calledFunctions(copies));
  }
  return out;
}
