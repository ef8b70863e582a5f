/**
 * `Program`: a loaded eBPF program owning its descriptor. Created by `Program.load` (sync) or
 * `Program.loadAsync` (verification on the libuv thread pool), or from an existing program by pin path,
 * fd or id. Supports test runs, pinning, info and `using` disposal.
 */
import { readlinkSync, unlinkSync } from 'node:fs';
import { EbpfError, SyscallError } from '../errors.js';
import { Errno } from '../internal/errno.js';
import { fdById, ObjGetFlags, objGet, objPin } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { FD } from '../syscall/fd.js';
import type { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { type BpfSteps, runSteps, runStepsAsync } from './bpf-steps.js';
import { type LoadOutcome, type LogOptions, loadAttempts } from './load-attempts.js';
import { buildLoadAttr } from './load-attr.js';
import { addContext, loadError } from './load-error.js';
import { type ProgramInfo, type ProgramInfoOptions, programInfo } from './program-info.js';
import type { ProgramSpec } from './program-spec.js';
import { type TestRunOptions, type TestRunOutcome, type TestRunResult, testRunSteps } from './test-run.js';

/** Options of `Program.load`. */
export interface ProgramLoadOptions extends LogOptions {
  /** Kernel context (backend and caches); the default context when omitted. */
  ctx?: KernelContext;
}

/** Options of `Program.loadPinned`, `fromFd` and `fromId`. */
export interface ProgramOpenOptions {
  ctx?: KernelContext;
  /** Open read-only (`BPF_F_RDONLY`), for pins the caller may not write. */
  readOnly?: boolean;
}

function label(name: string): string {
  return `program "${name}"`;
}

/**
 * Throws unless `fd` is a BPF program, judged by its /proc link (`anon_inode:bpf-prog`); `get info` would
 * otherwise happily describe a map. Only real descriptors (koffi backend) are checked.
 */
function assertProgramFd(ctx: KernelContext, fd: number): void {
  if (ctx.backend.kind !== 'koffi') return;
  let target: string;
  try {
    target = readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return;
  }
  if (target !== 'anon_inode:bpf-prog')
    throw new EbpfError(`fd ${fd} is not a BPF program (${target})`, 'EINVAL');
}

/** A loaded program. */
export class Program {
  /** The name (the spec's, or the kernel's 15-character copy for opened programs). */
  readonly name: string;
  readonly type: ProgramType;
  /** The expected attach type it was loaded with (unknown for opened programs). */
  readonly attachType: AttachType | undefined;
  /** The owned descriptor. */
  readonly fd: FD;
  /** The verifier log, when the load asked for one with `logLevel`. */
  readonly verifierLog: string | undefined;
  readonly #ctx: KernelContext;
  #pinnedPath: string | undefined;

  private constructor(
    ctx: KernelContext,
    fd: FD,
    name: string,
    type: ProgramType,
    attachType: AttachType | undefined,
    verifierLog: string | undefined,
  ) {
    this.#ctx = ctx;
    this.fd = fd;
    this.name = name;
    this.type = type;
    this.attachType = attachType;
    this.verifierLog = verifierLog;
  }

  /**
   * Loads `spec` into the kernel (BPF_PROG_LOAD). Blocks while the verifier runs; use `loadAsync` for big
   * programs. Throws `VerifierError` (log attached), `NotSupportedError` or `SyscallError`, each prefixed
   * with `program "<name>"`.
   */
  static load(spec: ProgramSpec, opts: ProgramLoadOptions = {}): Program {
    const ctx = opts.ctx ?? defaultContext();
    return Program.#finish(ctx, spec, runSteps(ctx, Program.#steps(ctx, spec, opts)));
  }

  /** `load` with each BPF_PROG_LOAD on the libuv thread pool, so the event loop keeps running. */
  static async loadAsync(spec: ProgramSpec, opts: ProgramLoadOptions = {}): Promise<Program> {
    const ctx = opts.ctx ?? defaultContext();
    return Program.#finish(ctx, spec, await runStepsAsync(ctx, Program.#steps(ctx, spec, opts)));
  }

  static #steps(ctx: KernelContext, spec: ProgramSpec, opts: LogOptions): BpfSteps<LoadOutcome> {
    try {
      return loadAttempts(buildLoadAttr(ctx, spec), opts);
    } catch (e) {
      throw addContext(e, `${label(spec.name)}: load`);
    }
  }

  static #finish(ctx: KernelContext, spec: ProgramSpec, outcome: LoadOutcome): Program {
    if (!outcome.ok) {
      const { errno, log, truncated } = outcome;
      const err = loadError(ctx, { errno, log, truncated, type: spec.type, attachType: spec.attachType });
      throw addContext(err, label(spec.name));
    }
    const fd = new FD(outcome.fd, ctx, label(spec.name));
    return new Program(ctx, fd, spec.name, spec.type, spec.attachType, outcome.log);
  }

  /**
   * Wraps an existing program descriptor, taking ownership of it (it is closed with the Program, or at
   * once if it is not a program).
   */
  static fromFd(fd: number | FD, opts: ProgramOpenOptions = {}): Program {
    const ctx = opts.ctx ?? defaultContext();
    const owned = fd instanceof FD ? fd : new FD(fd, ctx, 'program');
    try {
      assertProgramFd(ctx, owned.raw);
      const info = programInfo(ctx, owned);
      return new Program(ctx, owned, info.name, info.type, undefined, undefined);
    } catch (e) {
      owned.close();
      throw e;
    }
  }

  /** Opens the program with kernel id `id`. */
  static fromId(id: number, opts: ProgramOpenOptions = {}): Program {
    const ctx = opts.ctx ?? defaultContext();
    return Program.fromFd(fdById(ctx, 'prog', id, opts.readOnly ? ObjGetFlags.RDONLY : 0), { ctx });
  }

  /** Opens the program pinned at `path` (on a bpffs mount). */
  static loadPinned(path: string, opts: ProgramOpenOptions = {}): Program {
    const ctx = opts.ctx ?? defaultContext();
    const fd = objGet(ctx, path, opts.readOnly ? ObjGetFlags.RDONLY : 0, `program pinned at ${path}`);
    const prog = Program.fromFd(fd, { ctx });
    prog.#pinnedPath = path;
    return prog;
  }

  /** The path this program was pinned at or opened from, if any. */
  get pinnedPath(): string | undefined {
    return this.#pinnedPath;
  }

  /** Pins the program at `path` on a bpffs mount, so it outlives this process. */
  pin(path: string): void {
    try {
      objPin(this.#ctx, this.fd, path);
    } catch (e) {
      throw addContext(e, label(this.name));
    }
    this.#pinnedPath = path;
  }

  /** Removes the pin (if any). The program stays loaded while this object or other references hold it. */
  unpin(): void {
    const path = this.#pinnedPath;
    if (path === undefined) return;
    try {
      unlinkSync(path);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOENT') {
        const errno = Math.abs(err.errno ?? Errno.EINVAL);
        throw addContext(new SyscallError(`unpin ${path}`, errno, undefined, { cause: e }), label(this.name));
      }
    }
    this.#pinnedPath = undefined;
  }

  /** Information from the kernel (`BPF_OBJ_GET_INFO_BY_FD`); a short synchronous call. */
  info(opts: ProgramInfoOptions = {}): ProgramInfo {
    try {
      return programInfo(this.#ctx, this.fd, opts);
    } catch (e) {
      throw addContext(e, label(this.name));
    }
  }

  /** Runs the program once (or `repeat` times) in the kernel on the given input (BPF_PROG_TEST_RUN). */
  testRun(opts: TestRunOptions = {}): TestRunResult {
    return this.#testResult(
      runSteps(this.#ctx, testRunSteps(this.#ctx.backend, this.fd.raw, this.type, opts)),
    );
  }

  /** `testRun` on the libuv thread pool: for long runs (big `repeat`) that should not block the loop. */
  async testRunAsync(opts: TestRunOptions = {}): Promise<TestRunResult> {
    const steps = testRunSteps(this.#ctx.backend, this.fd.raw, this.type, opts);
    return this.#testResult(await runStepsAsync(this.#ctx, steps));
  }

  #testResult(outcome: TestRunOutcome): TestRunResult {
    if (outcome.ok) return outcome.result;
    const hint =
      outcome.errno === Errno.ENOTSUPP || outcome.errno === Errno.EOPNOTSUPP
        ? 'this program type cannot be test-run'
        : undefined;
    throw addContext(new SyscallError('test run', outcome.errno, hint), label(this.name));
  }

  /** A second, independent handle on the same kernel program (duplicated descriptor). */
  clone(): Program {
    return new Program(this.#ctx, this.fd.dup(), this.name, this.type, this.attachType, this.verifierLog);
  }

  /** Closes the descriptor; the kernel frees the program when nothing else (pin, link) holds it. */
  close(): void {
    this.fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `Program(${this.name}, fd ${this.fd.isOpen ? this.fd.raw : 'closed'})`;
  }
}
