/**
 * Kernel symbol helpers: whether `/proc/kallsyms` lists a symbol, and the architecture prefix of syscall
 * entry points (`__x64_sys_openat`, `__arm64_sys_openat`) so `kprobe("sys_openat")` hits the real function.
 */
import { readFileSync } from 'node:fs';
import type { KernelContext } from '../syscall/context.js';

/** Where the kernel lists its symbols. */
export const KALLSYMS_PATH = '/proc/kallsyms';

/** The `__<arch>_` prefix syscall wrappers carry on `arch` (a `process.arch` value), or undefined. */
export function archSyscallPrefix(arch: string = process.arch): string | undefined {
  const names: Record<string, string> = {
    x64: 'x64',
    ia32: 'ia32',
    arm64: 'arm64',
    arm: 'arm',
    s390x: 's390x',
    s390: 's390',
    riscv64: 'riscv',
    ppc64: 'powerpc64',
    ppc: 'powerpc',
    mips: 'mips',
    mipsel: 'mips',
  };
  const name = names[arch];
  return name === undefined ? undefined : `__${name}_`;
}

/** True when `text` (the contents of /proc/kallsyms) lists `symbol` (in vmlinux or a module). */
export function kallsymsHas(text: string, symbol: string): boolean {
  for (const end of ['\n', '\t']) {
    const needle = ` ${symbol}${end}`;
    let at = text.indexOf(needle);
    while (at >= 0) {
      // `<addr> <type> <name>`: the character before the space is the one-letter symbol type.
      if (at >= 2 && text[at - 2] === ' ') return true;
      at = text.indexOf(needle, at + 1);
    }
  }
  return false;
}

function readKallsyms(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The prefix the running kernel's syscall entry points carry (`__x64_`), found by looking for the prefixed
 * `sys_bpf` in kallsyms; `''` on kernels without syscall wrappers. Cached on the context.
 */
export function syscallPrefix(ctx: KernelContext, path = KALLSYMS_PATH): string {
  return ctx.cached(`link:syscall-prefix:${path}`, () => {
    const prefix = archSyscallPrefix();
    if (prefix === undefined) return '';
    const text = readKallsyms(path);
    if (text === undefined) return '';
    return kallsymsHas(text, `${prefix}sys_bpf`) ? prefix : '';
  });
}

/** The kernel function a `sys_<name>` syscall probe should use (`sys_openat` → `__x64_sys_openat`). */
export function syscallSymbol(ctx: KernelContext, symbol: string, path = KALLSYMS_PATH): string {
  if (!symbol.startsWith('sys_')) return symbol;
  return `${syscallPrefix(ctx, path)}${symbol}`;
}
