/**
 * `ebpf-ts/link`: attaching loaded programs to kernel hooks. Every attach function returns a `Link`; closing
 * it detaches. Tracing: `tracepoint`, `rawTracepoint`, `attachTracing`, `attachLSM`, `kprobe`, `kretprobe`,
 * `kprobeMulti`, `openExecutable(path).uprobe(...)`, `perfEventOpen` + `attachPerfEvent`, `attachIter`.
 * Networking: `attachXDP`, `attachTCX`, `attachCgroup`, `attachSkLookup`, `attachNetns`, `attachNetfilter`.
 * USDT: `usdt(program, { path, provider, name })` with `bpf/include/usdt.bpf.h` on the BPF side.
 * `attachFromSection` attaches where a program's ELF section name points.
 */
export { type AutoAttachOptions, attachFromSection, availableFilterFunctions } from './auto-attach.js';
export { type AttachCgroupOptions, attachCgroup, CgroupAttachFlags, openCgroup } from './cgroup.js';
export { type FunctionSymbol, functionSymbols, matchGlob } from './elf-symbols.js';
export {
  Executable,
  openExecutable,
  type UprobeMultiOptions,
  type UprobeOptions,
} from './executable.js';
export {
  type AttachIterOptions,
  attachIter,
  CgroupIterOrder,
  IterLink,
  type IterMap,
  IterReader,
} from './iter.js';
export { archSyscallPrefix, syscallPrefix, syscallSymbol } from './kallsyms.js';
export { type KprobeOptions, kprobe, kretprobe } from './kprobe.js';
export { KPROBE_MULTI_RETURN, type KprobeMultiOptions, kprobeMulti } from './kprobe-multi.js';
export { type LdSoCacheEntry, parseLdSoCache } from './ld-so-cache.js';
export { defaultLibraryDirs, type ResolveLibraryOptions, resolveLibraryPath } from './library-path.js';
export {
  Link,
  type LinkInit,
  type LinkKind,
  type LinkUpdateOptions,
  type LoadPinnedLinkOptions,
} from './link.js';
export {
  decodeLinkInfo,
  type LinkDetails,
  type LinkInfo,
  linkTypeName,
  type PerfEventLinkDetails,
  readLinkInfo,
} from './link-info.js';
export { LinkInfoOffsets, PerfEventLinkType } from './link-info-layout.js';
export {
  type AttachNetfilterOptions,
  attachNetfilter,
  NETFILTER_IP_DEFRAG,
  NetfilterHook,
  NetfilterProtocol,
} from './netfilter.js';
export {
  type AttachNetnsOptions,
  type AttachSkLookupOptions,
  attachNetns,
  attachSkLookup,
  CURRENT_NETNS,
} from './netns.js';
export {
  type AttachTcxOptions,
  type AttachXdpOptions,
  attachTCX,
  attachXDP,
  type InterfaceRef,
  interfaceIndex,
  MprogFlags,
  type TcxAnchor,
  XdpFlags,
  type XdpMode,
} from './network.js';
export {
  type AttachPerfEventOptions,
  attachPerfEvent,
  type PerfEventOpenOptions,
  perfEventOpen,
} from './perf-event.js';
export {
  buildPerfEventAttr,
  type PerfEventAttrInit,
  PerfEventAttrLayout,
  PerfEventIoctl,
  PerfFlag,
  PerfHardwareConfig,
  PerfSampleType,
  PerfSoftwareConfig,
  PerfType,
} from './perf-event-attr.js';
export { type PmuFormatField, parsePmuFormat, pmuFormat, pmuType } from './pmu.js';
export { probeSupport } from './probe-event.js';
export type { LinkProgram } from './program-ref.js';
export { findTracefs, tracepointId } from './tracefs.js';
export { type TracepointOptions, tracepoint } from './tracepoint.js';
export {
  type AttachLsmOptions,
  type AttachTracingOptions,
  attachLSM,
  attachTracing,
  type RawTracepointOptions,
  rawTracepoint,
} from './tracing.js';
export { UPROBE_MULTI_RETURN } from './uprobe-multi.js';
export { listUsdtProbes, type UsdtOptions, usdt, usdtArchOf } from './usdt.js';
export { parseUsdtArg, parseUsdtArgs, USDT_MAX_ARGS, type UsdtArg } from './usdt-args.js';
export { UsdtLink, type UsdtLinkInit } from './usdt-link.js';
export { type UsdtNote, type UsdtProbe, usdtNotes, usdtProbes } from './usdt-notes.js';
export { type UsdtArch, type UsdtRegister, usdtRegister } from './usdt-registers.js';
export {
  decodeUsdtSpec,
  encodeUsdtSpec,
  evaluateUsdtArg,
  USDT_SPEC_MAP_NAME,
  USDT_SPEC_SIZE,
  type UsdtArgContext,
  UsdtArgKind,
  type UsdtArgSpec,
  type UsdtSpec,
  usdtArgSpec,
} from './usdt-spec.js';
