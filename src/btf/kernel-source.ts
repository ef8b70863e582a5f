/**
 * Finding and reading the running kernel's BTF: `/sys/kernel/btf/vmlinux` when the kernel exposes it
 * (5.4+ with CONFIG_DEBUG_INFO_BTF), else the `.BTF` section of an uncompressed vmlinux ELF image in
 * the places distributions install one (the list libbpf searches). ELF images can be hundreds of MiB:
 * only their headers, section name table and `.BTF` section are read.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { ElfFile, PN_XNUM, parseElfHeader, parseSectionHeaders, SHN, SHT } from '../elf/index.js';
import { EbpfError, NotSupportedError, ParseError } from '../errors.js';
import type { SyscallBackend } from '../syscall/backend.js';
import { BTF_MAGIC } from './kind.js';

/** Directory where the kernel exposes vmlinux and module BTF. */
export const SYSFS_BTF_DIR = '/sys/kernel/btf';

/** Where the kernel exposes its own BTF. */
export const SYSFS_VMLINUX_BTF = `${SYSFS_BTF_DIR}/vmlinux`;

/** First kernel that exposes `/sys/kernel/btf/vmlinux`. */
export const KERNEL_BTF_MIN_KERNEL = '5.4';

/**
 * Files searched for the kernel's BTF, in order: sysfs, then vmlinux ELF images for kernel `release`
 * (`uname -r`), as libbpf's `btf__load_vmlinux_btf` does.
 */
export function vmlinuxBtfCandidates(release: string): string[] {
  return [SYSFS_VMLINUX_BTF, ...vmlinuxImageCandidates(release)];
}

/** The vmlinux ELF images searched after sysfs for kernel `release`. */
export function vmlinuxImageCandidates(release: string): string[] {
  return [
    `/boot/vmlinux-${release}`,
    `/lib/modules/${release}/vmlinux-${release}`,
    `/lib/modules/${release}/build/vmlinux`,
    `/usr/lib/modules/${release}/kernel/vmlinux`,
    `/usr/lib/debug/boot/vmlinux-${release}`,
    `/usr/lib/debug/boot/vmlinux-${release}.debug`,
    `/usr/lib/debug/lib/modules/${release}/vmlinux`,
  ];
}

/** BTF bytes and the file they came from. */
export interface BtfFileContents {
  /** The file read. */
  readonly path: string;
  /** Raw BTF: the whole file, or the `.BTF` section of an ELF file. */
  readonly bytes: Uint8Array;
  /** Whether the file was raw BTF or an ELF image. */
  readonly format: 'raw' | 'elf';
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;

function isElf(head: Uint8Array): boolean {
  return ELF_MAGIC.every((b, i) => head[i] === b);
}

function isBtf(head: Uint8Array): boolean {
  if (head.byteLength < 2) return false;
  const le = (head[0] as number) | ((head[1] as number) << 8);
  const be = ((head[0] as number) << 8) | (head[1] as number);
  return le === BTF_MAGIC || be === BTF_MAGIC;
}

/** Reads `len` bytes at `pos` of `fd` into `buf` at the same offset; throws ParseError if short. */
function preadInto(fd: number, buf: Uint8Array, pos: number, len: number, path: string): void {
  if (len <= 0) return;
  if (pos < 0 || pos + len > buf.byteLength)
    throw new ParseError(path, pos, `${len} bytes lie outside the file`);
  let done = 0;
  while (done < len) {
    const n = readSync(fd, buf, pos + done, len - done, pos + done);
    if (n <= 0) throw new ParseError(path, pos + done, 'unexpected end of file');
    done += n;
  }
}

/**
 * The `.BTF` section of an ELF file, reading only what is needed: the file header, section header
 * table, section name table and `.BTF`. The rest of the buffer stays zero-filled (untouched pages).
 * Throws ParseError when the file is malformed or has no `.BTF` section.
 */
export function readElfBtfSection(fd: number, size: number, path: string): Uint8Array {
  const image = new Uint8Array(size);
  preadInto(fd, image, 0, Math.min(64, size), path);
  const header = parseElfHeader(image);
  const { shoff, shentsize } = header;
  if (shoff === 0 || shoff + shentsize > size) {
    throw new ParseError(path, 0, 'no section header table inside the file');
  }
  // Section 0 holds the real count and name table index when they overflow the header (SHN_XINDEX).
  preadInto(fd, image, shoff, shentsize, path);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const le = header.byteOrder === 'little';
  const count = header.shnum !== 0 ? header.shnum : Number(view.getBigUint64(shoff + 32, le));
  if (count > Math.floor((size - shoff) / shentsize))
    throw new ParseError(path, shoff, `${count} section headers do not fit in the file`);
  preadInto(fd, image, shoff, count * shentsize, path);
  const nameIndex = header.shstrndx === SHN.XINDEX ? view.getUint32(shoff + 40, le) : header.shstrndx;
  if (nameIndex !== SHN.UNDEF && nameIndex < count) {
    const at = shoff + nameIndex * shentsize;
    const offset = view.getBigUint64(at + 24, le);
    const length = view.getBigUint64(at + 32, le);
    if (view.getUint32(at + 4, le) !== SHT.NOBITS && offset + length <= BigInt(size))
      preadInto(fd, image, Number(offset), Number(length), path);
  }
  const table = parseSectionHeaders(image, header);
  const phnum = header.phnum === PN_XNUM ? (table.sections[0]?.info ?? 0) : header.phnum;
  const phLen = header.phentsize * phnum;
  if (header.phoff !== 0 && header.phoff + phLen <= size) preadInto(fd, image, header.phoff, phLen, path);
  const elf = ElfFile.parse(image);
  const btf = elf.sectionByName('.BTF');
  if (btf === undefined || btf.type === SHT.NOBITS)
    throw new ParseError(path, 0, 'ELF file has no .BTF section');
  preadInto(fd, image, btf.offset, btf.size, path);
  return elf.sectionData(btf);
}

/** An fs error as an `EbpfError` with the same `code` (`ENOENT`, `EACCES`...). */
function fsError(path: string, e: unknown): EbpfError {
  const code = errorCode(e) ?? 'EIO';
  const detail = e instanceof Error ? e.message.replace(/^[A-Z]+: /, '') : String(e);
  return new EbpfError(`read BTF ${path}: ${detail}`, code, { cause: e });
}

/**
 * Reads BTF from `path`: a raw BTF file (like `/sys/kernel/btf/vmlinux`) or the `.BTF` section of an ELF
 * file. Throws `EbpfError` with the fs error's code (`ENOENT`...) when the file cannot be read,
 * `ParseError` when it is neither raw BTF nor an ELF file with `.BTF`.
 */
export function readBtfFile(path: string): BtfFileContents {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw fsError(path, e);
  }
  try {
    const head = new Uint8Array(4);
    const n = readSync(fd, head, 0, 4, 0);
    if (n >= 4 && isElf(head)) {
      const size = fstatSync(fd).size;
      return { path, bytes: readElfBtfSection(fd, size, path), format: 'elf' };
    }
    if (!isBtf(head.subarray(0, n))) throw new ParseError(path, 0, 'neither raw BTF nor an ELF file');
    const data = readFileSync(fd);
    return { path, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), format: 'raw' };
  } catch (e) {
    if (e instanceof EbpfError) throw e;
    throw fsError(path, e);
  } finally {
    closeSync(fd);
  }
}

function errorCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

const PROT_READ = 1;
const MAP_PRIVATE = 2;

/** A mapping to undo once nothing references its memory. */
interface Mapping {
  readonly backend: SyscallBackend;
  readonly addr: bigint;
  readonly length: number;
}

const unmapWhenCollected = new FinalizationRegistry<Mapping>((m) => {
  m.backend.munmap(m.addr, m.length);
});

/**
 * Maps a raw BTF file read-only instead of reading it: sysfs serves at most a page per read, so the
 * kernel's BTF takes over a thousand reads, while `/sys/kernel/btf/vmlinux` can be mmapped (Linux
 * 6.16+) at almost no cost. Returns undefined when it cannot be mapped (older kernel, a backend without
 * mmap, not raw BTF, any error): the caller then reads the file. The mapping is undone once the returned
 * bytes are garbage collected. They are read-only memory: only hand them to a parser that never
 * writes to its input (`loadSpec`). Map only files that cannot shrink while mapped (sysfs BTF).
 */
export function mapBtfFile(path: string, backend: SyscallBackend): BtfFileContents | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  let addr = -1n;
  let length = 0;
  try {
    length = fstatSync(fd).size;
    if (length < 4) return undefined;
    addr = backend.mmap(length, PROT_READ, MAP_PRIVATE, fd, 0);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
  if (addr < 0n) return undefined;
  let memory: ArrayBuffer;
  try {
    memory = backend.memoryView(addr, length);
  } catch {
    backend.munmap(addr, length);
    return undefined;
  }
  unmapWhenCollected.register(memory, { backend, addr, length });
  const bytes = new Uint8Array(memory, 0, length);
  return isBtf(bytes.subarray(0, 2)) ? { path, bytes, format: 'raw' } : undefined;
}

/**
 * The first candidate that holds kernel BTF (see `vmlinuxBtfCandidates`; a lazy iterable is consumed
 * only as far as needed), read with `read` (default `readBtfFile`). Missing files are skipped silently;
 * unreadable or malformed ones are skipped and named in the error. Throws
 * `NotSupportedError('kernel BTF', '5.4')` when none works.
 */
export function locateKernelBtf(
  candidates: Iterable<string>,
  read: (path: string) => BtfFileContents = readBtfFile,
): BtfFileContents {
  const problems: string[] = [];
  const searched: string[] = [];
  for (const path of candidates) {
    searched.push(path);
    try {
      return read(path);
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      problems.push(`${path}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const list = `searched ${searched.join(', ')}`;
  throw new NotSupportedError(
    'kernel BTF',
    KERNEL_BTF_MIN_KERNEL,
    problems.length > 0 ? `${problems.join('; ')} (${list})` : `${list}; is CONFIG_DEBUG_INFO_BTF set?`,
  );
}

/** Throws unless `name` is a plain file name (a module name: no `/`, not `.`/`..`, no NUL). */
export function checkModuleName(name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\0]/.test(name)) {
    throw new EbpfError(`invalid kernel module name ${JSON.stringify(name)}`, 'EINVAL');
  }
}
