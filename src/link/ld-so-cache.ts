/**
 * A parser for glibc's `/etc/ld.so.cache`: the old `ld.so-1.7.0` format, the new `glibc-ld.so.cache1.1`
 * format, and the old format followed by the new one. Pure (bytes in, entries out); malformed input gives
 * a `ParseError` naming `ld.so.cache` and the offset.
 */
import { type ByteOrder, ByteReader, hostByteOrder } from '../internal/bytes.js';

/** One library in the cache: `name` (the soname, e.g. `libc.so.6`) and the `path` it resolves to. */
export interface LdSoCacheEntry {
  /** `FLAG_ELF_LIBC6` (3) in the low byte, the ABI (`LdSoCacheArch`) in the next. */
  flags: number;
  name: string;
  path: string;
  /** Hardware capabilities (new format only; 0 otherwise). */
  hwcap: bigint;
}

/** Entry ABI flags (`flags & 0xff00`) of the 64-bit ABIs Linux BPF runs on. */
export const LdSoCacheArch = {
  X86_64: 0x0300,
  S390X: 0x0400,
  POWERPC64: 0x0500,
  AARCH64: 0x0a00,
  RISCV_DOUBLE: 0x1000,
  LOONGARCH_DOUBLE: 0x1200,
} as const;

/** `FLAG_ELF_LIBC6`. */
export const LD_CACHE_ELF_LIBC6 = 0x0003;

const OLD_MAGIC = 'ld.so-1.7.0';
const NEW_MAGIC = 'glibc-ld.so.cache1.1';
/** `struct cache_file`: `char magic[11]`, padding, `u32 nlibs` at 12, entries from 16. */
const OLD_HEADER = 16;
const OLD_ENTRY = 12;
const NEW_HEADER = 48;
const NEW_ENTRY = 24;
const SECTION = 'ld.so.cache';

function startsWith(bytes: Uint8Array, at: number, magic: string): boolean {
  if (at + magic.length > bytes.byteLength) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic.charCodeAt(i)) return false;
  return true;
}

/** The entry flags of the host's ABI (`FLAG_ELF_LIBC6 | arch`), or undefined for other architectures. */
export function hostLdCacheFlags(arch: string = process.arch): number | undefined {
  const a: Record<string, number> = {
    x64: LdSoCacheArch.X86_64,
    arm64: LdSoCacheArch.AARCH64,
    s390x: LdSoCacheArch.S390X,
    ppc64: LdSoCacheArch.POWERPC64,
    riscv64: LdSoCacheArch.RISCV_DOUBLE,
    loong64: LdSoCacheArch.LOONGARCH_DOUBLE,
  };
  const v = a[arch];
  return v === undefined ? undefined : v | LD_CACHE_ELF_LIBC6;
}

function parseNew(bytes: Uint8Array, base: number): LdSoCacheEntry[] {
  const hdr = new ByteReader(bytes, hostByteOrder, SECTION);
  hdr.check(base, NEW_HEADER, 'new-format header');
  const endianFlag = hdr.u8At(base + 28) & 3;
  const order: ByteOrder = endianFlag === 2 ? 'little' : endianFlag === 3 ? 'big' : hostByteOrder;
  if (endianFlag === 1) throw hdr.error('invalid endianness flag', base + 28);
  const r = new ByteReader(bytes, order, SECTION);
  const nlibs = r.u32At(base + 20);
  const maxLibs = Math.floor((bytes.byteLength - base - NEW_HEADER) / NEW_ENTRY);
  if (nlibs > maxLibs) throw r.error(`${nlibs} entries do not fit (room for ${maxLibs})`, base + 20);
  // String offsets in the new format are relative to the start of its header.
  const strings = r.sub(base, bytes.byteLength - base, SECTION);
  const out: LdSoCacheEntry[] = [];
  for (let i = 0; i < nlibs; i++) {
    const at = base + NEW_HEADER + i * NEW_ENTRY;
    out.push({
      flags: r.i32At(at),
      name: strings.cstringAt(r.u32At(at + 4), `entry ${i} name`),
      path: strings.cstringAt(r.u32At(at + 8), `entry ${i} path`),
      hwcap: r.u64At(at + 16),
    });
  }
  return out;
}

function parseOldEntries(r: ByteReader, nlibs: number): LdSoCacheEntry[] {
  const maxLibs = Math.floor((r.length - OLD_HEADER) / OLD_ENTRY);
  if (nlibs > maxLibs) throw r.error(`${nlibs} entries do not fit (room for ${maxLibs})`, OLD_HEADER - 4);
  const tableStart = OLD_HEADER + nlibs * OLD_ENTRY;
  const strings = r.sub(tableStart, r.length - tableStart, SECTION);
  const out: LdSoCacheEntry[] = [];
  for (let i = 0; i < nlibs; i++) {
    const at = OLD_HEADER + i * OLD_ENTRY;
    out.push({
      flags: r.i32At(at),
      name: strings.cstringAt(r.u32At(at + 4), `entry ${i} name`),
      path: strings.cstringAt(r.u32At(at + 8), `entry ${i} path`),
      hwcap: 0n,
    });
  }
  return out;
}

/** Parses an ld.so.cache file. The new-format part is preferred when both are present. */
export function parseLdSoCache(bytes: Uint8Array): LdSoCacheEntry[] {
  if (startsWith(bytes, 0, NEW_MAGIC)) return parseNew(bytes, 0);
  if (!startsWith(bytes, 0, OLD_MAGIC))
    throw new ByteReader(bytes, hostByteOrder, SECTION).error('not an ld.so.cache (bad magic)', 0);
  const r = new ByteReader(bytes, hostByteOrder, SECTION);
  r.check(0, OLD_HEADER, 'header');
  const nlibs = r.u32At(OLD_HEADER - 4);
  const maxLibs = Math.floor((bytes.byteLength - OLD_HEADER) / OLD_ENTRY);
  if (nlibs > maxLibs) throw r.error(`${nlibs} entries do not fit (room for ${maxLibs})`, OLD_HEADER - 4);
  const newAt = (OLD_HEADER + nlibs * OLD_ENTRY + 7) & ~7;
  if (startsWith(bytes, newAt, NEW_MAGIC)) return parseNew(bytes, newAt);
  return parseOldEntries(r, nlibs);
}
