/**
 * `openExecutable(path)`: a binary or shared library to place uprobes in. Symbols are resolved to file
 * offsets from the ELF symbol tables and program headers; library names (`libc.so.6`) are resolved like the
 * dynamic loader does. Probes use the perf uprobe PMU, or tracefs `uprobe_events` on kernels without it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ElfFile } from '../elf/elf-file.js';
import { EbpfError, isEbpfError } from '../errors.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { ProgramType } from '../syscall/uapi-enums.js';
import { type FunctionSymbol, functionSymbols, matchGlob } from './elf-symbols.js';
import { resolveLibraryPath } from './library-path.js';
import type { Link } from './link.js';
import { attachToPerfEvent } from './perf-event.js';
import { openProbe } from './probe-event.js';
import { type LinkProgram, requireProgramType } from './program-ref.js';
import { attachUprobeMulti } from './uprobe-multi.js';
import { type UsdtOptions, usdt } from './usdt.js';
import type { UsdtLink } from './usdt-link.js';

/** Options of `Executable.uprobe` / `uretprobe`. */
export interface UprobeOptions {
  /** Added to the symbol's offset: probe an instruction inside the function. */
  offset?: bigint | number;
  /** File offset to probe, instead of looking the symbol up (the symbol is then only a label). */
  address?: bigint | number;
  /** Only fire in this process (default: every process that maps the file). */
  pid?: number;
  /** File offset of a USDT semaphore the kernel increments while the probe is attached. */
  refCtrOffset?: bigint | number;
  /** BPF cookie readable with `bpf_get_attach_cookie()` (kernel 5.15+). */
  cookie?: bigint | number;
  /** Create the probe through tracefs `uprobe_events` even when the perf uprobe PMU exists. */
  legacy?: boolean;
  ctx?: KernelContext;
}

/** Options of `Executable.uprobeMulti` / `uretprobeMulti`. Give `symbols`, `offsets`, or both. */
export interface UprobeMultiOptions {
  /** Function names or shell globs (`malloc`, `pthread_*`). */
  symbols?: readonly string[];
  /** File offsets to probe (in addition to the symbols). */
  offsets?: readonly (bigint | number)[];
  /** One BPF cookie per probe: symbols first (in resolved order), then offsets. */
  cookies?: readonly bigint[];
  /** One USDT semaphore offset per probe. */
  refCtrOffsets?: readonly bigint[];
  pid?: number;
  /** Session mode (entry and return in one program, kernel 6.13+). */
  session?: boolean;
  ctx?: KernelContext;
}

/** An executable or library whose functions can be probed. */
export class Executable {
  /** Absolute path of the file. */
  readonly path: string;
  #elf: ElfFile | undefined;
  #symbols: Map<string, FunctionSymbol> | undefined;

  /** Use `openExecutable`. */
  constructor(path: string) {
    this.path = path;
  }

  #functionSymbols(): Map<string, FunctionSymbol> {
    if (this.#symbols) return this.#symbols;
    if (!this.#elf) {
      let bytes: Uint8Array;
      try {
        bytes = readFileSync(this.path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
        throw new EbpfError(`executable ${this.path}: read: ${code}`, code, { cause: e });
      }
      try {
        this.#elf = ElfFile.parse(bytes);
      } catch (e) {
        throw isEbpfError(e) ? e.withContext(`executable ${this.path}`) : e;
      }
    }
    this.#symbols = functionSymbols(this.#elf, `executable ${this.path}`);
    return this.#symbols;
  }

  /** Names of every function symbol defined in the file. */
  symbolNames(): string[] {
    return [...this.#functionSymbols().keys()];
  }

  /** The file offset of function `symbol`, as uprobes take it. */
  symbolOffset(symbol: string): bigint {
    const sym = this.#functionSymbols().get(symbol);
    if (sym === undefined)
      throw new EbpfError(
        `executable ${this.path}: symbol ${JSON.stringify(symbol)} not found (or not defined in this file)`,
        'ENOENT',
      );
    return BigInt(sym.offset);
  }

  #probe(symbol: string, program: LinkProgram, retprobe: boolean, opts: UprobeOptions): Link {
    const ctx = opts.ctx ?? defaultContext();
    const kind = retprobe ? 'uretprobe' : 'uprobe';
    const label = `${kind} ${this.path}:${symbol}`;
    requireProgramType(program, label, { KPROBE: ProgramType.KPROBE });
    const base = opts.address === undefined ? this.symbolOffset(symbol) : BigInt(opts.address);
    const offset = base + BigInt(opts.offset ?? 0);
    if (offset < 0n) throw new EbpfError(`${label}: negative offset`, 'EINVAL');
    const probe = openProbe(ctx, {
      kind: 'uprobe',
      retprobe,
      path: this.path,
      offset,
      pid: opts.pid,
      refCtrOffset: opts.refCtrOffset === undefined ? undefined : BigInt(opts.refCtrOffset),
      symbol,
      legacy: opts.legacy,
      label,
    });
    return attachToPerfEvent(ctx, program, probe.fd, { cookie: opts.cookie, release: probe.release, label });
  }

  /** Runs `program` (type KPROBE) when function `symbol` is entered. */
  uprobe(symbol: string, program: LinkProgram, opts: UprobeOptions = {}): Link {
    return this.#probe(symbol, program, false, opts);
  }

  /** Runs `program` (type KPROBE) when function `symbol` returns. */
  uretprobe(symbol: string, program: LinkProgram, opts: UprobeOptions = {}): Link {
    return this.#probe(symbol, program, true, opts);
  }

  /** Runs `program` at every site of the USDT probe `provider:name` in this executable (see `usdt()`). */
  usdt(
    provider: string,
    name: string,
    program: LinkProgram,
    opts: Omit<UsdtOptions, 'path' | 'provider' | 'name'> = {},
  ): UsdtLink {
    return usdt(program, { ...opts, path: this.path, provider, name });
  }

  #multi(program: LinkProgram, retprobe: boolean, opts: UprobeMultiOptions): Link {
    const ctx = opts.ctx ?? defaultContext();
    const names: string[] = [];
    for (const s of opts.symbols ?? []) {
      if (/[*?]/.test(s)) {
        const hits = matchGlob(this.#functionSymbols().keys(), s);
        if (hits.length === 0)
          throw new EbpfError(`executable ${this.path}: no function matches ${JSON.stringify(s)}`, 'ENOENT');
        names.push(...hits);
      } else names.push(s);
    }
    const offsets = [
      ...names.map((n) => this.symbolOffset(n)),
      ...(opts.offsets ?? []).map((o) => BigInt(o)),
    ];
    const kind = opts.session ? 'uprobe_session' : retprobe ? 'uretprobe_multi' : 'uprobe_multi';
    return attachUprobeMulti(ctx, {
      program,
      path: this.path,
      offsets,
      refCtrOffsets: opts.refCtrOffsets,
      cookies: opts.cookies,
      pid: opts.pid,
      retprobe,
      session: opts.session,
      label: `${kind} ${this.path} (${offsets.length} probes)`,
    });
  }

  /** Runs `program` (loaded for uprobe_multi) at the entry of many functions, with one link. */
  uprobeMulti(program: LinkProgram, opts: UprobeMultiOptions): Link {
    return this.#multi(program, false, opts);
  }

  /** Runs `program` (loaded for uprobe_multi) at the return of many functions, with one link. */
  uretprobeMulti(program: LinkProgram, opts: UprobeMultiOptions): Link {
    return this.#multi(program, true, opts);
  }
}

/** Opens `pathOrLibrary` (a path, or a library name resolved like the dynamic loader) for uprobes. */
export function openExecutable(pathOrLibrary: string): Executable {
  return new Executable(resolve(resolveLibraryPath(pathOrLibrary)));
}
