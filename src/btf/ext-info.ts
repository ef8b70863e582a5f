/**
 * `.BTF.ext` parsing: per-ELF-section function info, line info and CO-RE relocation records. Strings
 * (section names, file names, source lines, access strings) live in the `.BTF` string table.
 */
import { type ByteOrder, ByteReader } from '../internal/bytes.js';
import type { StringTable } from './string-table.js';
import { btfByteOrder } from './wire-header.js';

/** `bpf_func_info`: the BTF FUNC describing the function that starts at `insnOff`. */
export interface FuncInfo {
  /** Byte offset of the function's first instruction in its ELF section (as written by the compiler). */
  insnOff: number;
  /** ID of the FUNC type in `.BTF`. */
  typeID: number;
}

/** `bpf_line_info`: source position of the instruction at `insnOff`. */
export interface LineInfo {
  /** Byte offset of the instruction in its ELF section. */
  insnOff: number;
  fileNameOff: number;
  /** Source file name. */
  fileName: string;
  lineOff: number;
  /** Text of the source line. */
  line: string;
  lineNumber: number;
  column: number;
}

/** `enum bpf_core_relo_kind` values. */
export const CoreReloKind = {
  FieldByteOffset: 0,
  FieldByteSize: 1,
  FieldExists: 2,
  FieldSigned: 3,
  FieldLShiftU64: 4,
  FieldRShiftU64: 5,
  TypeIDLocal: 6,
  TypeIDTarget: 7,
  TypeExists: 8,
  TypeSize: 9,
  EnumvalExists: 10,
  EnumvalValue: 11,
  TypeMatches: 12,
} as const;

const CORE_KIND_NAMES = [
  'byte_off',
  'byte_sz',
  'field_exists',
  'signed',
  'lshift_u64',
  'rshift_u64',
  'local_type_id',
  'target_type_id',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
];

/** libbpf's short name of a CO-RE relocation kind (`byte_off`, `type_exists`...). */
export function coreReloKindName(kind: number): string {
  return CORE_KIND_NAMES[kind] ?? `unknown(${kind})`;
}

/** `bpf_core_relo`: one CO-RE relocation of the instruction at `insnOff`. */
export interface CoreRelo {
  /** Byte offset of the instruction in its ELF section. */
  insnOff: number;
  /** Local (program-side) root type ID. */
  typeID: number;
  accessStrOff: number;
  /** Access specification, e.g. `0:1:2` (indices into members/array elements). */
  accessStr: string;
  /** `CoreReloKind` value. */
  kind: number;
}

/** Parsed `.BTF.ext`: records grouped by ELF section name, in file order. */
export interface ExtInfo {
  byteOrder: ByteOrder;
  funcInfos: Map<string, FuncInfo[]>;
  lineInfos: Map<string, LineInfo[]>;
  coreRelos: Map<string, CoreRelo[]>;
  /** Record sizes declared in the file (may exceed the sizes understood here). */
  recordSizes: { funcInfo: number; lineInfo: number; coreRelo: number };
}

/** Options of `parseExtInfo`. */
export interface ParseExtInfoOptions {
  /** Upper bound (exclusive) of valid type IDs, e.g. `spec.nextID`; unchecked when omitted. */
  typeIDLimit?: number;
  /** Section name used in errors (default `.BTF.ext`). */
  section?: string;
}

const MIN_FUNC_INFO = 8;
const MIN_LINE_INFO = 16;
const MIN_CORE_RELO = 16;

/** Parses a `.BTF.ext` blob. `strings` is the string table of the matching `.BTF` (e.g. `spec.strings`). */
export function parseExtInfo(
  bytes: Uint8Array,
  strings: StringTable,
  options: ParseExtInfoOptions = {},
): ExtInfo {
  const section = options.section ?? '.BTF.ext';
  const byteOrder = btfByteOrder(bytes, section);
  const r = new ByteReader(bytes, byteOrder, section);
  const version = r.u8At(2);
  if (version !== 1) throw r.error(`unsupported version ${version}`, 2);
  const hdrLen = r.u32At(4);
  if (hdrLen < 24) throw r.error(`header length ${hdrLen} < 24`, 4);
  r.check(0, hdrLen, 'header');
  const limit = options.typeIDLimit;
  const str = (off: number, at: number, what: string): string => {
    if (!strings.has(off)) throw r.error(`${what} offset ${off} out of bounds (${strings.length})`, at);
    return strings.get(off);
  };
  const typeID = (id: number, at: number): number => {
    if (limit !== undefined && id >= limit)
      throw r.error(`type ID ${id} out of range (${limit - 1} types)`, at);
    return id;
  };
  const sub = (offField: number, what: string): ByteReader | undefined => {
    const field = `${section} ${what}`;
    const off = r.u32At(offField);
    const len = r.u32At(offField + 4);
    if (len === 0) return undefined;
    r.check(hdrLen + off, len, field);
    return r.sub(hdrLen + off, len, section);
  };

  const func = sub(8, 'func_info');
  const funcs = readInfoSection(func, MIN_FUNC_INFO, str, (s, at) => ({
    insnOff: s.u32At(at),
    typeID: typeID(s.u32At(at + 4), s.base + at + 4),
  }));
  const line = sub(16, 'line_info');
  const lines = readInfoSection(line, MIN_LINE_INFO, str, (s, at) => {
    const fileNameOff = s.u32At(at + 4);
    const lineOff = s.u32At(at + 8);
    const col = s.u32At(at + 12);
    return {
      insnOff: s.u32At(at),
      fileNameOff,
      fileName: str(fileNameOff, s.base + at + 4, 'file name'),
      lineOff,
      line: str(lineOff, s.base + at + 8, 'line'),
      lineNumber: col >>> 10,
      column: col & 0x3ff,
    };
  });
  let relos: Section<CoreRelo> = { records: new Map(), recSize: 0 };
  if (hdrLen >= 32) {
    const core = sub(24, 'core_relo');
    relos = readInfoSection(core, MIN_CORE_RELO, str, (s, at) => {
      const accessStrOff = s.u32At(at + 8);
      return {
        insnOff: s.u32At(at),
        typeID: typeID(s.u32At(at + 4), s.base + at + 4),
        accessStrOff,
        accessStr: str(accessStrOff, s.base + at + 8, 'access string'),
        kind: s.u32At(at + 12),
      };
    });
  }
  return {
    byteOrder,
    funcInfos: funcs.records,
    lineInfos: lines.records,
    coreRelos: relos.records,
    recordSizes: { funcInfo: funcs.recSize, lineInfo: lines.recSize, coreRelo: relos.recSize },
  };
}

interface Section<T> {
  records: Map<string, T[]>;
  recSize: number;
}

/** Reads `u32 rec_size` then `{ sec_name_off, num_info, records[num_info] }*`. */
function readInfoSection<T>(
  s: ByteReader | undefined,
  minRecSize: number,
  str: (off: number, at: number, what: string) => string,
  readRecord: (s: ByteReader, at: number) => T,
): Section<T> {
  const records = new Map<string, T[]>();
  if (s === undefined) return { records, recSize: 0 };
  const recSize = s.u32At(0);
  if (recSize < minRecSize || recSize % 4 !== 0) {
    throw s.error(`record size ${recSize} invalid (need a multiple of 4, at least ${minRecSize})`, 0);
  }
  let pos = 4;
  while (pos < s.length) {
    const nameOff = s.u32At(pos);
    const count = s.u32At(pos + 4);
    const name = str(nameOff, s.base + pos, 'section name');
    if (count === 0) throw s.error(`section ${JSON.stringify(name)}: zero records`, pos + 4);
    const dataLen = count * recSize;
    s.check(pos + 8, dataLen, `section ${JSON.stringify(name)}: ${count} records of ${recSize} bytes`);
    let list = records.get(name);
    if (list === undefined) {
      list = [];
      records.set(name, list);
    }
    for (let i = 0, at = pos + 8; i < count; i++, at += recSize) list.push(readRecord(s, at));
    pos += 8 + dataLen;
  }
  return { records, recSize };
}
