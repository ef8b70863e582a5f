/**
 * Runs GNU `readelf -W` on a file and parses its text output into plain records, so tests can compare the
 * ELF reader against an independent implementation. Only the columns the tests compare are extracted.
 */
import { execFileSync } from 'node:child_process';
import { NT_GNU, PT, SHT, STB, STT, STV } from '../../src/elf/index.js';

/** One row of `readelf -S`. */
export interface ReadelfSection {
  index: number;
  name: string;
  type: number;
  addr: bigint;
  offset: number;
  size: number;
  entsize: number;
  link: number;
  info: number;
  align: bigint;
}

/** One row of `readelf -s`, grouped by table name. */
export interface ReadelfSymbol {
  index: number;
  value: bigint;
  size: bigint;
  type: number;
  binding: number;
  visibility: number;
  ndx: string;
  /** The name as printed: versioned dynamic symbols carry `@VERSION` / `@@VERSION`. */
  name: string;
}

/** One row of `readelf -r`, grouped by relocation section name. */
export interface ReadelfRelocation {
  offset: bigint;
  symbolIndex: number;
  type: number;
  addend: bigint | undefined;
}

/** One row of `readelf -l`. */
export interface ReadelfSegment {
  type: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: bigint;
  flags: number;
  align: bigint;
}

/** One note of `readelf -n`. */
export interface ReadelfNote {
  container: string;
  owner: string;
  descSize: number;
  type: number;
  buildId: string | undefined;
}

/** Everything parsed from one file. */
export interface ReadelfReport {
  bigEndian: boolean;
  entry: bigint;
  fileType: string;
  machine: string;
  sections: ReadelfSection[];
  symbolTables: Map<string, ReadelfSymbol[]>;
  relocations: Map<string, ReadelfRelocation[]>;
  segments: ReadelfSegment[];
  notes: ReadelfNote[];
}

const SECTION_TYPES: Record<string, number> = {
  NULL: SHT.NULL,
  PROGBITS: SHT.PROGBITS,
  SYMTAB: SHT.SYMTAB,
  STRTAB: SHT.STRTAB,
  RELA: SHT.RELA,
  HASH: SHT.HASH,
  DYNAMIC: SHT.DYNAMIC,
  NOTE: SHT.NOTE,
  NOBITS: SHT.NOBITS,
  REL: SHT.REL,
  DYNSYM: SHT.DYNSYM,
  INIT_ARRAY: SHT.INIT_ARRAY,
  FINI_ARRAY: SHT.FINI_ARRAY,
  PREINIT_ARRAY: SHT.PREINIT_ARRAY,
  GROUP: SHT.GROUP,
  'SYMTAB SECTION INDICES': SHT.SYMTAB_SHNDX,
  RELR: SHT.RELR,
  GNU_HASH: SHT.GNU_HASH,
  VERDEF: SHT.GNU_VERDEF,
  VERNEED: SHT.GNU_VERNEED,
  VERSYM: SHT.GNU_VERSYM,
  X86_64_UNWIND: SHT.X86_64_UNWIND,
};

const SYMBOL_TYPES: Record<string, number> = { ...STT, IFUNC: STT.GNU_IFUNC };
const BINDINGS: Record<string, number> = { ...STB, UNIQUE: STB.GNU_UNIQUE };
const VISIBILITIES: Record<string, number> = { ...STV };
const SEGMENT_TYPES: Record<string, number> = { ...PT };
const NOTE_TYPES: Record<string, number> = {
  NT_GNU_ABI_TAG: NT_GNU.ABI_TAG,
  NT_GNU_HWCAP: NT_GNU.HWCAP,
  NT_GNU_BUILD_ID: NT_GNU.BUILD_ID,
  NT_GNU_GOLD_VERSION: NT_GNU.GOLD_VERSION,
  NT_GNU_PROPERTY_TYPE_0: NT_GNU.PROPERTY_TYPE_0,
};

function lookup(table: Record<string, number>, key: string, what: string): number {
  const v = table[key];
  if (v !== undefined) return v;
  const os = /^LOOS\+0x([0-9a-f]+)$/.exec(key);
  if (os) return SHT.LOOS + Number.parseInt(os[1] as string, 16);
  throw new Error(`readelf output: unknown ${what} ${JSON.stringify(key)}`);
}

function hex(s: string | undefined): bigint {
  return BigInt(`0x${s ?? ''}`);
}

function group<T>(map: Map<string, T[]>, key: string): T[] {
  let list = map.get(key);
  if (list === undefined) {
    list = [];
    map.set(key, list);
  }
  return list;
}

const SECTION_ROW =
  /^\s*\[\s*(\d+)\] (.*?)\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) ([A-Za-z ]{3})\s*(\d+)\s+(\d+)\s+(\d+)$/;
const SYMBOL_ROW = /^\s*(\d+): ([0-9a-f]{16})\s+(0x[0-9a-f]+|\d+) (\S+)\s+(\S+)\s+(\S+)\s+(\S+) ?(.*)$/;
const RELOCATION_ROW = /^([0-9a-f]{16})\s+([0-9a-f]{16}) (\S+)\s*(.*)$/;
const SEGMENT_ROW =
  /^\s+(\S+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) (.{3}) 0x([0-9a-f]+)$/;
const NOTE_ROW = /^\s+(\S+)\s+0x([0-9a-f]+)\t(\S+)/;

function parseSectionRow(m: RegExpExecArray): ReadelfSection {
  const nameAndType = (m[2] as string).trim();
  const typeName = nameAndType.endsWith('SYMTAB SECTION INDICES')
    ? 'SYMTAB SECTION INDICES'
    : (nameAndType.split(/\s+/).pop() as string);
  return {
    index: Number(m[1]),
    name: nameAndType.slice(0, nameAndType.length - typeName.length).trim(),
    type: lookup(SECTION_TYPES, typeName, 'section type'),
    addr: hex(m[3]),
    offset: Number(hex(m[4])),
    size: Number(hex(m[5])),
    entsize: Number(hex(m[6])),
    link: Number(m[8]),
    info: Number(m[9]),
    align: BigInt(m[10] as string),
  };
}

function parseRelocationAddend(rest: string): bigint | undefined {
  const signed = /([+-]) ([0-9a-f]+)$/.exec(rest);
  if (signed) return signed[1] === '-' ? -hex(signed[2]) : hex(signed[2]);
  const bare = /^([0-9a-f]+)$/.exec(rest.trim());
  return bare ? hex(bare[1]) : undefined;
}

type Mode = 'none' | 'sections' | 'symbols' | 'relocations' | 'segments' | 'notes';

function parseHeading(line: string): [Mode, string] | undefined {
  if (line.startsWith('Section Headers:')) return ['sections', ''];
  if (line.startsWith('Program Headers:')) return ['segments', ''];
  if (line.startsWith(' Section to Segment mapping')) return ['none', ''];
  const symbols = /^Symbol table '(.*)' contains/.exec(line);
  if (symbols) return ['symbols', symbols[1] as string];
  const relocations = /^Relocation section '(.*)' at offset/.exec(line);
  if (relocations) return ['relocations', relocations[1] as string];
  const notes = /^Displaying notes found in: (.*)$/.exec(line);
  if (notes) return ['notes', notes[1] as string];
  return undefined;
}

function parseRow(report: ReadelfReport, mode: Mode, current: string, line: string): void {
  if (mode === 'sections') {
    const m = SECTION_ROW.exec(line);
    if (m) report.sections.push(parseSectionRow(m));
  } else if (mode === 'symbols') {
    const m = SYMBOL_ROW.exec(line);
    if (!m) return;
    group(report.symbolTables, current).push({
      index: Number(m[1]),
      value: hex(m[2]),
      size: BigInt(m[3] as string),
      type: lookup(SYMBOL_TYPES, m[4] as string, 'symbol type'),
      binding: lookup(BINDINGS, m[5] as string, 'binding'),
      visibility: lookup(VISIBILITIES, m[6] as string, 'visibility'),
      ndx: m[7] as string,
      name: (m[8] as string).replace(/ \(\d+\)$/, ''),
    });
  } else if (mode === 'relocations') {
    const m = RELOCATION_ROW.exec(line);
    if (!m) return;
    const info = hex(m[2]);
    group(report.relocations, current).push({
      offset: hex(m[1]),
      symbolIndex: Number(info >> 32n),
      type: Number(info & 0xffffffffn),
      addend: parseRelocationAddend(m[4] as string),
    });
  } else if (mode === 'segments') {
    const m = SEGMENT_ROW.exec(line);
    if (!m) return;
    const f = m[7] as string;
    report.segments.push({
      type: lookup(SEGMENT_TYPES, m[1] as string, 'segment type'),
      offset: Number(hex(m[2])),
      vaddr: hex(m[3]),
      paddr: hex(m[4]),
      filesz: Number(hex(m[5])),
      memsz: hex(m[6]),
      flags: (f[0] === 'R' ? 4 : 0) | (f[1] === 'W' ? 2 : 0) | (f[2] === 'E' ? 1 : 0),
      align: hex(m[8]),
    });
  } else if (mode === 'notes') {
    const m = NOTE_ROW.exec(line);
    if (!m) return;
    report.notes.push({
      container: current,
      owner: m[1] as string,
      descSize: Number(hex(m[2])),
      type: lookup(NOTE_TYPES, m[3] as string, 'note type'),
      buildId: /Build ID: ([0-9a-f]+)/.exec(line)?.[1],
    });
  }
}

/** Runs `readelf -W -h -S -s -r -l -n` on `path` and parses the result. */
export function readelf(path: string): ReadelfReport {
  const text = execFileSync('readelf', ['-W', '-h', '-S', '-s', '-r', '-l', '-n', path], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LC_ALL: 'C' },
  });
  const report: ReadelfReport = {
    bigEndian: /^\s*Data:.*big endian/m.test(text),
    entry: hex(/^\s*Entry point address:\s+0x([0-9a-f]+)/m.exec(text)?.[1]),
    fileType: /^\s*Type:\s+(\S+)/m.exec(text)?.[1] ?? '',
    machine: /^\s*Machine:\s+(.*)$/m.exec(text)?.[1] ?? '',
    sections: [],
    symbolTables: new Map(),
    relocations: new Map(),
    segments: [],
    notes: [],
  };
  let mode: Mode = 'none';
  let current = '';
  for (const line of text.split('\n')) {
    const heading = parseHeading(line);
    if (heading !== undefined) {
      [mode, current] = heading;
      continue;
    }
    parseRow(report, mode, current, line);
  }
  return report;
}
