/**
 * Compares the ELF reader with `elfy` (an independent JavaScript ELF parser, dev dependency) on files of
 * both byte orders. elfy reads `sh_addralign`/`sh_entsize` of ELF64 files at the wrong offsets (46/54) and
 * keeps u64 fields as doubles, so only the fields it decodes correctly are compared.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseElf, SHT } from '../../src/elf/index.js';

interface ElfySection {
  name: string;
  type: string | number;
  addr: number;
  off: number;
  size: number;
  link: number;
  info: number;
  data: Uint8Array;
}
interface ElfyProgram {
  type: string | undefined;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}
interface ElfyResult {
  entry: number;
  phoff: number;
  shoff: number;
  shnum: number;
  body: { sections: ElfySection[]; programs: ElfyProgram[] };
}
interface Elfy {
  parse(buf: Uint8Array): ElfyResult;
  constants: { sectType: Record<number, string>; entryType: Record<number, string> };
}

const elfy = createRequire(import.meta.url)('elfy') as Elfy;
const root = fileURLToPath(new URL('../../', import.meta.url));

const FILES = [
  `${root}bpf/test/elf_basic.bpfeb.o`,
  `${root}bpf/test/elf_basic.bpf.o`,
  '/bin/bash',
  `${root}test/elf/fixtures/tiny-x86_64`,
];

for (const path of FILES) {
  describe(`elfy oracle: ${path.slice(path.lastIndexOf('/') + 1)}`, () => {
    const bytes = readFileSync(path);
    const ours = parseElf(bytes);
    const theirs = elfy.parse(bytes);

    it('agrees on the header and every section (name, type, address, offset, size, link, info, data)', () => {
      assert.equal(Number(ours.header.entry), theirs.entry);
      assert.equal(ours.header.shoff, theirs.shoff);
      assert.equal(ours.header.phoff, theirs.phoff);
      assert.ok(theirs.body.sections.length > 10);
      assert.equal(ours.sections.length, theirs.body.sections.length);
      ours.sections.forEach((s, i) => {
        const t = theirs.body.sections[i];
        assert.ok(t);
        assert.deepEqual(
          [
            s.name,
            elfy.constants.sectType[s.type] ?? s.type,
            Number(s.addr),
            s.offset,
            s.size,
            s.link,
            s.info,
          ],
          [t.name, t.type, t.addr, t.off, t.size, t.link, t.info],
          `section ${i}`,
        );
        if (s.type !== SHT.NOBITS)
          assert.deepEqual(new Uint8Array(ours.sectionData(s)), new Uint8Array(t.data));
      });
    });

    it('agrees on every program header', () => {
      assert.deepEqual(
        ours.programHeaders.map((p) => [
          elfy.constants.entryType[p.type],
          p.offset,
          Number(p.vaddr),
          Number(p.paddr),
          p.filesz,
          Number(p.memsz),
          Number(p.align),
        ]),
        theirs.body.programs.map((p) => [p.type, p.offset, p.vaddr, p.paddr, p.filesz, p.memsz, p.align]),
      );
    });
  });
}
