import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  decodeInstructions,
  encodeInstruction,
  encodeInstructions,
  type Instruction,
  rawOffsets,
} from '../../src/asm/index.js';
import { isParseError } from '../../src/errors.js';
import { assembleWithLlvm, objdumpSection, sectionBytes, toHex } from './llvm-tools.js';

const FIXTURES = new URL('../../bpf/test/', import.meta.url).pathname;
const OBJECTS = [
  { order: 'little', path: `${FIXTURES}elf_basic.bpf.o` },
  { order: 'big', path: `${FIXTURES}elf_basic.bpfeb.o` },
] as const;
const SECTIONS = ['.text', 'tracepoint/syscalls/sys_enter_openat', 'xdp'];
const CORPUS = readFileSync(new URL('./fixtures/corpus.s', import.meta.url), 'utf8');

function fields(insn: Instruction) {
  return [insn.opcode, insn.dst, insn.src, insn.offset, insn.constant];
}

describe('decode/encode on elf_basic program sections', () => {
  for (const { order, path } of OBJECTS) {
    for (const section of SECTIONS) {
      it(`round-trips ${section} (${order} endian) byte-exactly, instruction by instruction`, () => {
        const bytes = sectionBytes(path, section);
        assert.ok(bytes.byteLength > 0);
        const insns = decodeInstructions(bytes, order, section);
        assert.equal(toHex(encodeInstructions(insns, order)), toHex(bytes));

        // Instruction boundaries and per-instruction bytes agree with llvm-objdump.
        const dump = objdumpSection(path, section);
        assert.equal(insns.length, dump.length);
        assert.deepEqual(
          rawOffsets(insns),
          dump.map((l) => l.rawOffset),
        );
        insns.forEach((insn, i) => {
          assert.equal(toHex(encodeInstruction(insn, order)), toHex(dump[i]?.bytes ?? new Uint8Array()));
        });
      });
    }
  }

  it('decodes the LE and BE objects to the same instruction fields', () => {
    for (const section of SECTIONS) {
      const le = decodeInstructions(sectionBytes(OBJECTS[0].path, section), 'little', section);
      const be = decodeInstructions(sectionBytes(OBJECTS[1].path, section), 'big', section);
      assert.deepEqual(be.map(fields), le.map(fields), section);
    }
  });

  it('reads the 16-byte ld_imm64 as one instruction', () => {
    const insns = decodeInstructions(sectionBytes(OBJECTS[0].path, 'xdp'), 'little', 'xdp');
    const ld = insns[4];
    assert.ok(ld?.isLoadImm64);
    assert.equal(ld.dst, 1);
    assert.deepEqual(rawOffsets(insns).slice(4, 6), [4, 6]);
  });
});

describe('decode/encode on an llvm-mc corpus of every instruction form', () => {
  const le = assembleWithLlvm(CORPUS, 'little');
  const be = assembleWithLlvm(CORPUS, 'big');

  for (const [order, asm] of [
    ['little', le],
    ['big', be],
  ] as const) {
    it(`round-trips the corpus (${order} endian)`, () => {
      const insns = decodeInstructions(asm.bytes, order, '.text');
      assert.equal(insns.length, asm.lines.length);
      assert.equal(toHex(encodeInstructions(insns, order)), toHex(asm.bytes));
    });
  }

  it('decodes both byte orders of the corpus identically', () => {
    assert.deepEqual(
      decodeInstructions(be.bytes, 'big').map(fields),
      decodeInstructions(le.bytes, 'little').map(fields),
    );
  });

  it('keeps 64-bit constants of ld_imm64 whole and signed', () => {
    const lds = decodeInstructions(le.bytes, 'little').filter((i) => i.isLoadImm64);
    assert.deepEqual(
      lds.map((i) => i.constant),
      [0x123456789abcdef0n, -1n],
    );
  });
});

describe('register nibbles and field decoding', () => {
  const cases = [
    { name: 'LE mov r1 = r2', order: 'little', hex: 'bf21000000000000', dst: 1, src: 2, off: 0, k: 0n },
    { name: 'BE mov r1 = r2', order: 'big', hex: 'bf12000000000000', dst: 1, src: 2, off: 0, k: 0n },
    {
      name: 'LE negative offset/imm',
      order: 'little',
      hex: '0702fcfffcffffff',
      dst: 2,
      src: 0,
      off: -4,
      k: -4n,
    },
    {
      name: 'BE negative offset/imm',
      order: 'big',
      hex: '0720fffcfffffffc',
      dst: 2,
      src: 0,
      off: -4,
      k: -4n,
    },
    { name: 'BE r10 store', order: 'big', hex: '63a1fffc00000000', dst: 10, src: 1, off: -4, k: 0n },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const [insn] = decodeInstructions(Buffer.from(c.hex, 'hex'), c.order);
      assert.deepEqual([insn?.dst, insn?.src, insn?.offset, insn?.constant], [c.dst, c.src, c.off, c.k]);
    });
  }
});

describe('malformed instruction bytes', () => {
  const isParseAt = (section: string, offset: number) => (e: unknown) =>
    isParseError(e) && e.section === section && e.offset === offset;

  it('rejects a length that is not a multiple of 8', () => {
    assert.throws(() => decodeInstructions(new Uint8Array(12), 'little', 'xdp', 100), isParseAt('xdp', 108));
  });
  it('rejects an ld_imm64 cut in half', () => {
    const bytes = Buffer.from('b700000000000000' + '1801000000000000', 'hex');
    assert.throws(() => decodeInstructions(bytes, 'little', 'prog', 64), isParseAt('prog', 72));
  });
  it('rejects an ld_imm64 whose second half is not zero-filled', () => {
    const bytes = Buffer.from('1801000001000000' + '0100000002000000', 'hex');
    assert.throws(() => decodeInstructions(bytes, 'big', 'prog'), isParseAt('prog', 8));
  });
  it('decodes random bytes or throws ParseError, and re-encodes what it decodes byte-exactly', () => {
    let seed = 0x12345678;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 24;
    };
    let decoded = 0;
    for (let round = 0; round < 300; round++) {
      const bytes = new Uint8Array(8 * (1 + (round % 6)));
      for (let i = 0; i < bytes.length; i++) bytes[i] = next();
      // Make ld_imm64 frequent so both its paths are exercised.
      if (round % 3 === 0) bytes[0] = 0x18;
      for (const order of ['little', 'big'] as const) {
        try {
          const insns = decodeInstructions(bytes, order, 'fuzz');
          decoded++;
          assert.equal(toHex(encodeInstructions(insns, order)), toHex(bytes));
        } catch (e) {
          assert.ok(isParseError(e), String(e));
        }
      }
    }
    assert.ok(decoded > 100);
  });
});
