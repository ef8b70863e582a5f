/**
 * USDT probe descriptors: the `.note.stapsdt` notes (owner `stapsdt`, type 3) that `<sys/sdt.h>` emits for
 * every probe site. A descriptor holds the probe's address, the link-time address of `.stapsdt.base`, the
 * semaphore address (0 when none), then NUL-terminated provider, name and argument strings. Addresses are
 * corrected for prelinking (by the distance between the real `.stapsdt.base` and the recorded one) and turned
 * into the file offsets uprobes take: the probe through the `PT_LOAD` segments, the semaphore through the
 * section holding it. Pure: ELF in, probe list out; malformed notes throw `ParseError`.
 */
import { ET, SHF, SHT } from '../elf/constants.js';
import type { ElfFile } from '../elf/elf-file.js';
import type { ElfNote } from '../elf/notes.js';
import { EbpfError, ParseError } from '../errors.js';
import { ByteReader } from '../internal/bytes.js';

/** Note owner of USDT descriptors. */
export const STAPSDT_NOTE_OWNER = 'stapsdt';
/** Note type of USDT descriptors (`NT_STAPSDT`). */
export const NT_STAPSDT = 3;
/** Section holding the descriptors. */
export const STAPSDT_NOTE_SECTION = '.note.stapsdt';
/** Section whose address the descriptors record, used to detect prelinking. */
export const STAPSDT_BASE_SECTION = '.stapsdt.base';

/** One USDT probe site, as recorded in its note (addresses already corrected for prelinking). */
export interface UsdtNote {
  readonly provider: string;
  readonly name: string;
  /** Virtual address of the probe instruction. */
  readonly address: bigint;
  /** The `.stapsdt.base` address recorded in the note. */
  readonly base: bigint;
  /** Virtual address of the semaphore (`unsigned short`), 0n when the probe has none. */
  readonly semaphore: bigint;
  /** The argument specs, space separated (`-4@%edi 8@%rsi`); empty when the probe has none. */
  readonly args: string;
  /** File offset of the note header (for messages). */
  readonly noteOffset: number;
  /** File offset of the argument string within the note (for messages). */
  readonly argsOffset: number;
}

/** A probe site ready to attach: its note plus the file offsets uprobes take. */
export interface UsdtProbe extends UsdtNote {
  /** File offset of the probe instruction (the uprobe offset). */
  readonly offset: number;
  /** File offset of the semaphore (the uprobe `ref_ctr_offset`), undefined when there is none. */
  readonly semaphoreOffset: number | undefined;
}

/** Decodes one `stapsdt` note descriptor (64-bit addresses). `address` is as recorded, uncorrected. */
export function decodeStapsdtNote(
  note: ElfNote,
  fileBytes: Uint8Array,
  byteOrder: 'little' | 'big',
): UsdtNote {
  const descAt = note.desc.byteOffset - fileBytes.byteOffset;
  const r = new ByteReader(note.desc, byteOrder, STAPSDT_NOTE_SECTION, descAt);
  if (r.length < 24) throw r.error(`stapsdt descriptor of ${r.length} bytes is shorter than 24`, 0);
  const address = r.u64At(0);
  const base = r.u64At(8);
  const semaphore = r.u64At(16);
  const provider = r.cstringAt(24, 'provider');
  const nameAt = 24 + byteLengthOf(r, 24) + 1;
  const name = r.cstringAt(nameAt, 'probe name');
  const argsAt = nameAt + byteLengthOf(r, nameAt) + 1;
  const args = argsAt >= r.length ? '' : r.cstringAt(argsAt, 'argument string');
  if (provider === '') throw r.error('empty provider name', 24);
  if (name === '') throw r.error('empty probe name', nameAt);
  return {
    provider,
    name,
    address,
    base,
    semaphore,
    args,
    noteOffset: note.offset,
    argsOffset: descAt + argsAt,
  };
}

/** Length in bytes of the NUL-terminated string at `at` (the reader has checked it is terminated). */
function byteLengthOf(r: ByteReader, at: number): number {
  return r.bytes.indexOf(0, at) - at;
}

/** Every USDT note of `elf`, in file order, with addresses corrected for prelinking. */
export function usdtNotes(elf: ElfFile): UsdtNote[] {
  const baseSection = elf.sectionByName(STAPSDT_BASE_SECTION);
  const notes: UsdtNote[] = [];
  for (const note of elf.notes()) {
    if (note.name !== STAPSDT_NOTE_OWNER || note.type !== NT_STAPSDT) continue;
    const n = decodeStapsdtNote(note, elf.bytes, elf.byteOrder);
    // Prelinking moves the whole file: shift the addresses by how far .stapsdt.base moved.
    if (baseSection === undefined || n.base === 0n || baseSection.addr === n.base) {
      notes.push(n);
      continue;
    }
    const delta = baseSection.addr - n.base;
    notes.push({
      ...n,
      address: BigInt.asUintN(64, n.address + delta),
      semaphore: n.semaphore === 0n ? 0n : BigInt.asUintN(64, n.semaphore + delta),
    });
  }
  return notes;
}

/** The file offset of `address` through the allocated, file-backed section holding it. */
function sectionFileOffset(elf: ElfFile, address: bigint): number | undefined {
  for (const s of elf.sections) {
    if (s.type === SHT.NOBITS || s.type === SHT.NULL || (s.flags & SHF.ALLOC) === 0n) continue;
    if (address >= s.addr && address - s.addr < BigInt(s.size)) return s.offset + Number(address - s.addr);
  }
  return undefined;
}

/** `note` with its file offsets; `ParseError` when an address is not backed by the file. */
export function usdtProbe(elf: ElfFile, note: UsdtNote): UsdtProbe {
  const where = `${note.provider}:${note.name}`;
  const offset = elf.virtualAddressToFileOffset(note.address);
  if (offset === undefined)
    throw new ParseError(
      STAPSDT_NOTE_SECTION,
      note.noteOffset,
      `probe ${where} address 0x${note.address.toString(16)} is not in a loadable segment`,
    );
  let semaphoreOffset: number | undefined;
  if (note.semaphore !== 0n) {
    semaphoreOffset =
      sectionFileOffset(elf, note.semaphore) ?? elf.virtualAddressToFileOffset(note.semaphore);
    if (semaphoreOffset === undefined)
      throw new ParseError(
        STAPSDT_NOTE_SECTION,
        note.noteOffset,
        `probe ${where} semaphore 0x${note.semaphore.toString(16)} is not backed by the file`,
      );
  }
  return { ...note, offset, semaphoreOffset };
}

/**
 * Every USDT probe site of `elf` (an executable or shared object) with its file offsets. Throws `EINVAL`
 * for relocatable objects and `ParseError` for malformed notes.
 */
export function usdtProbes(elf: ElfFile, label = 'usdt'): UsdtProbe[] {
  if (elf.header.type !== ET.EXEC && elf.header.type !== ET.DYN)
    throw new EbpfError(
      `${label}: not an executable or shared object (ELF type ${elf.header.type})`,
      'EINVAL',
    );
  return usdtNotes(elf).map((n) => usdtProbe(elf, n));
}
