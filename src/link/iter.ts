/**
 * BPF iterators: `attachIter` creates the iterator link (`BPF_LINK_CREATE` with `BPF_TRACE_ITER`, optionally
 * bound to a map, cgroup or task); each `open()` starts one pass (`BPF_ITER_CREATE`) whose output is read
 * as a byte stream. Reads run on the libuv thread pool, so a long iteration never blocks the event loop.
 */
import { read as fsRead } from 'node:fs';
import { ClosedError, EbpfError } from '../errors.js';
import { Attr } from '../syscall/attr.js';
import { LinkCreateAttr } from '../syscall/attr-layouts.js';
import { iterCreate, linkCreate } from '../syscall/bpf.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import type { FD } from '../syscall/fd.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { Link, type LinkInit } from './link.js';
import { type LinkProgram, programLabel, programRawFd, requireProgramType } from './program-ref.js';

/** `union bpf_iter_link_info` offsets. */
export const IterLinkInfoLayout = {
  map_fd: 0,
  cgroup_order: 0,
  cgroup_fd: 4,
  cgroup_id: 8,
  task_tid: 0,
  task_pid: 4,
  task_pid_fd: 8,
  SIZE: 16,
} as const;

/** `enum bpf_cgroup_iter_order`. */
export const CgroupIterOrder = {
  UNSPEC: 0,
  SELF_ONLY: 1,
  DESCENDANTS_PRE: 2,
  DESCENDANTS_POST: 3,
  ANCESTORS_UP: 4,
} as const;

/** Something with a map descriptor (`BpfMap` satisfies it). */
export interface IterMap {
  readonly fd: FD;
}

/** Options of `attachIter`. */
export interface AttachIterOptions {
  /** A TRACING program loaded for an `iter/<target>` (attach type TRACE_ITER). */
  program: LinkProgram;
  /** For map element iterators (`iter/bpf_map_elem`, `iter/bpf_sk_storage_map`...). */
  map?: IterMap;
  /** For cgroup iterators: the cgroup (fd or id) and the walk order. */
  cgroup?: { fd?: FD; id?: bigint; order?: number };
  /** For task iterators: restrict to one thread, process or pidfd. */
  task?: { tid?: number; pid?: number; pidFd?: number };
  ctx?: KernelContext;
}

const READ_CHUNK = 64 * 1024;

function iterInfo(opts: AttachIterOptions, ctx: KernelContext): Attr | undefined {
  const L = IterLinkInfoLayout;
  const given = [opts.map, opts.cgroup, opts.task].filter((x) => x !== undefined).length;
  if (given > 1) throw new EbpfError('attach iter: give at most one of map, cgroup, task', 'EINVAL');
  if (given === 0) return undefined;
  const a = new Attr(L.SIZE, ctx.backend);
  if (opts.map) a.u32(L.map_fd, opts.map.fd.raw);
  if (opts.cgroup) {
    a.u32(L.cgroup_order, opts.cgroup.order ?? CgroupIterOrder.UNSPEC);
    a.u32(L.cgroup_fd, opts.cgroup.fd?.raw ?? 0);
    a.u64(L.cgroup_id, opts.cgroup.id ?? 0n);
  }
  if (opts.task) {
    a.u32(L.task_tid, opts.task.tid ?? 0);
    a.u32(L.task_pid, opts.task.pid ?? 0);
    a.u32(L.task_pid_fd, opts.task.pidFd ?? 0);
  }
  return a;
}

/** An iterator link: `open()` starts a pass over the iterated objects. */
export class IterLink extends Link {
  readonly #ctx: KernelContext;

  /** Use `attachIter`. */
  constructor(init: LinkInit) {
    super(init);
    this.#ctx = init.ctx;
  }

  /** Starts one iteration; read its output from the returned reader, then close it. */
  open(): IterReader {
    return new IterReader(iterCreate(this.#ctx, this.fd), this.label);
  }

  /** Runs one whole iteration and returns its output as UTF-8 text. */
  async readAll(): Promise<string> {
    const reader = this.open();
    try {
      return new TextDecoder().decode(await reader.readAll());
    } finally {
      reader.close();
    }
  }
}

/** The output of one iterator pass: an async iterable of byte chunks. */
export class IterReader implements AsyncIterable<Uint8Array>, Disposable {
  readonly #fd: FD;
  readonly #label: string;
  #pending = false;
  #closed = false;
  #eof = false;

  /** Use `IterLink.open()`. Takes ownership of `fd`. */
  constructor(fd: FD, label: string) {
    this.#fd = fd;
    this.#label = label;
  }

  /** The next chunk of output, or undefined at the end. Rejects with `ClosedError` after `close()`. */
  async read(): Promise<Uint8Array | undefined> {
    if (this.#closed) throw new ClosedError(this.#label);
    if (this.#eof) return undefined;
    if (this.#pending) throw new EbpfError(`${this.#label}: a read is already pending`, 'EBUSY');
    this.#pending = true;
    const buf = Buffer.alloc(READ_CHUNK);
    try {
      const n = await new Promise<number>((resolve, reject) => {
        fsRead(this.#fd.raw, buf, 0, buf.byteLength, null, (err, bytesRead) => {
          if (err) reject(err);
          else resolve(bytesRead);
        });
      });
      if (this.#closed) throw new ClosedError(this.#label);
      if (n === 0) {
        this.#eof = true;
        return undefined;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, n);
    } catch (e) {
      if (e instanceof EbpfError) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      throw new EbpfError(`${this.#label}: read: ${code}`, code, { cause: e });
    } finally {
      this.#pending = false;
      if (this.#closed) this.#fd.close();
    }
  }

  /** Reads until the end and returns everything. */
  async readAll(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    for await (const c of this) chunks.push(c);
    const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const chunk = await this.read();
      if (chunk === undefined) return;
      yield chunk;
    }
  }

  /** Ends the pass and closes the descriptor (after a pending read returns). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#pending) this.#fd.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Creates an iterator link for `program` (an `iter/...` program). */
export function attachIter(opts: AttachIterOptions): IterLink {
  const ctx = opts.ctx ?? defaultContext();
  requireProgramType(opts.program, 'attach iter', { TRACING: ProgramType.TRACING });
  const info = iterInfo(opts, ctx);
  const label = `iter ${opts.program.name ?? ''}`.trimEnd();
  const fd = linkCreate(
    ctx,
    {
      progFd: programRawFd(opts.program),
      targetFd: 0,
      attachType: AttachType.TRACE_ITER,
      extra: (a) => {
        if (!info) return;
        a.ptr(LinkCreateAttr.iter_info, info.bytes).u32(LinkCreateAttr.iter_info_len, info.size);
      },
    },
    `${label}: ${programLabel(opts.program)}: link create`,
  );
  return new IterLink({ ctx, kind: 'bpf-link', fd, program: opts.program, label });
}
