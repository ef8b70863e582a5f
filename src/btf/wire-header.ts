/**
 * The `.BTF` header (`struct btf_header`) and the optional layout section that describes each kind's
 * wire size so that kinds newer than this library can be skipped.
 */
import { type ByteOrder, ByteReader } from '../internal/bytes.js';
import { BTF_MAGIC, BTF_VERSION, type KindLayout } from './kind.js';

/** Size of the original header (magic .. str_len). */
export const BTF_HEADER_BASE_SIZE = 24;
/** Size of the header with `layout_off`/`layout_len`. */
export const BTF_HEADER_LAYOUT_SIZE = 32;
/** Size of one `struct btf_layout` entry. */
export const BTF_LAYOUT_ENTRY_SIZE = 4;

/** A decoded `struct btf_header`; offsets are absolute (from the start of the blob). */
export interface BtfHeader {
  byteOrder: ByteOrder;
  version: number;
  flags: number;
  hdrLen: number;
  /** Absolute offset and length of the type section. */
  typeOff: number;
  typeLen: number;
  /** Absolute offset and length of the string section. */
  strOff: number;
  strLen: number;
  /** Absolute offset and length of the layout section (length 0 when absent). */
  layoutOff: number;
  layoutLen: number;
}

/** One `struct btf_layout` entry (indexed by kind number). */
export interface LayoutEntry extends KindLayout {
  flags: number;
}

/** Reads the magic of a BTF or BTF.ext blob and returns its byte order. */
export function btfByteOrder(bytes: Uint8Array, section: string): ByteOrder {
  if (bytes.byteLength < 2) throw new ByteReader(bytes, 'little', section).error('too short for magic', 0);
  const b0 = bytes[0] as number;
  const b1 = bytes[1] as number;
  if (b0 === (BTF_MAGIC & 0xff) && b1 === BTF_MAGIC >> 8) return 'little';
  if (b0 === BTF_MAGIC >> 8 && b1 === (BTF_MAGIC & 0xff)) return 'big';
  throw new ByteReader(bytes, 'little', section).error(
    `bad magic 0x${((b0 << 8) | b1).toString(16).padStart(4, '0')} (want 0xeb9f)`,
    0,
  );
}

/** Parses and validates the header of a `.BTF` blob. Section ranges are checked against the blob. */
export function parseBtfHeader(bytes: Uint8Array, section = '.BTF'): BtfHeader {
  const byteOrder = btfByteOrder(bytes, section);
  const r = new ByteReader(bytes, byteOrder, section);
  const version = r.u8At(2);
  if (version !== BTF_VERSION) throw r.error(`unsupported version ${version}`, 2);
  const flags = r.u8At(3);
  const hdrLen = r.u32At(4);
  if (hdrLen < BTF_HEADER_BASE_SIZE) throw r.error(`header length ${hdrLen} < ${BTF_HEADER_BASE_SIZE}`, 4);
  r.check(0, hdrLen, 'header');
  // Bytes after the fields we know must be zero (as the kernel requires), or we would misread them.
  const known = hdrLen >= BTF_HEADER_LAYOUT_SIZE ? BTF_HEADER_LAYOUT_SIZE : BTF_HEADER_BASE_SIZE;
  for (let i = known; i < hdrLen; i++) {
    if (r.u8At(i) !== 0) throw r.error(`unknown non-zero header byte at ${i}`, i);
  }
  const rel = (o: number) => hdrLen + r.u32At(o);
  const h: BtfHeader = {
    byteOrder,
    version,
    flags,
    hdrLen,
    typeOff: rel(8),
    typeLen: r.u32At(12),
    strOff: rel(16),
    strLen: r.u32At(20),
    layoutOff: hdrLen >= BTF_HEADER_LAYOUT_SIZE ? rel(24) : 0,
    layoutLen: hdrLen >= BTF_HEADER_LAYOUT_SIZE ? r.u32At(28) : 0,
  };
  r.check(h.typeOff, h.typeLen, 'type section');
  r.check(h.strOff, h.strLen, 'string section');
  if ((h.typeOff - hdrLen) % 4 !== 0) throw r.error(`type section offset ${h.typeOff} not 4-byte aligned`, 8);
  const ranges: [string, number, number][] = [
    ['type', h.typeOff, h.typeLen],
    ['string', h.strOff, h.strLen],
  ];
  if (h.layoutLen > 0) {
    r.check(h.layoutOff, h.layoutLen, 'layout section');
    if ((h.layoutOff - hdrLen) % 4 !== 0 || h.layoutLen % BTF_LAYOUT_ENTRY_SIZE !== 0) {
      throw r.error(`layout section (offset ${h.layoutOff}, length ${h.layoutLen}) misaligned`, 24);
    }
    ranges.push(['layout', h.layoutOff, h.layoutLen]);
  }
  checkNoOverlap(r, ranges);
  return h;
}

function checkNoOverlap(r: ByteReader, ranges: [string, number, number][]): void {
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const [na, a, la] = ranges[i] as [string, number, number];
      const [nb, b, lb] = ranges[j] as [string, number, number];
      if (la > 0 && lb > 0 && a < b + lb && b < a + la) {
        throw r.error(`${na} and ${nb} sections overlap`, Math.max(a, b));
      }
    }
  }
}

/** Reads the layout section: one entry per kind number, in kind order. */
export function parseLayoutSection(bytes: Uint8Array, h: BtfHeader, section = '.BTF'): LayoutEntry[] {
  if (h.layoutLen === 0) return [];
  const r = new ByteReader(bytes, h.byteOrder, section);
  const out: LayoutEntry[] = [];
  for (let o = h.layoutOff; o < h.layoutOff + h.layoutLen; o += BTF_LAYOUT_ENTRY_SIZE) {
    out.push({ infoSize: r.u8At(o), elemSize: r.u8At(o + 1), flags: r.u16At(o + 2) });
  }
  return out;
}
