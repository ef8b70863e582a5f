/**
 * The ELF64 program header table (`Elf64_Phdr`): the segments a loader maps. When `e_phnum` is `PN_XNUM`
 * the real count lives in section 0's `sh_info`.
 */
import { ByteReader } from '../internal/bytes.js';
import { ELF64_SIZES, PN_XNUM, PT } from './constants.js';
import type { ElfHeader } from './header.js';
import type { ElfSection } from './section-headers.js';

/**
 * One program header. `offset` and `filesz` index the file and are numbers (checked to be safe integers);
 * addresses, the memory size and the alignment stay bigints.
 */
export interface ProgramHeader {
  /** Position in the program header table. */
  readonly index: number;
  /** `p_type`: `PT.LOAD`, `PT.NOTE`, ... */
  readonly type: number;
  /** `p_flags`: `PF.*` bits. */
  readonly flags: number;
  /** `p_offset`: file offset of the segment. */
  readonly offset: number;
  /** `p_vaddr`: virtual address. */
  readonly vaddr: bigint;
  /** `p_paddr`: physical address. */
  readonly paddr: bigint;
  /** `p_filesz`: bytes of the segment present in the file. */
  readonly filesz: number;
  /** `p_memsz`: bytes of the segment in memory. */
  readonly memsz: bigint;
  /** `p_align`: alignment. */
  readonly align: bigint;
}

/**
 * Reads every program header. The count is checked against the file size before anything is allocated;
 * errors are `ParseError`s in section `program headers` (or `elf header`).
 */
export function parseProgramHeaders(
  bytes: Uint8Array,
  header: ElfHeader,
  sections: readonly ElfSection[],
): ProgramHeader[] {
  const count = header.phnum === PN_XNUM && sections[0] !== undefined ? sections[0].info : header.phnum;
  if (count === 0 || header.phoff === 0) return [];
  if (header.phentsize < ELF64_SIZES.PROGRAM_HEADER) {
    throw new ByteReader(bytes, header.byteOrder, 'elf header').error(
      `e_phentsize ${header.phentsize} is smaller than ${ELF64_SIZES.PROGRAM_HEADER}`,
      54,
    );
  }
  const r = new ByteReader(bytes, header.byteOrder, 'program headers');
  r.check(header.phoff, 0, 'program header table');
  const maxCount = Math.floor((bytes.byteLength - header.phoff) / header.phentsize);
  if (count > maxCount) {
    throw r.error(
      `${count} program headers of ${header.phentsize} bytes do not fit in the file (room for ${maxCount})`,
      header.phoff,
    );
  }
  const result: ProgramHeader[] = [];
  for (let index = 0; index < count; index++) {
    const at = header.phoff + index * header.phentsize;
    result.push({
      index,
      type: r.u32At(at),
      flags: r.u32At(at + 4),
      offset: r.u64NumAt(at + 8, 'p_offset'),
      vaddr: r.u64At(at + 16),
      paddr: r.u64At(at + 24),
      filesz: r.u64NumAt(at + 32, 'p_filesz'),
      memsz: r.u64At(at + 40),
      align: r.u64At(at + 48),
    });
  }
  return result;
}

/**
 * The file offset holding virtual address `addr`, found through the `PT_LOAD` segments (the address must
 * lie in the part of a segment backed by the file, not its zero-filled tail); `undefined` when unmapped.
 */
export function virtualAddressToFileOffset(
  programHeaders: readonly ProgramHeader[],
  addr: bigint,
): number | undefined {
  for (const ph of programHeaders) {
    if (ph.type !== PT.LOAD || addr < ph.vaddr) continue;
    const delta = addr - ph.vaddr;
    if (delta < ph.filesz) return ph.offset + Number(delta);
  }
  return undefined;
}

/** The file-backed part of one `PT_LOAD` segment: addresses `[start, end)` live at `offset` onwards. */
export interface LoadRange {
  readonly start: bigint;
  readonly end: bigint;
  readonly offset: number;
}

/** The file-backed address ranges of the `PT_LOAD` segments, in table order (for repeated lookups). */
export function loadRanges(programHeaders: readonly ProgramHeader[]): LoadRange[] {
  return programHeaders
    .filter((ph) => ph.type === PT.LOAD)
    .map((ph) => ({ start: ph.vaddr, end: ph.vaddr + BigInt(ph.filesz), offset: ph.offset }));
}

/** `virtualAddressToFileOffset` over ranges from `loadRanges`: one bigint subtraction, on a hit only. */
export function fileOffsetInRanges(ranges: readonly LoadRange[], addr: bigint): number | undefined {
  for (const range of ranges) {
    if (addr >= range.start && addr < range.end) return range.offset + Number(addr - range.start);
  }
  return undefined;
}
