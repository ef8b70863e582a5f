/**
 * Auto-attach: attaches a program where its ELF section name says (`kprobe/do_unlinkat`,
 * `tracepoint/syscalls/sys_enter_openat`, `uprobe//usr/lib/libc.so.6:malloc`, `tp_btf/sched_switch`,
 * `iter/task`...), like libbpf's skeleton `attach()`. Sections that need a target the name cannot carry
 * (xdp, tc, cgroup) are refused with a hint naming the function to call instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AttachTarget, parseSectionName, type SectionInfo } from '../collection/section-names.js';
import { EbpfError, NotSupportedError } from '../errors.js';
import { defaultContext, type KernelContext } from '../syscall/context.js';
import { matchGlob } from './elf-symbols.js';
import { openExecutable } from './executable.js';
import { attachIter } from './iter.js';
import { kprobe, kretprobe } from './kprobe.js';
import { kprobeMulti } from './kprobe-multi.js';
import type { Link } from './link.js';
import type { LinkProgram } from './program-ref.js';
import { findTracefs } from './tracefs.js';
import { tracepoint } from './tracepoint.js';
import { attachLSM, attachTracing, rawTracepoint } from './tracing.js';
import { usdt } from './usdt.js';

/** Options of `attachFromSection`. */
export interface AutoAttachOptions {
  /** BPF cookie, where the attach point supports one. */
  cookie?: bigint | number;
  ctx?: KernelContext;
}

/** Kernel functions that can be probed, from tracefs `available_filter_functions`. */
export function availableFilterFunctions(tracefs = findTracefs()): string[] {
  if (tracefs === undefined)
    throw new NotSupportedError('kprobe_multi patterns', undefined, 'tracefs is not mounted');
  let text: string;
  try {
    text = readFileSync(join(tracefs, 'available_filter_functions'), 'utf8');
  } catch (e) {
    throw new NotSupportedError('kprobe_multi patterns', undefined, 'no available_filter_functions', {
      cause: e,
    });
  }
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.split(/\s/, 1)[0];
    if (name) names.add(name);
  }
  return [...names];
}

const SECTION_HINTS: Record<string, string> = {
  xdp: 'attachXDP({ program, interface })',
  tc: 'attachTCX({ program, interface, attach })',
  tcx: 'attachTCX({ program, interface, attach })',
  cgroup: 'attachCgroup({ path, attach, program })',
  cgroup_skb: 'attachCgroup({ path, attach, program })',
  sockops: 'attachCgroup({ path, attach: AttachType.CGROUP_SOCK_OPS, program })',
  sk_lookup: 'attachSkLookup({ program, netns })',
  netfilter: 'attachNetfilter({ program, protocolFamily, hook, priority })',
  perf_event: 'perfEventOpen(...) and attachPerfEvent(program, fd)',
};

function noTarget(info: SectionInfo): EbpfError {
  const head = info.section.replace(/^\?/, '').split(/[/.]/, 1)[0] ?? '';
  const hint = SECTION_HINTS[head];
  return new EbpfError(
    `auto-attach ${JSON.stringify(info.section)}: the section name does not say where to attach${hint ? `; use ${hint}` : ''}`,
    'EINVAL',
  );
}

function attachTarget(
  program: LinkProgram,
  info: SectionInfo,
  target: AttachTarget,
  opts: AutoAttachOptions,
  ctx: KernelContext,
): Link {
  const cookie = opts.cookie === undefined ? {} : { cookie: opts.cookie };
  switch (target.kind) {
    case 'kprobe':
      return target.retprobe
        ? kretprobe(target.function, program, { ...cookie, ctx })
        : kprobe(target.function, program, { offset: target.offset, ...cookie, ctx });
    case 'ksyscall': {
      const attach = target.retprobe ? kretprobe : kprobe;
      return attach(`sys_${target.syscall}`, program, { ...cookie, ctx });
    }
    case 'kprobe-multi': {
      const symbols = /[*?]/.test(target.pattern)
        ? matchGlob(availableFilterFunctions(), target.pattern)
        : [target.pattern];
      if (symbols.length === 0)
        throw new EbpfError(
          `auto-attach ${info.section}: no kernel function matches ${target.pattern}`,
          'ENOENT',
        );
      return kprobeMulti({ program, symbols, retprobe: target.retprobe, session: target.session, ctx });
    }
    case 'uprobe': {
      const exe = openExecutable(target.path);
      const attach = target.retprobe ? exe.uretprobe.bind(exe) : exe.uprobe.bind(exe);
      if (target.func === undefined)
        return attach(`0x${target.offset.toString(16)}`, program, { address: target.offset, ...cookie, ctx });
      return attach(target.func, program, { offset: target.offset, ...cookie, ctx });
    }
    case 'uprobe-multi': {
      const exe = openExecutable(target.path);
      const o = { symbols: [target.pattern], session: target.session, ctx };
      return target.retprobe ? exe.uretprobeMulti(program, o) : exe.uprobeMulti(program, o);
    }
    case 'usdt':
      return usdt(program, {
        path: target.path,
        provider: target.provider,
        name: target.name,
        ...cookie,
        ctx,
      });
    case 'tracepoint':
      return tracepoint(target.group, target.name, program, { ...cookie, ctx });
    case 'raw-tracepoint':
      return rawTracepoint({ name: target.name, program, ...cookie, ctx });
    case 'btf':
      if (info.definition?.startsWith('lsm')) return attachLSM({ program, ...cookie, ctx });
      return attachTracing({
        program,
        ...(info.expectedAttachType === undefined ? {} : { attachType: info.expectedAttachType }),
        ...cookie,
        ctx,
      });
    case 'iter':
      return attachIter({ program, ctx });
    case 'struct-ops':
      throw new EbpfError(
        `auto-attach ${info.section}: struct_ops programs attach through their struct_ops map`,
        'EINVAL',
      );
  }
}

/**
 * Attaches `program` where its section name (or parsed `SectionInfo`) points. Throws `EINVAL` for sections
 * without an attach target in the name, `NotSupportedError` for hooks the kernel lacks. USDT sections
 * (`usdt/<path>:<provider>:<name>`) go through `usdt()`, the cookie becoming the `bpf_usdt_cookie` value.
 */
export function attachFromSection(
  program: LinkProgram,
  section: string | SectionInfo,
  opts: AutoAttachOptions = {},
): Link {
  const ctx = opts.ctx ?? defaultContext();
  const info = typeof section === 'string' ? parseSectionName(section) : section;
  if (info.attach === undefined) throw noTarget(info);
  return attachTarget(program, info, info.attach, opts, ctx);
}
