/**
 * `functionSymbols` (the name → file offset index uprobes resolve through): the one-pass version against
 * a straightforward reference (both tables concatenated, each name ranked and mapped on its own) on real
 * binaries, and the preference rules on a synthetic shared object: global and unique over weak over
 * anything else, first definition kept on ties, `name@@VERSION` also indexed as `name`, and functions
 * outside the file-backed part of a `PT_LOAD` left out.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ElfFile, ET, PT, parseElf, SHN, SHT, STB, STT } from '../../src/elf/index.js';
import { type FunctionSymbol, functionSymbols } from '../../src/link/elf-symbols.js';
import { buildElf, stringTable, symbolEntries } from '../elf/elf-builder.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The reference: the rules applied to each (table symbol, name) pair in turn, nothing shared. */
function referenceFunctionSymbols(elf: ElfFile): Map<string, FunctionSymbol> {
  const rank = (binding: number) =>
    binding === STB.GLOBAL || binding === STB.GNU_UNIQUE ? 0 : binding === STB.WEAK ? 1 : 2;
  const out = new Map<string, FunctionSymbol>();
  for (const sym of [...elf.symbols(), ...elf.dynamicSymbols()]) {
    const isFunction = sym.type === STT.FUNC || sym.type === STT.GNU_IFUNC;
    if (!isFunction || sym.sectionIndex === undefined || sym.value === 0n || sym.name === '') continue;
    const at = sym.name.indexOf('@@');
    for (const name of at > 0 ? [sym.name, sym.name.slice(0, at)] : [sym.name]) {
      const prev = out.get(name);
      if (prev !== undefined && rank(prev.binding) <= rank(sym.binding)) continue;
      const offset = elf.virtualAddressToFileOffset(sym.value);
      if (offset === undefined) continue;
      out.set(name, { name, address: sym.value, offset, size: sym.size, binding: sym.binding });
    }
  }
  return out;
}

describe('functionSymbols equals the reference on real binaries', () => {
  const FILES = ['/bin/bash', '/lib/x86_64-linux-gnu/libc.so.6', `${root}test/elf/fixtures/tiny-x86_64`];
  for (const path of FILES) {
    it(path, () => {
      const elf = parseElf(readFileSync(path));
      const got = functionSymbols(elf, path);
      assert.ok(got.size > 0);
      assert.deepEqual([...got], [...referenceFunctionSymbols(elf)], 'same entries in the same order');
    });
  }
});

describe('functionSymbols preference rules', () => {
  const TEXT_VADDR = 0x401000n;
  const G = STB.GLOBAL;
  const W = STB.WEAK;
  const L = STB.LOCAL;
  const U = STB.GNU_UNIQUE;
  interface Def {
    name: string;
    binding: number;
    /** Offset into .text (or an address outside every segment when `unmapped`). */
    at: number;
    type?: number;
    unmapped?: boolean;
    undefinedSymbol?: boolean;
  }
  /** `.symtab` definitions, `.dynsym` definitions (plus filler so both tables pass the first lookups). */
  const SYMTAB: Def[] = [
    { name: 'weak_then_global', binding: W, at: 0x10 },
    { name: 'global_then_weak', binding: G, at: 0x20 },
    { name: 'global_twice', binding: G, at: 0x30 },
    { name: 'local_then_weak', binding: L, at: 0x40 },
    { name: 'unique_then_global', binding: U, at: 0x50 },
    { name: 'versioned@@V_2', binding: G, at: 0x60 },
    { name: 'versioned@V_1', binding: G, at: 0x70 },
    { name: 'far_away', binding: G, at: 0, unmapped: true },
    { name: 'far_away@@V_1', binding: G, at: 0, unmapped: true },
    { name: 'data_object', binding: G, at: 0x80, type: STT.OBJECT },
    { name: 'indirect', binding: G, at: 0x90, type: STT.GNU_IFUNC },
    { name: 'imported', binding: G, at: 0, undefinedSymbol: true },
    ...Array.from({ length: 30 }, (_, i): Def => ({ name: `filler_${i}`, binding: G, at: 0x100 + i })),
  ];
  const DYNSYM: Def[] = [
    { name: 'weak_then_global', binding: G, at: 0x11 },
    { name: 'global_then_weak', binding: W, at: 0x21 },
    { name: 'global_twice', binding: G, at: 0x31 },
    { name: 'local_then_weak', binding: W, at: 0x41 },
    { name: 'unique_then_global', binding: G, at: 0x51 },
    { name: 'versioned', binding: W, at: 0x61 },
    ...Array.from({ length: 30 }, (_, i): Def => ({ name: `filler_${i}`, binding: W, at: 0x200 + i })),
  ];
  function encode(defs: Def[]) {
    const strings = stringTable(defs.map((d) => d.name));
    const entries = symbolEntries('little', [
      { name: 0, shndx: SHN.UNDEF },
      ...defs.map((d) => ({
        name: strings.offsets.get(d.name) ?? 0,
        info: (d.binding << 4) | (d.type ?? STT.FUNC),
        shndx: d.undefinedSymbol ? SHN.UNDEF : 1,
        value: d.unmapped ? 0x9000_0000n : d.undefinedSymbol ? 0n : TEXT_VADDR + BigInt(d.at),
        size: 8n,
      })),
    ]);
    return { strings: strings.bytes, entries };
  }
  const symtab = encode(SYMTAB);
  const dynsym = encode(DYNSYM);
  const bytes = buildElf({
    order: 'little',
    type: ET.DYN,
    machine: 62,
    sections: [
      { name: '.text', type: SHT.PROGBITS, data: new Uint8Array(0x400), addr: TEXT_VADDR, addralign: 16n },
      {
        name: '.symtab',
        type: SHT.SYMTAB,
        data: symtab.entries,
        link: 3,
        info: 1,
        entsize: 24,
        addralign: 8n,
      },
      { name: '.strtab', type: SHT.STRTAB, data: symtab.strings },
      {
        name: '.dynsym',
        type: SHT.DYNSYM,
        data: dynsym.entries,
        link: 5,
        info: 1,
        entsize: 24,
        addralign: 8n,
      },
      { name: '.dynstr', type: SHT.STRTAB, data: dynsym.strings },
    ],
    segments: [{ type: PT.LOAD, section: '.text', vaddr: TEXT_VADDR, flags: 5 }],
  });
  const elf = parseElf(bytes);
  const textOffset = elf.sectionByName('.text')?.offset ?? Number.NaN;
  const symbols = functionSymbols(elf, 'synthetic');

  const EXPECTED: [name: string, at: number | undefined, binding?: number][] = [
    ['weak_then_global', 0x11, G],
    ['global_then_weak', 0x20, G],
    ['global_twice', 0x30, G],
    ['local_then_weak', 0x41, W],
    ['unique_then_global', 0x50, U],
    ['versioned@@V_2', 0x60, G],
    ['versioned', 0x60, G],
    ['versioned@V_1', 0x70, G],
    ['filler_0', 0x100, G],
    ['indirect', 0x90, G],
    ['far_away', undefined],
    ['far_away@@V_1', undefined],
    ['data_object', undefined],
    ['imported', undefined],
  ];
  for (const [name, at, binding] of EXPECTED) {
    it(at === undefined ? `leaves out ${name}` : `${name} → .text+0x${at.toString(16)}`, () => {
      const sym = symbols.get(name);
      if (at === undefined) {
        assert.equal(sym, undefined);
        return;
      }
      assert.ok(sym, name);
      assert.equal(sym.offset, textOffset + at);
      assert.equal(sym.address, TEXT_VADDR + BigInt(at));
      assert.equal(sym.binding, binding);
      assert.equal(sym.name, name);
    });
  }

  it('agrees with the reference and holds nothing else', () => {
    assert.deepEqual([...symbols], [...referenceFunctionSymbols(elf)]);
    assert.equal(symbols.size, 9 + 30);
  });

  it('refuses relocatable objects', () => {
    const object = parseElf(readFileSync(`${root}bpf/test/elf_basic.bpf.o`));
    assert.throws(() => functionSymbols(object, 'elf_basic.bpf.o'), { code: 'EINVAL' });
  });
});
