/**
 * Test helper: the running kernel's `vmlinux.h` (generated once per run with bpftool into a temp dir) and a
 * way to evaluate C expressions against it with gcc — our oracle for UAPI layouts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let vmlinuxH: string | undefined;

/** Path to a vmlinux.h for the running kernel (the repo's generated copy if present). */
export function kernelVmlinuxH(): string {
  if (vmlinuxH) return vmlinuxH;
  const repo = join(import.meta.dirname, '..', '..', 'bpf', 'include', 'vmlinux.h');
  if (existsSync(repo)) {
    vmlinuxH = repo;
    return repo;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-vmlinux-'));
  const out = join(dir, 'vmlinux.h');
  writeFileSync(
    out,
    execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'c'], {
      maxBuffer: 1 << 28,
    }),
  );
  vmlinuxH = out;
  return out;
}

/** Compiles and runs a C program that prints one unsigned value per expression; returns them in order. */
export function evalCExpressions(exprs: string[], prelude = ''): bigint[] {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-c-'));
  const src = join(dir, 'eval.c');
  const body = exprs.map((e) => `  printf("%llu\\n", (unsigned long long)(${e}));`).join('\n');
  writeFileSync(
    src,
    `#define BPF_NO_PRESERVE_ACCESS_INDEX\n#include "${kernelVmlinuxH()}"\nint printf(const char *, ...);\n${prelude}\nint main(void) {\n${body}\n  return 0;\n}\n`,
  );
  execFileSync('gcc', ['-w', '-O0', src, '-o', join(dir, 'eval')]);
  const out = execFileSync(join(dir, 'eval'), { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => BigInt(l));
}
