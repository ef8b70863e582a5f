/**
 * Test helper: evaluates C expressions with gcc against the system UAPI headers (/usr/include), printing
 * one unsigned 64-bit value per expression — the oracle for the perf_event layouts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Compiles `#include <linux/perf_event.h>` + `prelude` + one printf per expression; returns the values. */
export function evalPerfC(exprs: string[], prelude = ''): bigint[] {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-perf-c-'));
  try {
    const src = join(dir, 'eval.c');
    const body = exprs.map((e) => `  printf("%llu\\n", (unsigned long long)(${e}));`).join('\n');
    writeFileSync(
      src,
      `#include <linux/perf_event.h>\n#include <stddef.h>\n#include <stdio.h>\n#include <string.h>\n${prelude}\nint main(void) {\n${body}\n  return 0;\n}\n`,
    );
    execFileSync('gcc', ['-Wall', '-Werror', '-O0', src, '-o', join(dir, 'eval')]);
    const out = execFileSync(join(dir, 'eval'), { encoding: 'utf8' });
    return out
      .trim()
      .split('\n')
      .map((l) => BigInt(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
