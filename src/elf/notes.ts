/**
 * ELF notes (`SHT_NOTE` sections, `PT_NOTE` segments): a sequence of `namesz, descsz, type` headers, each
 * followed by the name and the descriptor, both padded to the note alignment. The alignment is 4 for
 * ordinary notes and 8 when the containing section or segment is 8-byte aligned (GNU property notes).
 */
import type { ByteReader } from '../internal/bytes.js';
import { ELF64_SIZES } from './constants.js';

/** One note. `desc` is a zero-copy view into the file bytes. */
export interface ElfNote {
  /** The owner name without its NUL terminator (`"GNU"`, `"stapsdt"`, `"Linux"`). */
  readonly name: string;
  /** The owner-specific note type (`NT_GNU.BUILD_ID`, ...). */
  readonly type: number;
  /** The descriptor bytes. */
  readonly desc: Uint8Array;
  /** File offset of the note header. */
  readonly offset: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The note alignment implied by a section's `sh_addralign` or a segment's `p_align`: 8 if 8, else 4. */
export function noteAlignment(align: bigint): 4 | 8 {
  return align === 8n ? 8 : 4;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/**
 * Decodes the notes in `data` (a reader over one note section or segment). Every iteration advances by at
 * least the 12-byte header, so the loop ends; a truncated header or body is a `ParseError`. As binutils
 * does, padding after the last descriptor may be missing.
 */
export function parseNotes(data: ByteReader, align: 4 | 8): ElfNote[] {
  const notes: ElfNote[] = [];
  let pos = 0;
  while (pos < data.length) {
    data.check(pos, ELF64_SIZES.NOTE_HEADER, 'note header');
    const nameSize = data.u32At(pos);
    const descSize = data.u32At(pos + 4);
    const type = data.u32At(pos + 8);
    const nameAt = pos + ELF64_SIZES.NOTE_HEADER;
    const nameBytes = data.bytesAt(nameAt, nameSize, 'note name');
    const descAt = alignUp(nameAt + nameSize, align);
    const desc = data.bytesAt(descAt, descSize, 'note descriptor');
    const nul = nameBytes.indexOf(0);
    notes.push({
      name: utf8.decode(nul >= 0 ? nameBytes.subarray(0, nul) : nameBytes),
      type,
      desc,
      offset: data.base + pos,
    });
    pos = Math.min(alignUp(descAt + descSize, align), data.length);
  }
  return notes;
}
