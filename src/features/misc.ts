/**
 * Probes for verifier capabilities that have no type or helper of their own: bounded loops (5.3) and
 * programs over 4096 instructions (5.2).
 */
import {
  AluOp,
  alu64Imm,
  exit as exitInsn,
  type Instruction,
  JumpOp,
  jmpImm,
  mov64Imm,
  R0,
} from '../asm/index.js';
import { NotSupportedError } from '../errors.js';
import { ProgramType } from '../syscall/uapi-enums.js';
import { cachedProbe, type ProbeOptions } from './probe-cache.js';
import { probeLoad } from './probe-program.js';

/** Returns when the verifier accepts bounded loops (back-edges); throws NotSupportedError otherwise. */
export function haveBoundedLoops(opts?: ProbeOptions): void {
  cachedProbe(opts, 'misc:bounded-loops', (ctx) => {
    const insns = [
      mov64Imm(R0, 10),
      alu64Imm(AluOp.SUB, R0, 1).withSymbol('loop'),
      jmpImm(JumpOp.JNE, R0, 0, 'loop'),
      exitInsn(),
    ];
    const r = probeLoad(ctx, { type: ProgramType.SOCKET_FILTER }, insns);
    if (r.kind !== 'loaded') throw new NotSupportedError('bounded loops', '5.3');
  });
}

/** Returns when programs may have more than 4096 instructions; throws NotSupportedError otherwise. */
export function haveLargeInstructions(opts?: ProbeOptions): void {
  cachedProbe(opts, 'misc:large-instructions', (ctx) => {
    const insns: Instruction[] = [];
    for (let i = 0; i < 4096; i++) insns.push(mov64Imm(R0, 0));
    insns.push(exitInsn());
    const r = probeLoad(ctx, { type: ProgramType.SOCKET_FILTER }, insns);
    if (r.kind !== 'loaded') throw new NotSupportedError('programs of more than 4096 instructions', '5.2');
  });
}
