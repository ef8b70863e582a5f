/**
 * Loading one program of a collection: its (linked) instructions get CO-RE applied, map and global-data
 * references filled with map fds, externs resolved, func/line info from the object BTF, and the BTF id of
 * its attach target (fentry/fexit/fmod_ret, tp_btf, lsm, iter); then `Program.load` (or `loadAsync`)
 * runs the verifier. A rejection caused by a poisoned instruction is a `PoisonedInstructionError`.
 */
import { copyInstructions, type Instruction } from '../asm/index.js';
import type { CoreCandidateCache } from '../btf/core.js';
import { attachKindOf } from '../btf/kernel.js';
import { EbpfError, isVerifierError, type VerifierError } from '../errors.js';
import type { BpfMap } from '../maps/index.js';
import { type LogOptions, Program, type ProgramSpec } from '../prog/index.js';
import type { KernelContext } from '../syscall/context.js';
import { ProgramType } from '../syscall/uapi-enums.js';
import type { CollectionSpec } from './collection-spec.js';
import { FUNC_INFO_SIZE, funcLineInfo, LINE_INFO_SIZE } from './func-line-info.js';
import type { KernelResolver } from './kernel-resolver.js';
import type { ObjectBtf } from './object-btf.js';
import { explainPoisoned } from './poisoned-error.js';
import { applyCore } from './program-core.js';
import { resolveProgramExterns } from './program-externs.js';
import type { NamedRecord } from './records.js';

/** What loading programs needs. */
export interface ProgramLoadEnv {
  readonly ctx: KernelContext;
  readonly spec: CollectionSpec;
  readonly maps: NamedRecord<BpfMap>;
  readonly btf: ObjectBtf | undefined;
  readonly kernel: KernelResolver;
  readonly coreCache: CoreCandidateCache;
  readonly log: LogOptions;
}

function fillMapReferences(env: ProgramLoadEnv, insns: readonly Instruction[]): void {
  for (const insn of insns) {
    if (!insn.isMapLoad || insn.reference === undefined) continue;
    const map = env.maps[insn.reference];
    if (map === undefined)
      throw new EbpfError(`map ${JSON.stringify(insn.reference)} is not loaded`, 'ENOENT');
    insn.constant = (insn.constant & ~0xffffffffn) | BigInt(map.fd.raw);
  }
}

function attachTarget(env: ProgramLoadEnv, final: ProgramSpec): void {
  if (final.type === ProgramType.STRUCT_OPS)
    throw new EbpfError('struct_ops programs are not supported', 'ENOTSUP');
  if (final.type === ProgramType.UNSPEC) {
    throw new EbpfError(
      `unknown program type (section ${JSON.stringify(final.sectionName ?? '')})`,
      'EINVAL',
    );
  }
  if (final.attachBtfId !== undefined) return;
  if (final.type === ProgramType.EXT) {
    throw new EbpfError(
      'freplace programs need attachProgFd and attachBtfId set on their ProgramSpec',
      'EINVAL',
    );
  }
  if (final.type !== ProgramType.TRACING && final.type !== ProgramType.LSM) return;
  if (final.attachTo === undefined || final.attachTo === '') {
    throw new EbpfError('tracing program without an attach target in its section name', 'EINVAL');
  }
  const target = env.kernel.findAttachTarget(final.attachTo, attachKindOf(final.attachType ?? 0));
  final.attachBtfId = target.id;
  if (target.module !== undefined) final.attachBtfObjFd = env.kernel.moduleHandle(target.module).fd.raw;
}

/** A program ready for `BPF_PROG_LOAD`. Load errors name poisoned instructions the verifier hit. */
export interface PreparedProgram {
  readonly name: string;
  /** The spec as it goes to the kernel (fds, func/line info, attach target filled in). */
  readonly spec: ProgramSpec;
  /** Loads it, blocking while the verifier runs. */
  load(): Program;
  /** Loads it with verification on the libuv thread pool. */
  loadAsync(): Promise<Program>;
}

/** Prepares program `name` for loading. Errors carry `program "<name>"` context. */
export function prepareProgram(env: ProgramLoadEnv, name: string, program: ProgramSpec): PreparedProgram {
  const label = `program ${JSON.stringify(name)}`;
  const final = program.copy();
  let insns: Instruction[] = [];
  let poisonedCore = new Map<Instruction, string>();
  let poisonedCalls = new Map<number, string>();
  try {
    if (!(program.instructions instanceof Uint8Array)) {
      const core = applyCore(
        copyInstructions(program.instructions),
        env.spec.types,
        () => env.kernel.coreTargets(),
        env.coreCache,
      );
      insns = core.instructions;
      poisonedCore = core.poisoned;
      fillMapReferences(env, insns);
      const externs = resolveProgramExterns(insns, env.spec.object.externs, env.kernel);
      poisonedCalls = externs.poisonedCalls;
      if (externs.fdArray !== undefined) final.fdArray = externs.fdArray;
      final.instructions = insns;
      if (env.btf !== undefined) {
        const info = funcLineInfo(insns, env.spec.object.funcTypes, env.btf);
        if (info.funcInfo !== undefined) {
          final.btfFd = env.btf.handle.fd.raw;
          final.funcInfo = info.funcInfo;
          final.funcInfoRecSize = FUNC_INFO_SIZE;
          if (info.lineInfo !== undefined) {
            final.lineInfo = info.lineInfo;
            final.lineInfoRecSize = LINE_INFO_SIZE;
          }
        }
      }
    }
    attachTarget(env, final);
  } catch (e) {
    throw e instanceof EbpfError ? e.withContext(label) : e;
  }
  const explain = (e: unknown): unknown => {
    if (isVerifierError(e)) {
      const explained = explainPoisoned(e as VerifierError, insns, poisonedCore, poisonedCalls);
      if (explained !== undefined) return explained.withContext(label);
    }
    return e;
  };
  const opts = { ctx: env.ctx, ...env.log };
  return {
    name,
    spec: final,
    load: () => {
      try {
        return Program.load(final, opts);
      } catch (e) {
        throw explain(e);
      }
    },
    loadAsync: async () => {
      try {
        return await Program.loadAsync(final, opts);
      } catch (e) {
        throw explain(e);
      }
    },
  };
}
