/**
 * Targeted corruptions of real files: each must give a `ParseError` naming the right part of the file
 * and offset, on both byte orders.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ElfFile, parseElf } from '../../src/elf/index.js';
import { isParseError, ParseError } from '../../src/errors.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Target {
  label: string;
  path: string;
}

const TARGETS: Target[] = [
  { label: 'LE BPF object', path: `${root}bpf/test/elf_basic.bpf.o` },
  { label: 'BE BPF object', path: `${root}bpf/test/elf_basic.bpfeb.o` },
];

/** Field offsets inside an `Elf64_Shdr`. */
const SH = { name: 0, offset: 24, size: 32, link: 40, info: 44, entsize: 56 } as const;

interface Patcher {
  elf: ElfFile;
  bytes: Uint8Array;
  u16(at: number, v: number): void;
  u32(at: number, v: number): void;
  u64(at: number, v: bigint): void;
  section(name: string, field: keyof typeof SH, v: number | bigint): number;
}

function patcher(original: Uint8Array): Patcher {
  const bytes = new Uint8Array(original);
  const elf = parseElf(bytes);
  const dv = new DataView(bytes.buffer);
  const le = elf.byteOrder === 'little';
  const p: Patcher = {
    elf,
    bytes,
    u16: (at, v) => dv.setUint16(at, v, le),
    u32: (at, v) => dv.setUint32(at, v, le),
    u64: (at, v) => dv.setBigUint64(at, v, le),
    section(name, field, v) {
      const s = elf.sectionByName(name);
      assert.ok(s, name);
      const at = s.headerOffset + SH[field];
      if (field === 'offset' || field === 'size' || field === 'entsize') p.u64(at, BigInt(v));
      else p.u32(at, Number(v));
      return at;
    },
  };
  return p;
}

interface Corruption {
  name: string;
  /** Applies the corruption; returns the expected error offset (or undefined to skip that check). */
  apply(p: Patcher): number | undefined;
  /** What to do with the corrupted bytes; parsing alone by default. */
  use?(bytes: Uint8Array): unknown;
  section: string;
  message: RegExp;
}

/** Runs `change` and returns `offset` (the offset the error should name). */
function at(offset: number, change: () => unknown): number {
  change();
  return offset;
}

const CORRUPTIONS: Corruption[] = [
  {
    name: 'bad magic',
    apply: (p) => at(0, () => p.bytes.fill(0x46, 1, 2)),
    section: 'elf header',
    message: /magic/,
  },
  {
    name: 'ELF32 class',
    apply: (p) => at(4, () => p.bytes.fill(1, 4, 5)),
    section: 'elf header',
    message: /ELF32/,
  },
  {
    name: 'unknown byte order',
    apply: (p) => at(5, () => p.bytes.fill(7, 5, 6)),
    section: 'elf header',
    message: /EI_DATA/,
  },
  {
    name: 'section header table past the end',
    apply: (p) => {
      p.u64(40, BigInt(p.bytes.byteLength - 10));
      return p.bytes.byteLength - 10;
    },
    section: 'section headers',
    message: /out of bounds/,
  },
  {
    name: 'e_shnum larger than the file allows',
    apply: (p) => {
      p.u16(60, 0xfff0);
      return p.elf.header.shoff;
    },
    section: 'section headers',
    message: /do not fit/,
  },
  {
    name: 'e_shentsize too small',
    apply: (p) => at(58, () => p.u16(58, 12)),
    section: 'elf header',
    message: /e_shentsize/,
  },
  {
    name: 'e_shstrndx out of range',
    apply: (p) => at(62, () => p.u16(62, 200)),
    section: 'elf header',
    message: /name table index 200/,
  },
  {
    name: 'sh_size beyond 2^53',
    apply: (p) => p.section('.text', 'size', 1n << 63n),
    section: 'section headers',
    message: /too large/,
  },
  {
    name: 'sh_name outside the name table',
    apply: (p) => {
      p.section('.text', 'name', 0x7fffffff);
      return undefined;
    },
    section: 'section name table',
    message: /out of bounds/,
  },
  {
    name: 'symbol table data past the end',
    apply: (p) => {
      p.section('.symtab', 'offset', p.bytes.byteLength - 8);
      return p.bytes.byteLength - 8;
    },
    use: (b) => parseElf(b).symbols(),
    section: '.symtab',
    message: /out of bounds/,
  },
  {
    name: 'symbol entry size wrong',
    apply: (p) => {
      p.section('.symtab', 'entsize', 16);
      return p.elf.sectionByName('.symtab')?.offset;
    },
    use: (b) => parseElf(b).symbols(),
    section: '.symtab',
    message: /entry size 16/,
  },
  {
    name: 'symbol table linked to a missing string table',
    apply: (p) => p.section('.symtab', 'link', 999) - SH.link,
    use: (b) => parseElf(b).symbols(),
    section: '.symtab',
    message: /sh_link 999/,
  },
  {
    name: 'symbol name outside the string table',
    apply: (p) => {
      const symtab = p.elf.sectionByName('.symtab');
      assert.ok(symtab);
      p.u32(symtab.offset + 24, 0xffffff);
      return undefined;
    },
    use: (b) => parseElf(b).symbols(),
    section: '.strtab',
    message: /out of bounds/,
  },
  {
    name: 'relocation target out of range',
    apply: (p) => p.section('.rel.text', 'info', 1234) - SH.info,
    use: (b) => parseElf(b).relocationSections(),
    section: '.rel.text',
    message: /sh_info 1234/,
  },
  {
    name: 'relocation entry size of RELA in a REL section',
    apply: (p) => {
      p.section('.rel.text', 'entsize', 24);
      return p.elf.sectionByName('.rel.text')?.offset;
    },
    use: (b) => {
      const elf = parseElf(b);
      return elf.relocations(elf.sectionByName('.rel.text')!);
    },
    section: '.rel.text',
    message: /entry size 24, expected 16/,
  },
  {
    name: 'relocation section size not a multiple of the entry size',
    apply: (p) => {
      p.section('.rel.text', 'size', 0x1f);
      return p.elf.sectionByName('.rel.text')?.offset;
    },
    use: (b) => {
      const elf = parseElf(b);
      return elf.relocations(elf.sectionByName('.rel.text')!);
    },
    section: '.rel.text',
    message: /multiple of 16/,
  },
  {
    name: 'symbols asked of a non-symbol section',
    apply: (p) => p.elf.sectionByName('.text')?.headerOffset,
    use: (b) => {
      const elf = parseElf(b);
      return elf.symbolsOf(elf.sectionByName('.text')!);
    },
    section: '.text',
    message: /not a symbol table/,
  },
  {
    name: 'relocations asked of a non-relocation section',
    apply: (p) => p.elf.sectionByName('.symtab')?.headerOffset,
    use: (b) => {
      const elf = parseElf(b);
      return elf.relocations(elf.sectionByName('.symtab')!);
    },
    section: '.symtab',
    message: /not a relocation section/,
  },
];

for (const target of TARGETS) {
  describe(`malformed input: ${target.label}`, () => {
    const original = new Uint8Array(readFileSync(target.path));
    for (const c of CORRUPTIONS) {
      it(c.name, () => {
        const p = patcher(original);
        const offset = c.apply(p);
        const use = c.use ?? parseElf;
        assert.throws(
          () => use(p.bytes),
          (e: unknown) => {
            assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
            assert.equal(e.section, c.section);
            assert.match(e.message, c.message);
            assert.ok(e.message.startsWith(`${c.section} at offset ${e.offset}: `), e.message);
            if (offset !== undefined) assert.equal(e.offset, offset);
            return true;
          },
        );
      });
    }
  });
}

describe('malformed input: truncated headers', () => {
  const bash = new Uint8Array(readFileSync('/bin/bash'));
  const CUTS = [0, 3, 15, 16, 40, 63];
  for (const length of CUTS) {
    it(`rejects a file cut to ${length} bytes`, () => {
      assert.throws(
        () => parseElf(bash.subarray(0, length)),
        (e: unknown) => isParseError(e) && e.section === 'elf header',
      );
    });
  }

  it('rejects program headers that do not fit and a too small e_phentsize', () => {
    const copy = new Uint8Array(bash.subarray(0, 4096));
    const dv = new DataView(copy.buffer);
    dv.setBigUint64(40, 0n, true); // no section headers, so e_phnum is taken as is
    dv.setUint16(56, 0xfff0, true);
    assert.throws(
      () => parseElf(copy),
      (e: unknown) => isParseError(e) && e.section === 'program headers' && e.offset === 64,
    );
    dv.setUint16(56, 2, true);
    dv.setUint16(54, 8, true);
    assert.throws(
      () => parseElf(copy),
      (e: unknown) => isParseError(e) && e.section === 'elf header' && e.offset === 54,
    );
  });
});
