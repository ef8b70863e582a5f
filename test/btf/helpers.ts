/**
 * Test helpers for BTF: extracting sections from committed objects with llvm-objcopy (src/elf is
 * developed separately, so these tests do not depend on it), running bpftool, and building small
 * hand-made BTF blobs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ByteOrder, ByteWriter } from '../../src/internal/bytes.js';

/** Repository root (tests run from it, see scripts/test.sh). */
export const ROOT = process.cwd();

/** Committed BPF objects under bpf/test (LE and BE). */
export function fixtureObjects(): string[] {
  const dir = join(ROOT, 'bpf', 'test');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.bpf.o') || f.endsWith('.bpfeb.o'))
    .sort()
    .map((f) => join(dir, f));
}

/** Path of a fixture object by base name, e.g. `fixture('btf_types', 'big')`. */
export function fixture(name: string, order: ByteOrder = 'little'): string {
  return join(ROOT, 'bpf', 'test', `${name}${order === 'little' ? '.bpf.o' : '.bpfeb.o'}`);
}

/** The bytes of ELF section `section` of `obj`, or undefined when the object has no such section. */
export function extractSection(obj: string, section: string): Uint8Array | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'btf-test-'));
  try {
    const out = join(dir, 'section.bin');
    try {
      execFileSync('llvm-objcopy-19', [`--dump-section=${section}=${out}`, obj, join(dir, 'junk.o')], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    } catch {
      return undefined;
    }
    return existsSync(out) ? new Uint8Array(readFileSync(out)) : undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `bpftool btf dump file <path> format raw` output. */
export function bpftoolRaw(path: string): string {
  return execFileSync('bpftool', ['btf', 'dump', 'file', path, 'format', 'raw'], {
    maxBuffer: 256 * 1024 * 1024,
    encoding: 'utf8',
  });
}

/** Collapses runs of spaces/tabs and trims line ends, for comparing dumps. */
export function normalizeDump(s: string): string[] {
  return s
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trim())
    .filter((l) => l !== '');
}

/** Encodes a list of u32 words in `order`. */
export function words(order: ByteOrder, ...ws: number[]): Uint8Array {
  const w = new ByteWriter(order);
  for (const x of ws) w.u32(x);
  return w.finish();
}

/** Options of `buildBtf`. */
export interface BuildBtfOptions {
  order?: ByteOrder;
  /** Raw type section bytes. */
  types: Uint8Array;
  /** String section (defaults to `\0int\0`). */
  strings?: Uint8Array;
  /** Layout section bytes (adds layout_off/layout_len to the header). */
  layout?: Uint8Array;
  /** Override header fields (relative offsets as in the wire format). */
  hdr?: Partial<Record<'version' | 'flags' | 'hdrLen', number>>;
}

/** Builds a `.BTF` blob: header, types, [layout], strings. */
export function buildBtf(o: BuildBtfOptions): Uint8Array {
  const order = o.order ?? 'little';
  const strings = o.strings ?? new TextEncoder().encode('\0int\0');
  const hdrLen = o.hdr?.hdrLen ?? (o.layout ? 32 : 24);
  const w = new ByteWriter(order);
  w.u16(0xeb9f)
    .u8(o.hdr?.version ?? 1)
    .u8(o.hdr?.flags ?? 0)
    .u32(hdrLen);
  const layoutLen = o.layout?.byteLength ?? 0;
  w.u32(0).u32(o.types.byteLength);
  w.u32(o.types.byteLength + layoutLen).u32(strings.byteLength);
  if (hdrLen >= 32) w.u32(o.layout ? o.types.byteLength : 0).u32(layoutLen);
  while (w.length < hdrLen) w.u8(0);
  w.bytes(o.types);
  if (o.layout) w.bytes(o.layout);
  w.bytes(strings);
  return w.finish();
}

/** `btf_type.info` from kind, vlen and kind_flag. */
export function info(kind: number, vlen = 0, kflag = false): number {
  return ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0;
}
