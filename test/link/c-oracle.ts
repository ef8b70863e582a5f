/**
 * Test helper: evaluates C expressions with gcc against a chosen set of system headers (the UAPI headers in
 * /usr/include, not vmlinux.h), printing one unsigned 64-bit value per expression.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Compiles `#include`s + `prelude` + one printf per expression, runs it, returns the values in order. */
export function evalWithHeaders(includes: string[], exprs: string[], prelude = ''): bigint[] {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-link-c-'));
  try {
    const src = join(dir, 'eval.c');
    const body = exprs.map((e) => `  printf("%llu\\n", (unsigned long long)(${e}));`).join('\n');
    writeFileSync(
      src,
      `${includes.map((h) => `#include <${h}>`).join('\n')}\n#include <stddef.h>\n#include <stdio.h>\n${prelude}\nint main(void) {\n${body}\n  return 0;\n}\n`,
    );
    execFileSync('gcc', ['-w', '-O0', src, '-o', join(dir, 'eval')]);
    const out = execFileSync(join(dir, 'eval'), { encoding: 'utf8' });
    return out
      .trim()
      .split('\n')
      .map((l) => BigInt(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
