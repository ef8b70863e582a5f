/**
 * `usdt(program, { path, provider, name })`: attaches a program built with `bpf/include/usdt.bpf.h` to
 * every site of a USDT probe (`<sys/sdt.h>` `STAP_PROBE*`, `DTRACE_PROBE*`) in an executable or library.
 * For each site the argument specs of its note are compiled into a spec (`usdt-spec.ts`), written to the
 * program's `__ebpf_ts_usdt_specs` map, and the site gets a uprobe whose BPF cookie is the spec id (kernel
 * 5.15); probes with a semaphore get the uprobe `ref_ctr_offset`, so the kernel raises the semaphore while
 * attached. Programs loaded with attach type `TRACE_UPROBE_MULTI` get one uprobe_multi link for all sites.
 * Closing the returned `UsdtLink` detaches every site and frees the spec ids.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EM, ET } from '../elf/constants.js';
import { ElfFile } from '../elf/elf-file.js';
import { EbpfError, isEbpfError, NotSupportedError } from '../errors.js';
import type { BpfMap } from '../maps/bpf-map.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { AttachType, ProgramType } from '../syscall/uapi-enums.js';
import { Executable } from './executable.js';
import { resolveLibraryPath } from './library-path.js';
import type { Link } from './link.js';
import { type LinkProgram, requireProgramType } from './program-ref.js';
import { attachUprobeMulti } from './uprobe-multi.js';
import { parseUsdtArgs } from './usdt-args.js';
import { UsdtLink } from './usdt-link.js';
import { type UsdtProbe, usdtProbes } from './usdt-notes.js';
import type { UsdtArch } from './usdt-registers.js';
import { encodeUsdtSpec, type UsdtSpec, usdtArgSpec } from './usdt-spec.js';
import { allocateSpecs, findSpecMap, freeSpecs, openSpecMap, type UsdtSpecMap } from './usdt-spec-map.js';

/** Options of `usdt`. */
export interface UsdtOptions {
  /** The executable or shared library (a path, or a library name resolved like the dynamic loader). */
  path: string;
  /** The probe's provider (`STAP_PROBE(provider, name)`). */
  provider: string;
  /** The probe's name. */
  name: string;
  /** Only fire in this process (default: every process that maps the file). */
  pid?: number;
  /** A value the program reads with `bpf_usdt_cookie(ctx)` (the BPF cookie itself carries the spec id). */
  cookie?: bigint | number;
  /**
   * The `__ebpf_ts_usdt_specs` map the program uses (`collection.maps.__ebpf_ts_usdt_specs`). When omitted
   * it is found among the program's maps. The link keeps its own descriptor on it.
   */
  specMap?: BpfMap<unknown, unknown>;
  /** Create the uprobes through tracefs `uprobe_events` even when the perf uprobe PMU exists. */
  legacy?: boolean;
  ctx?: KernelContext;
}

/** The argument syntax of an ELF machine, or undefined when not supported. */
export function usdtArchOf(machine: number): UsdtArch | undefined {
  if (machine === EM.X86_64) return 'x86_64';
  if (machine === EM.AARCH64) return 'arm64';
  return undefined;
}

function readElf(path: string, label: string): ElfFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new EbpfError(`${label}: read ${path}: ${code}`, code, { cause: e });
  }
  try {
    return ElfFile.parse(bytes);
  } catch (e) {
    throw isEbpfError(e) ? e.withContext(label) : e;
  }
}

/** Every USDT probe site in the file at `pathOrLibrary` (resolved like `openExecutable`). */
export function listUsdtProbes(pathOrLibrary: string): UsdtProbe[] {
  const path = resolve(resolveLibraryPath(pathOrLibrary));
  const label = `usdt ${path}`;
  return usdtProbes(readElf(path, label), label);
}

/** Addresses of the defined symbols of `elf` (symtab first, then dynsym), for symbolic arguments. */
function symbolLookup(elf: ElfFile): (name: string) => bigint | undefined {
  let table: Map<string, bigint> | undefined;
  return (name) => {
    if (table === undefined) {
      table = new Map();
      for (const sym of [...elf.dynamicSymbols(), ...elf.symbols()]) {
        if (sym.name !== '' && sym.sectionIndex !== undefined) table.set(sym.name, sym.value);
      }
    }
    return table.get(name);
  };
}

/** The spec (before encoding) of one probe site. */
function siteSpec(elf: ElfFile, probe: UsdtProbe, cookie: bigint, label: string): UsdtSpec {
  if (probe.args.trim() === '') return { args: [], cookie };
  const arch = usdtArchOf(elf.header.machine);
  if (arch === undefined)
    throw new NotSupportedError(
      `usdt arguments on ELF machine ${elf.header.machine}`,
      undefined,
      `${label}: only x86-64 and arm64 argument specs are understood`,
    );
  const args = parseUsdtArgs(probe.args, arch, `${label} arguments`, probe.argsOffset);
  const ctx = {
    arch,
    probeAddress: probe.address,
    fixedAddress: elf.header.type === ET.EXEC,
    symbolAddress: symbolLookup(elf),
    label,
  };
  return { args: args.map((a) => usdtArgSpec(a, ctx)), cookie };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Encoded specs, deduplicated, and for each site the index of its spec. */
function compileSpecs(
  elf: ElfFile,
  probes: readonly UsdtProbe[],
  cookie: bigint,
  label: string,
): { specs: Uint8Array[]; siteSpec: number[] } {
  const specs: Uint8Array[] = [];
  const byKey = new Map<string, number>();
  const siteIndex = probes.map((p) => {
    const bytes = encodeUsdtSpec(siteSpec(elf, p, cookie, label));
    const key = hex(bytes);
    let i = byKey.get(key);
    if (i === undefined) {
      i = specs.push(bytes) - 1;
      byKey.set(key, i);
    }
    return i;
  });
  return { specs, siteSpec: siteIndex };
}

function attachSites(
  ctx: KernelContext,
  program: LinkProgram,
  path: string,
  probes: readonly UsdtProbe[],
  specIds: readonly number[],
  opts: UsdtOptions,
  label: string,
): Link[] {
  if (program.attachType === AttachType.TRACE_UPROBE_MULTI) {
    return [
      attachUprobeMulti(ctx, {
        program,
        path,
        offsets: probes.map((p) => BigInt(p.offset)),
        refCtrOffsets: probes.some((p) => p.semaphoreOffset !== undefined)
          ? probes.map((p) => BigInt(p.semaphoreOffset ?? 0))
          : undefined,
        cookies: specIds.map((id) => BigInt(id)),
        pid: opts.pid,
        label,
      }),
    ];
  }
  const exe = new Executable(path);
  const links: Link[] = [];
  try {
    probes.forEach((p, i) => {
      const link = exe.uprobe(`${opts.provider}:${opts.name}@0x${p.offset.toString(16)}`, program, {
        address: p.offset,
        cookie: BigInt(specIds[i] ?? 0),
        ctx,
        ...(opts.pid === undefined ? {} : { pid: opts.pid }),
        ...(p.semaphoreOffset === undefined ? {} : { refCtrOffset: p.semaphoreOffset }),
        ...(opts.legacy === undefined ? {} : { legacy: opts.legacy }),
      });
      links.push(link);
      // Without a bpf_link the cookie is silently absent and every site would read spec 0.
      if (link.kind !== 'bpf-link')
        throw new NotSupportedError('bpf cookie on uprobes', '5.15', `${label}: usdt needs BPF cookies`);
    });
  } catch (e) {
    for (const l of links) l.close();
    throw e;
  }
  return links;
}

/**
 * Attaches `program` (type KPROBE, built with `usdt.bpf.h`) to every site of USDT probe
 * `provider:name` in `path`. Returns one link for all sites; closing it detaches them and frees their spec
 * ids. Throws `ENOENT` when the file has no such probe, `ParseError` for notes or argument specs it cannot
 * read, `NotSupportedError` on kernels without BPF cookies on uprobes (5.15).
 */
export function usdt(program: LinkProgram, opts: UsdtOptions): UsdtLink {
  const ctx = opts.ctx ?? defaultContext();
  const path = resolve(resolveLibraryPath(opts.path));
  const label = `usdt ${path}:${opts.provider}:${opts.name}`;
  requireProgramType(program, label, { KPROBE: ProgramType.KPROBE });
  const elf = readElf(path, label);
  const all = usdtProbes(elf, label);
  const probes = all.filter((p) => p.provider === opts.provider && p.name === opts.name);
  if (probes.length === 0) {
    const known = [...new Set(all.map((p) => `${p.provider}:${p.name}`))];
    throw new EbpfError(
      `${label}: no such probe (${known.length === 0 ? 'the file has no USDT probes' : `probes: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', ...' : ''}`})`,
      'ENOENT',
    );
  }
  const cookie = BigInt.asUintN(64, BigInt(opts.cookie ?? 0));
  const { specs, siteSpec: siteIndex } = compileSpecs(elf, probes, cookie, label);
  const map: UsdtSpecMap = opts.specMap ? openSpecMap(opts.specMap, label) : findSpecMap(ctx, program, label);
  let ids: number[] = [];
  let links: Link[];
  try {
    ids = allocateSpecs(map, specs, label);
    const siteIds = siteIndex.map((i) => ids[i] as number);
    links = attachSites(ctx, program, path, probes, siteIds, opts, label);
  } catch (e) {
    try {
      freeSpecs(map, ids);
    } finally {
      map.close();
    }
    throw e;
  }
  return new UsdtLink({
    ctx,
    label,
    links,
    probes,
    specIds: ids,
    release: (keepSpecs) => {
      try {
        if (!keepSpecs) freeSpecs(map, ids);
      } finally {
        map.close();
      }
    },
  });
}
