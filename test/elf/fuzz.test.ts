/**
 * Seeded mutation fuzzing of the ELF reader: bit flips, byte overwrites, truncations and smashing of the
 * header, section header, program header, symbol, relocation and note fields of real files. After parsing,
 * every section, symbol, relocation, note and segment is walked. The only error allowed is `ParseError`
 * (with a section name and a sane offset), and every mutation must finish quickly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ElfFile, PT, parseElf, SHN, SHT, STB, STT } from '../../src/elf/index.js';
import { ParseError } from '../../src/errors.js';
import { buildElf, noteEntries, relocationEntries, stringTable, symbolEntries } from './elf-builder.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A big-endian object using what the real seeds lack: extended numbering, an SHN_XINDEX symbol with its
 * SHT_SYMTAB_SHNDX table, 8-byte aligned notes, RELA entries and a PT_NOTE segment.
 */
function syntheticSeed(): Uint8Array {
  const strings = stringTable(['func', 'far']);
  const symbols = symbolEntries('big', [
    { name: 0, shndx: 0 },
    { name: strings.offsets.get('func') ?? 0, info: (STB.GLOBAL << 4) | STT.FUNC, shndx: 1, size: 16n },
    { name: strings.offsets.get('far') ?? 0, info: STB.GLOBAL << 4, shndx: SHN.XINDEX, value: 4n },
  ]);
  const shndx = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
  const notes = noteEntries('big', [{ name: 'GNU', type: 3, desc: new Uint8Array(20).fill(0xab) }], 8);
  const rela = relocationEntries('big', [{ offset: 8n, symbol: 1, type: 1, addend: -4n }], true);
  return buildElf({
    order: 'big',
    type: 2,
    sections: [
      { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(32), addralign: 8n, addr: 0x1000n },
      { name: '.note.gnu.build-id', type: SHT.NOTE, data: notes, addralign: 8n },
      { name: '.rela.text', type: SHT.RELA, data: rela, link: 4, info: 1, entsize: 24, addralign: 8n },
      { name: '.symtab', type: SHT.SYMTAB, data: symbols, link: 5, info: 1, entsize: 24, addralign: 8n },
      { name: '.strtab', type: SHT.STRTAB, data: strings.bytes },
      { name: '.symtab_shndx', type: SHT.SYMTAB_SHNDX, data: shndx, link: 4, entsize: 4, addralign: 4n },
    ],
    segments: [
      { type: PT.LOAD, section: '.text', vaddr: 0x1000n, flags: 5 },
      { type: PT.NOTE, section: '.note.gnu.build-id', align: 8n },
    ],
    extendedSections: true,
  });
}

const SEEDS = [
  { name: 'elf_basic.bpf.o', load: () => readFileSync(`${root}bpf/test/elf_basic.bpf.o`), mutations: 400 },
  {
    name: 'elf_basic.bpfeb.o',
    load: () => readFileSync(`${root}bpf/test/elf_basic.bpfeb.o`),
    mutations: 400,
  },
  { name: 'tiny-x86_64', load: () => readFileSync(`${root}test/elf/fixtures/tiny-x86_64`), mutations: 400 },
  { name: 'synthetic BE (SHN_XINDEX, notes)', load: syntheticSeed, mutations: 400 },
];

/** A deterministic PRNG (mulberry32); `next()` is uniform in [0, 2^32). */
function prng(seed: number): { next(): number; below(n: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const below = (n: number) => (n <= 0 ? 0 : next() % n);
  return { next, below, pick: <T>(items: readonly T[]) => items[below(items.length)] as T };
}

type Rng = ReturnType<typeof prng>;

/** Where a field lives and how wide it is. */
interface Field {
  at: number;
  width: 1 | 2 | 4 | 8;
  what: string;
}

/** Every interesting field of the original file, found by parsing it once. */
function fieldsOf(elf: ElfFile): Field[] {
  const f: Field[] = [];
  const header: [number, 1 | 2 | 4 | 8, string][] = [
    [4, 1, 'EI_CLASS'],
    [5, 1, 'EI_DATA'],
    [16, 2, 'e_type'],
    [32, 8, 'e_phoff'],
    [40, 8, 'e_shoff'],
    [54, 2, 'e_phentsize'],
    [56, 2, 'e_phnum'],
    [58, 2, 'e_shentsize'],
    [60, 2, 'e_shnum'],
    [62, 2, 'e_shstrndx'],
  ];
  for (const [at, width, what] of header) f.push({ at, width, what });
  const SHDR: [number, 4 | 8, string][] = [
    [0, 4, 'sh_name'],
    [4, 4, 'sh_type'],
    [24, 8, 'sh_offset'],
    [32, 8, 'sh_size'],
    [40, 4, 'sh_link'],
    [44, 4, 'sh_info'],
    [48, 8, 'sh_addralign'],
    [56, 8, 'sh_entsize'],
  ];
  for (const s of elf.sections) {
    for (const [off, width, what] of SHDR)
      f.push({ at: s.headerOffset + off, width, what: `${s.name}.${what}` });
    const entries = Math.min(8, Math.floor(s.size / 24));
    if (s.type === SHT.SYMTAB || s.type === SHT.DYNSYM) {
      for (let i = 0; i < entries; i++) {
        const at = s.offset + i * 24;
        f.push({ at, width: 4, what: 'st_name' }, { at: at + 6, width: 2, what: 'st_shndx' });
        f.push({ at: at + 4, width: 1, what: 'st_info' }, { at: at + 8, width: 8, what: 'st_value' });
      }
    }
    if (s.type === SHT.REL || s.type === SHT.RELA) {
      for (let i = 0; i < entries; i++)
        f.push({ at: s.offset + i * s.entsize + 8, width: 8, what: 'r_info' });
    }
    if (s.type === SHT.NOTE) {
      f.push({ at: s.offset, width: 4, what: 'n_namesz' }, { at: s.offset + 4, width: 4, what: 'n_descsz' });
    }
  }
  const PHDR: [number, 4 | 8, string][] = [
    [0, 4, 'p_type'],
    [8, 8, 'p_offset'],
    [16, 8, 'p_vaddr'],
    [32, 8, 'p_filesz'],
    [48, 8, 'p_align'],
  ];
  for (const p of elf.programHeaders) {
    const base = elf.header.phoff + p.index * elf.header.phentsize;
    for (const [off, width, what] of PHDR) f.push({ at: base + off, width, what: `phdr${p.index}.${what}` });
  }
  return f;
}

const INTERESTING = [
  0n,
  1n,
  2n,
  7n,
  8n,
  0x18n,
  0x40n,
  0x7fn,
  0x80n,
  0xffn,
  0xff00n,
  0xfff1n,
  0xffffn,
  0x7fffffffn,
  0xffffffffn,
  1n << 32n,
  1n << 53n,
  1n << 63n,
  (1n << 64n) - 1n,
];

function writeField(bytes: Uint8Array, field: Field, value: bigint, little: boolean): void {
  if (field.at + field.width > bytes.byteLength) return;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const v = BigInt.asUintN(field.width * 8, value);
  if (field.width === 1) dv.setUint8(field.at, Number(v));
  else if (field.width === 2) dv.setUint16(field.at, Number(v), little);
  else if (field.width === 4) dv.setUint32(field.at, Number(v), little);
  else dv.setBigUint64(field.at, v, little);
}

/** Applies 1-3 random mutations to a copy of `original`; returns the bytes and a description. */
function mutate(original: Uint8Array, fields: Field[], little: boolean, rng: Rng): [Uint8Array, string] {
  let bytes = new Uint8Array(original);
  const steps: string[] = [];
  const count = 1 + rng.below(3);
  for (let i = 0; i < count; i++) {
    const kind = rng.below(6);
    if (kind === 0) {
      const at = rng.below(bytes.byteLength);
      bytes[at] = (bytes[at] as number) ^ (1 << rng.below(8));
      steps.push(`flip@${at}`);
    } else if (kind === 1) {
      const at = rng.below(bytes.byteLength);
      const value = rng.pick([0x00, 0xff, rng.below(256)]);
      bytes.fill(value, at, Math.min(bytes.byteLength, at + 1 + rng.below(8)));
      steps.push(`fill@${at}=${value}`);
    } else if (kind === 2) {
      const length = rng.below(4) === 0 ? rng.below(64) : rng.below(bytes.byteLength);
      bytes = bytes.slice(0, length);
      steps.push(`truncate=${length}`);
    } else {
      const field = rng.pick(fields);
      const value =
        kind === 3
          ? rng.pick(INTERESTING)
          : kind === 4
            ? BigInt(rng.pick([bytes.byteLength, bytes.byteLength - 1, rng.below(bytes.byteLength + 64)]))
            : (BigInt(rng.next()) << 32n) | BigInt(rng.next());
      writeField(bytes, field, value, little);
      steps.push(`${field.what}=${value}`);
    }
  }
  return [bytes, steps.join(' ')];
}

/** Statistics about how far the mutated files got. */
interface Outcome {
  parsed: number;
  rejected: number;
  walkErrors: number;
  maxMs: number;
}

function attempt(step: () => unknown): boolean {
  try {
    step();
    return true;
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    assert.ok(e.section.length > 0, 'ParseError names a section');
    assert.ok(Number.isSafeInteger(e.offset) && e.offset >= 0, `ParseError offset ${e.offset}`);
    return false;
  }
}

/** Touches everything the reader exposes; returns the number of steps that threw ParseError. */
function walk(elf: ElfFile): number {
  const steps: (() => unknown)[] = [
    () => elf.symbols(),
    () => elf.dynamicSymbols(),
    () => elf.relocationSections(),
    () => elf.notes(),
  ];
  for (const s of elf.sections) {
    steps.push(
      () => elf.sectionData(s),
      () => elf.sectionByName(s.name),
    );
    if (s.type === SHT.SYMTAB || s.type === SHT.DYNSYM) {
      steps.push(() => {
        for (const sym of elf.symbolsOf(s)) {
          elf.sectionOfSymbol(sym);
          elf.virtualAddressToFileOffset(sym.value);
        }
      });
    }
    if (s.type === SHT.STRTAB) steps.push(() => elf.stringTable(s).at(0));
    if (s.type === SHT.REL || s.type === SHT.RELA) steps.push(() => elf.relocations(s));
    if (s.type === SHT.NOTE) steps.push(() => elf.sectionNotes(s));
  }
  for (const p of elf.programHeaders) {
    steps.push(
      () => elf.segmentData(p),
      () => elf.virtualAddressToFileOffset(p.vaddr),
    );
    if (p.type === PT.NOTE) steps.push(() => elf.segmentNotes(p));
  }
  return steps.filter((step) => !attempt(step)).length;
}

describe('fuzz: seeded mutations throw only ParseError', () => {
  const started = performance.now();
  let total = 0;

  SEEDS.forEach((seed, seedIndex) => {
    it(`${seed.name}: ${seed.mutations} mutations`, () => {
      const original = new Uint8Array(seed.load());
      const elf = parseElf(original);
      assert.equal(walk(elf), 0, 'the unmutated file walks cleanly');
      const fields = fieldsOf(elf);
      const rng = prng(0x5eed0000 + seedIndex);
      const outcome: Outcome = { parsed: 0, rejected: 0, walkErrors: 0, maxMs: 0 };
      for (let i = 0; i < seed.mutations; i++) {
        const [bytes, description] = mutate(original, fields, elf.byteOrder === 'little', rng);
        const t0 = performance.now();
        try {
          let parsed: ElfFile | undefined;
          if (attempt(() => (parsed = parseElf(bytes)))) outcome.parsed++;
          else outcome.rejected++;
          if (parsed) outcome.walkErrors += walk(parsed);
        } catch (e) {
          throw new Error(`${seed.name} mutation ${i} (${description}): ${String(e)}`, { cause: e });
        }
        const ms = performance.now() - t0;
        outcome.maxMs = Math.max(outcome.maxMs, ms);
        assert.ok(ms < 1000, `${seed.name} mutation ${i} (${description}) took ${ms.toFixed(0)} ms`);
      }
      total += seed.mutations;
      // Both outcomes must be common, or the mutations are not exercising the reader.
      assert.ok(outcome.parsed > seed.mutations / 10, JSON.stringify(outcome));
      assert.ok(outcome.rejected > seed.mutations / 10, JSON.stringify(outcome));
      assert.ok(outcome.walkErrors > 0, JSON.stringify(outcome));
    });
  });

  it('ran at least 1000 mutations within 15 s', () => {
    assert.ok(total >= 1000, `${total} mutations`);
    assert.ok(performance.now() - started < 15_000);
  });
});
