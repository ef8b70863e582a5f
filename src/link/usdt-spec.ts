/**
 * The USDT spec map protocol shared with `bpf/include/usdt.bpf.h`. The BPF side declares
 * `__ebpf_ts_usdt_specs`, an ARRAY of `struct __ebpf_ts_usdt_spec` indexed by spec id; the loader writes one
 * spec per distinct probe-site layout and attaches each site's uprobe with the spec id as its BPF cookie.
 * Host byte order, layout (208 bytes):
 *
 * ```c
 * struct __ebpf_ts_usdt_arg {   // 16 bytes
 *   __u64 val_off;              //  0: the constant (CONST) or the address displacement (MEM)
 *   __u8  kind;                 //  8: UsdtArgKind
 *   __u8  size;                 //  9: 1, 2, 4 or 8
 *   __u8  is_signed;            // 10: sign-extend to 64 bits
 *   __u8  idx_shift;            // 11: log2 of the index scale (MEM)
 *   __s16 reg_off;              // 12: offsetof(struct pt_regs, reg), -1 for none
 *   __s16 idx_reg_off;          // 14: offsetof(struct pt_regs, index reg), -1 for none
 * };
 * struct __ebpf_ts_usdt_spec {
 *   struct __ebpf_ts_usdt_arg args[12];  //   0
 *   __u64 cookie;                        // 192: the user's cookie (bpf_usdt_cookie)
 *   __u16 arg_cnt;                       // 200
 *   __u16 flags;                         // 202: USDT_SPEC_IN_USE while a link owns the slot
 *   __u32 reserved;                      // 204
 * };
 * ```
 */
import { EbpfError } from '../errors.js';
import { type ByteOrder, ByteReader, hostByteOrder } from '../internal/bytes.js';
import { USDT_MAX_ARGS, type UsdtArg } from './usdt-args.js';
import { instructionPointerOffset, type UsdtArch } from './usdt-registers.js';

/** Name of the spec map in BPF objects built with `usdt.bpf.h`. */
export const USDT_SPEC_MAP_NAME = '__ebpf_ts_usdt_specs';
/** Size of one spec map value. */
export const USDT_SPEC_SIZE = 208;
/** Size of one argument slot in a spec. */
export const USDT_ARG_SPEC_SIZE = 16;
/** Offsets of the fields of `struct __ebpf_ts_usdt_spec` after the argument slots. */
export const UsdtSpecLayout = { args: 0, cookie: 192, argCount: 200, flags: 202, reserved: 204 } as const;
/** `flags` bit: the slot belongs to an open USDT link. */
export const USDT_SPEC_IN_USE = 1;

/** `kind` of an argument slot. */
export const UsdtArgKind = { CONST: 0, REG: 1, MEM: 2 } as const;
/** One of `UsdtArgKind`. */
export type UsdtArgKind = (typeof UsdtArgKind)[keyof typeof UsdtArgKind];

/** One argument slot as the BPF side reads it. */
export interface UsdtArgSpec {
  kind: UsdtArgKind;
  /** Constant value or displacement (two's complement u64). */
  valOff: bigint;
  size: 1 | 2 | 4 | 8;
  signed: boolean;
  /** `pt_regs` offset of the register (REG) or base register (MEM), -1 for none. */
  regOff: number;
  /** `pt_regs` offset of the index register (MEM), -1 for none. */
  idxRegOff: number;
  /** log2 of the index scale. */
  idxShift: number;
}

/** A whole spec: the arguments of one probe site and the user's cookie. */
export interface UsdtSpec {
  args: UsdtArgSpec[];
  cookie: bigint;
}

/** What resolving an argument needs to know about its probe site and file. */
export interface UsdtArgContext {
  arch: UsdtArch;
  /** Link-time virtual address of the probe (what the instruction pointer holds then, minus the load bias). */
  probeAddress: bigint;
  /** True for executables linked at a fixed address (`ET_EXEC`): absolute addresses need no load bias. */
  fixedAddress: boolean;
  /** Link-time address of a symbol, or undefined when the file does not define it. */
  symbolAddress(name: string): bigint | undefined;
  /** Label for errors (`usdt ebpfts:mem`). */
  label: string;
}

/**
 * The slot the BPF side needs for `arg`. Symbolic displacements become instruction-pointer relative (the
 * distance from the probe to the symbol), which is right whatever address the file is loaded at.
 */
export function usdtArgSpec(arg: UsdtArg, ctx: UsdtArgContext): UsdtArgSpec {
  const common = { size: arg.size, signed: arg.signed, idxRegOff: -1, idxShift: 0 };
  if (arg.kind === 'const')
    return { ...common, kind: UsdtArgKind.CONST, valOff: BigInt.asUintN(64, arg.value), regOff: -1 };
  if (arg.kind === 'reg') {
    if (arg.register === undefined) throw new EbpfError(`${ctx.label}: ${arg.text}: no register`, 'EINVAL');
    return { ...common, kind: UsdtArgKind.REG, valOff: 0n, regOff: arg.register.offset };
  }
  const ip = instructionPointerOffset(ctx.arch);
  let regOff = arg.register?.offset ?? -1;
  let valOff = arg.value;
  if (arg.symbol !== undefined) {
    const address = ctx.symbolAddress(arg.symbol);
    if (address === undefined)
      throw new EbpfError(
        `${ctx.label}: argument ${JSON.stringify(arg.text)}: symbol ${JSON.stringify(arg.symbol)} not found in the file`,
        'ENOENT',
      );
    if (regOff === -1 || regOff === ip) {
      regOff = ip;
      valOff = address + arg.value - ctx.probeAddress;
    } else if (ctx.fixedAddress) {
      valOff = address + arg.value;
    } else {
      throw new EbpfError(
        `${ctx.label}: argument ${JSON.stringify(arg.text)}: a symbol plus a register needs a fixed-address executable`,
        'EINVAL',
      );
    }
  }
  return {
    ...common,
    kind: UsdtArgKind.MEM,
    valOff: BigInt.asUintN(64, valOff),
    regOff,
    idxRegOff: arg.index?.offset ?? -1,
    idxShift: arg.scale === undefined ? 0 : Math.log2(arg.scale),
  };
}

/** Encodes `spec` as a map value; `inUse` sets the `USDT_SPEC_IN_USE` flag. */
export function encodeUsdtSpec(spec: UsdtSpec, inUse = true, order: ByteOrder = hostByteOrder): Uint8Array {
  if (spec.args.length > USDT_MAX_ARGS)
    throw new EbpfError(`usdt spec: ${spec.args.length} arguments, at most ${USDT_MAX_ARGS}`, 'EINVAL');
  const out = new Uint8Array(USDT_SPEC_SIZE);
  const dv = new DataView(out.buffer);
  const le = order === 'little';
  spec.args.forEach((a, i) => {
    const at = UsdtSpecLayout.args + i * USDT_ARG_SPEC_SIZE;
    dv.setBigUint64(at, BigInt.asUintN(64, a.valOff), le);
    dv.setUint8(at + 8, a.kind);
    dv.setUint8(at + 9, a.size);
    dv.setUint8(at + 10, a.signed ? 1 : 0);
    dv.setUint8(at + 11, a.idxShift);
    dv.setInt16(at + 12, a.regOff, le);
    dv.setInt16(at + 14, a.idxRegOff, le);
  });
  dv.setBigUint64(UsdtSpecLayout.cookie, BigInt.asUintN(64, spec.cookie), le);
  dv.setUint16(UsdtSpecLayout.argCount, spec.args.length, le);
  dv.setUint16(UsdtSpecLayout.flags, inUse ? USDT_SPEC_IN_USE : 0, le);
  return out;
}

/** Decodes a map value (the inverse of `encodeUsdtSpec`); `ParseError` on a short or invalid value. */
export function decodeUsdtSpec(
  bytes: Uint8Array,
  order: ByteOrder = hostByteOrder,
): UsdtSpec & { inUse: boolean } {
  const r = new ByteReader(bytes, order, 'usdt spec');
  r.check(0, USDT_SPEC_SIZE, 'spec');
  const count = r.u16At(UsdtSpecLayout.argCount);
  if (count > USDT_MAX_ARGS)
    throw r.error(`arg_cnt ${count} exceeds ${USDT_MAX_ARGS}`, UsdtSpecLayout.argCount);
  const args: UsdtArgSpec[] = [];
  for (let i = 0; i < count; i++) {
    const at = UsdtSpecLayout.args + i * USDT_ARG_SPEC_SIZE;
    const kind = r.u8At(at + 8);
    const size = r.u8At(at + 9);
    if (kind > UsdtArgKind.MEM) throw r.error(`argument ${i}: unknown kind ${kind}`, at + 8);
    if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
      throw r.error(`argument ${i}: size ${size}`, at + 9);
    args.push({
      valOff: r.u64At(at),
      kind: kind as UsdtArgKind,
      size,
      signed: r.u8At(at + 10) !== 0,
      idxShift: r.u8At(at + 11),
      regOff: r.i16At(at + 12),
      idxRegOff: r.i16At(at + 14),
    });
  }
  return {
    args,
    cookie: r.u64At(UsdtSpecLayout.cookie),
    inUse: (r.u16At(UsdtSpecLayout.flags) & USDT_SPEC_IN_USE) !== 0,
  };
}

/**
 * What `bpf_usdt_arg` computes for `arg` given register values and memory (a model of the BPF side, for
 * tests and debugging): reads the value, then truncates and sign- or zero-extends it to 64 bits.
 */
export function evaluateUsdtArg(
  arg: UsdtArgSpec,
  register: (offset: number) => bigint,
  readMemory: (address: bigint, size: number) => bigint,
): bigint {
  let raw: bigint;
  if (arg.kind === UsdtArgKind.CONST) raw = arg.valOff;
  else if (arg.kind === UsdtArgKind.REG) raw = register(arg.regOff);
  else {
    let address = arg.valOff;
    if (arg.regOff >= 0) address += register(arg.regOff);
    if (arg.idxRegOff >= 0) address += register(arg.idxRegOff) << BigInt(arg.idxShift & 3);
    raw = readMemory(BigInt.asUintN(64, address), arg.size);
  }
  const bits = arg.size * 8;
  return arg.signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
}
