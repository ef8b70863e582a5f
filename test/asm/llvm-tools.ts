/**
 * Test support: reads BPF object sections and disassembly through the LLVM 19 tools (llvm-objcopy-19,
 * llvm-objdump-19, llvm-mc-19) so the asm tests check against an independent implementation without
 * importing src/elf.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One line of `llvm-objdump -d`: raw offset (8-byte units), the instruction bytes and the text. */
export interface ObjdumpLine {
  rawOffset: number;
  bytes: Uint8Array;
  text: string;
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-asm-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The raw bytes of one section of an object file (llvm-objcopy -O binary --only-section). */
export function sectionBytes(objectPath: string, section: string): Uint8Array {
  return withTempDir((dir) => {
    const out = join(dir, 'section.bin');
    execFileSync('llvm-objcopy-19', ['-O', 'binary', `--only-section=${section}`, objectPath, out]);
    return new Uint8Array(readFileSync(out));
  });
}

/** The disassembly of one section by llvm-objdump-19 (mcpu v4, so every instruction is known). */
export function objdumpSection(objectPath: string, section: string): ObjdumpLine[] {
  const text = execFileSync('llvm-objdump-19', ['-d', '--mcpu=v4', `--section=${section}`, objectPath], {
    encoding: 'utf8',
  });
  const lines: ObjdumpLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+):\t((?:[0-9a-f]{2} ?)+)\t(.*)$/.exec(line);
    if (m === null) continue;
    const hex = (m[2] as string).trim().split(' ');
    lines.push({
      rawOffset: Number(m[1]),
      bytes: new Uint8Array(hex.map((h) => Number.parseInt(h, 16))),
      text: (m[3] as string).trim(),
    });
  }
  return lines;
}

/** Assembles BPF assembly text with llvm-mc-19 and returns the `.text` bytes and objdump lines. */
export function assembleWithLlvm(
  source: string,
  order: 'little' | 'big',
): { bytes: Uint8Array; lines: ObjdumpLine[] } {
  return withTempDir((dir) => {
    const src = join(dir, 'prog.s');
    const obj = join(dir, 'prog.o');
    writeFileSync(src, source);
    const triple = order === 'little' ? 'bpfel' : 'bpfeb';
    execFileSync('llvm-mc-19', ['-triple', triple, '-mcpu=v4', '-filetype=obj', src, '-o', obj]);
    return { bytes: sectionBytes(obj, '.text'), lines: objdumpSection(obj, '.text') };
  });
}

/** Hex string of bytes, no separators. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
