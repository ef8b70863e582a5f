/**
 * Test helper: the running kernel's `vmlinux.h` (generated once per run with bpftool into a temp dir) and a
 * way to evaluate C expressions against it with gcc — our oracle for UAPI layouts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Enum, loadKernelSpec, Struct, type Type, Union } from '../../src/btf/index.js';
import { underlyingType } from '../../src/btf/type-utils.js';

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

/** True when `path` (`a.b.c`) names a member of `type`, looking through anonymous struct/union members as C does. */
function hasMemberPath(type: Type, path: readonly string[]): boolean {
  const [head, ...rest] = path;
  if (head === undefined) return true;
  const u = underlyingType(type);
  if (!(u instanceof Struct || u instanceof Union)) return false;
  return u.members.some(
    (m) => (m.name === head && hasMemberPath(m.type, rest)) || (m.name === '' && hasMemberPath(m.type, path)),
  );
}

/**
 * Whether the running kernel's `cType` (`union bpf_attr`, `struct bpf_link_info`) has the member `path`
 * (`link_create.kprobe_multi.cnt`), from its BTF. Layout tests use it to compare only the members an older
 * kernel has: our layouts carry the newest fields, which older kernels accept as zeroed tail bytes.
 */
export function kernelHasMember(cType: string, path: string): boolean {
  const m = /^(struct|union) (\w+)$/.exec(cType);
  if (!m) throw new Error(`kernelHasMember: not a struct or union: ${cType}`);
  const spec = loadKernelSpec();
  const type =
    m[1] === 'struct' ? spec.typeByName(m[2] as string, Struct) : spec.typeByName(m[2] as string, Union);
  return hasMemberPath(type, path.split('.'));
}

/** The enumerator names of the running kernel's `enum <name>`, from its BTF. */
export function kernelEnumerators(name: string): Set<string> {
  return new Set(
    loadKernelSpec()
      .typeByName(name, Enum)
      .values.map((v) => v.name),
  );
}
