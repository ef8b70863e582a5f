/**
 * Where USDT argument registers live in the kernel's `struct pt_regs` (the context of uprobe programs), for
 * the architectures whose argument syntax `usdt-args.ts` understands: x86-64 (every general purpose register
 * under its 64/32/16/8-bit names, and `rip`) and arm64 (`x0`-`x30`, `w0`-`w30`, `fp`, `lr`, `sp`, `pc`).
 * Narrow register names map to the full register's slot: the argument size then selects the low bytes.
 */

/** An architecture with a USDT argument syntax and a register table. */
export type UsdtArch = 'x86_64' | 'arm64';

/** Byte offsets of the x86-64 `struct pt_regs` slots (`arch/x86/include/asm/ptrace.h`). */
export const X86_64_PT_REGS = {
  r15: 0,
  r14: 8,
  r13: 16,
  r12: 24,
  rbp: 32,
  rbx: 40,
  r11: 48,
  r10: 56,
  r9: 64,
  r8: 72,
  rax: 80,
  rcx: 88,
  rdx: 96,
  rsi: 104,
  rdi: 112,
  orig_rax: 120,
  rip: 128,
  cs: 136,
  eflags: 144,
  rsp: 152,
  ss: 160,
} as const;

/** Size of the x86-64 `struct pt_regs`. */
export const X86_64_PT_REGS_SIZE = 168;

/** Byte offset of `sp` in the arm64 `struct pt_regs` (after `regs[31]`); `pc` follows it. */
export const ARM64_PT_REGS_SP = 248;
/** Byte offset of `pc` in the arm64 `struct pt_regs`. */
export const ARM64_PT_REGS_PC = 256;

/** A register named in an argument spec: its `pt_regs` offset and its width in bytes. */
export interface UsdtRegister {
  /** Canonical (64-bit) name: `rdi`, `x3`. */
  readonly name: string;
  /** `offsetof(struct pt_regs, <register>)`. */
  readonly offset: number;
  /** Width of the name used (`%edi` is 4, `w3` is 4, `x3` is 8). */
  readonly width: 1 | 2 | 4 | 8;
}

function x86Table(): Map<string, UsdtRegister> {
  const table = new Map<string, UsdtRegister>();
  const add = (alias: string, name: keyof typeof X86_64_PT_REGS, width: 1 | 2 | 4 | 8): void => {
    table.set(alias, { name, offset: X86_64_PT_REGS[name], width });
  };
  // The legacy registers: rax, eax, ax, al (the high-byte names ah..dh are not addressable through pt_regs).
  for (const [x, low8] of [
    ['a', 'al'],
    ['b', 'bl'],
    ['c', 'cl'],
    ['d', 'dl'],
  ] as const) {
    const name = `r${x}x` as keyof typeof X86_64_PT_REGS;
    add(name, name, 8);
    add(`e${x}x`, name, 4);
    add(`${x}x`, name, 2);
    add(low8, name, 1);
  }
  for (const [x, low8] of [
    ['si', 'sil'],
    ['di', 'dil'],
    ['bp', 'bpl'],
    ['sp', 'spl'],
  ] as const) {
    const name = `r${x}` as keyof typeof X86_64_PT_REGS;
    add(name, name, 8);
    add(`e${x}`, name, 4);
    add(x, name, 2);
    add(low8, name, 1);
  }
  for (let n = 8; n <= 15; n++) {
    const name = `r${n}` as keyof typeof X86_64_PT_REGS;
    add(name, name, 8);
    add(`${name}d`, name, 4);
    add(`${name}w`, name, 2);
    add(`${name}b`, name, 1);
    add(`${name}l`, name, 1);
  }
  add('rip', 'rip', 8);
  add('eip', 'rip', 4);
  return table;
}

function arm64Table(): Map<string, UsdtRegister> {
  const table = new Map<string, UsdtRegister>();
  for (let n = 0; n <= 30; n++) {
    table.set(`x${n}`, { name: `x${n}`, offset: n * 8, width: 8 });
    table.set(`w${n}`, { name: `x${n}`, offset: n * 8, width: 4 });
  }
  table.set('fp', { name: 'x29', offset: 29 * 8, width: 8 });
  table.set('lr', { name: 'x30', offset: 30 * 8, width: 8 });
  table.set('sp', { name: 'sp', offset: ARM64_PT_REGS_SP, width: 8 });
  table.set('wsp', { name: 'sp', offset: ARM64_PT_REGS_SP, width: 4 });
  table.set('pc', { name: 'pc', offset: ARM64_PT_REGS_PC, width: 8 });
  return table;
}

const TABLES: Readonly<Record<UsdtArch, ReadonlyMap<string, UsdtRegister>>> = Object.freeze({
  x86_64: x86Table(),
  arm64: arm64Table(),
});

/**
 * Looks up register `name` (without `%`, lowercase) of `arch`: its `pt_regs` offset and width, or
 * `undefined` when the name is unknown or not in `pt_regs` (x86 `%ah`, `%xmm0`; arm64 `v0`).
 */
export function usdtRegister(arch: UsdtArch, name: string): UsdtRegister | undefined {
  return TABLES[arch].get(name.toLowerCase());
}

/** The `pt_regs` offset of the instruction pointer of `arch` (`rip`, `pc`). */
export function instructionPointerOffset(arch: UsdtArch): number {
  return arch === 'x86_64' ? X86_64_PT_REGS.rip : ARM64_PT_REGS_PC;
}
