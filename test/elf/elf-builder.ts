/**
 * A small ELF64 writer for tests: lays out sections (a null section 0 and `.shstrtab` are added), optional
 * program headers pointing at sections, and can use extended numbering (`e_shnum = 0`, `SHN_XINDEX`,
 * `PN_XNUM`). Also encoders for string tables, symbols, relocations and notes. Used to build edge cases
 * that real toolchains rarely produce; readelf cross-checks its output in the edge-case tests.
 */
import { ELF64_SIZES, EM, ET, PN_XNUM, SHN, SHT } from '../../src/elf/index.js';
import { type ByteOrder, ByteWriter } from '../../src/internal/bytes.js';

/** A section to write. `data` is omitted for `SHT_NOBITS` (then `size` gives the memory size). */
export interface SectionSpec {
  name: string;
  type: number;
  flags?: bigint;
  addr?: bigint;
  data?: Uint8Array;
  size?: number;
  link?: number;
  info?: number;
  addralign?: bigint;
  entsize?: number;
}

/** A segment covering the file data of section `section` (by name). */
export interface SegmentSpec {
  type: number;
  section: string;
  flags?: number;
  vaddr?: bigint;
  memsz?: bigint;
  align?: bigint;
}

/** What to build. Section indices in `link`/`info` count the automatic null section as 0. */
export interface ElfSpec {
  order: ByteOrder;
  type?: number;
  machine?: number;
  sections: SectionSpec[];
  segments?: SegmentSpec[];
  /** Store the section count and name table index in section 0 (`e_shnum = 0`, `SHN_XINDEX`). */
  extendedSections?: boolean;
  /** Store the program header count in section 0's `sh_info` (`e_phnum = PN_XNUM`). */
  extendedSegments?: boolean;
  /** Leave out the section header table (`e_shoff = 0`). */
  omitSectionHeaders?: boolean;
}

/** A string table holding `names` (deduplicated) and the offset of each. */
export function stringTable(names: readonly string[]): { bytes: Uint8Array; offsets: Map<string, number> } {
  const offsets = new Map<string, number>([['', 0]]);
  const parts: number[] = [0];
  for (const name of names) {
    if (offsets.has(name)) continue;
    offsets.set(name, parts.length);
    for (const ch of new TextEncoder().encode(name)) parts.push(ch);
    parts.push(0);
  }
  return { bytes: new Uint8Array(parts), offsets };
}

/** One symbol to encode; `name` is an offset into the linked string table. */
export interface SymbolSpec {
  name: number;
  info?: number;
  other?: number;
  shndx: number;
  value?: bigint;
  size?: bigint;
}

/** Encodes `Elf64_Sym` entries (a null symbol is not added). */
export function symbolEntries(order: ByteOrder, symbols: readonly SymbolSpec[]): Uint8Array {
  const w = new ByteWriter(order, symbols.length * ELF64_SIZES.SYMBOL);
  for (const s of symbols) {
    w.u32(s.name)
      .u8(s.info ?? 0)
      .u8(s.other ?? 0)
      .u16(s.shndx)
      .u64(s.value ?? 0n)
      .u64(s.size ?? 0n);
  }
  return w.finish();
}

/** Encodes `Elf64_Rela` (with addends) or `Elf64_Rel` entries. */
export function relocationEntries(
  order: ByteOrder,
  entries: readonly { offset: bigint; symbol: number; type: number; addend?: bigint }[],
  withAddends: boolean,
): Uint8Array {
  const w = new ByteWriter(order, entries.length * ELF64_SIZES.RELA);
  for (const e of entries) {
    w.u64(e.offset).u64((BigInt(e.symbol) << 32n) | BigInt(e.type));
    if (withAddends) w.u64(e.addend ?? 0n);
  }
  return w.finish();
}

/** Encodes notes with name and descriptor padded to `align`. */
export function noteEntries(
  order: ByteOrder,
  notes: readonly { name: string; type: number; desc: Uint8Array }[],
  align: 4 | 8,
): Uint8Array {
  const capacity = notes.reduce((sum, n) => sum + 12 + 2 * align + n.name.length * 4 + n.desc.byteLength, 0);
  const w = new ByteWriter(order, capacity);
  for (const n of notes) {
    const name = new TextEncoder().encode(n.name);
    w.u32(name.byteLength + 1)
      .u32(n.desc.byteLength)
      .u32(n.type);
    w.bytes(name).u8(0).align(align).bytes(n.desc).align(align);
  }
  return w.finish();
}

/** Builds the ELF64 file described by `spec`. */
export function buildElf(spec: ElfSpec): Uint8Array {
  const all: SectionSpec[] = [{ name: '', type: SHT.NULL }, ...spec.sections];
  const names = stringTable([...all.map((s) => s.name), '.shstrtab']);
  all.push({ name: '.shstrtab', type: SHT.STRTAB, data: names.bytes });
  const shstrndx = all.length - 1;
  const segments = spec.segments ?? [];

  const capacity =
    ELF64_SIZES.HEADER +
    segments.length * ELF64_SIZES.PROGRAM_HEADER +
    all.reduce((sum, s) => sum + (s.data?.byteLength ?? 0) + Number(s.addralign ?? 1n), 0) +
    all.length * ELF64_SIZES.SECTION_HEADER +
    8;
  const w = new ByteWriter(spec.order, capacity);
  w.zeros(ELF64_SIZES.HEADER + segments.length * ELF64_SIZES.PROGRAM_HEADER);
  const offsets: number[] = [];
  for (const s of all) {
    const align = Number(s.addralign ?? 1n);
    if (align > 1 && s.type !== SHT.NOBITS) w.align(align);
    offsets.push(s.type === SHT.NULL ? 0 : w.length);
    if (s.data !== undefined && s.type !== SHT.NOBITS) w.bytes(s.data);
  }
  w.align(8);
  const shoff = spec.omitSectionHeaders ? 0 : w.length;
  if (!spec.omitSectionHeaders) {
    all.forEach((s, i) => {
      const size = s.data?.byteLength ?? s.size ?? 0;
      const extended = i === 0 && spec.extendedSections;
      w.u32(names.offsets.get(s.name) ?? 0)
        .u32(s.type)
        .u64(s.flags ?? 0n)
        .u64(s.addr ?? 0n);
      w.u64(BigInt(offsets[i] ?? 0)).u64(BigInt(extended ? all.length : size));
      w.u32(extended ? shstrndx : (s.link ?? 0));
      w.u32(i === 0 && spec.extendedSegments ? segments.length : (s.info ?? 0));
      w.u64(s.addralign ?? 0n).u64(BigInt(s.entsize ?? 0));
    });
  }
  const bytes = w.finish();
  const out = new ByteWriter(spec.order, ELF64_SIZES.HEADER + segments.length * ELF64_SIZES.PROGRAM_HEADER);
  out.bytes(new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, spec.order === 'little' ? 1 : 2, 1, 0]));
  out
    .zeros(8)
    .u16(spec.type ?? ET.REL)
    .u16(spec.machine ?? EM.BPF)
    .u32(1)
    .u64(0n);
  out
    .u64(segments.length > 0 ? BigInt(ELF64_SIZES.HEADER) : 0n)
    .u64(BigInt(shoff))
    .u32(0);
  out.u16(ELF64_SIZES.HEADER).u16(ELF64_SIZES.PROGRAM_HEADER);
  out.u16(spec.extendedSegments ? PN_XNUM : segments.length).u16(ELF64_SIZES.SECTION_HEADER);
  const omit = spec.omitSectionHeaders === true;
  out.u16(omit || spec.extendedSections ? 0 : all.length);
  out.u16(omit ? 0 : spec.extendedSections ? SHN.XINDEX : shstrndx);
  for (const seg of segments) {
    const index = all.findIndex((s) => s.name === seg.section);
    const section = all[index];
    if (section === undefined) throw new Error(`segment refers to unknown section ${seg.section}`);
    const filesz = BigInt(section.data?.byteLength ?? 0);
    out
      .u32(seg.type)
      .u32(seg.flags ?? 4)
      .u64(BigInt(offsets[index] ?? 0));
    out
      .u64(seg.vaddr ?? 0n)
      .u64(seg.vaddr ?? 0n)
      .u64(filesz)
      .u64(seg.memsz ?? filesz)
      .u64(seg.align ?? 4n);
  }
  bytes.set(out.finish(), 0);
  return bytes;
}
