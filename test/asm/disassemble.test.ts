import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  AtomicOp,
  atomic,
  callKfunc,
  callSymbol,
  decodeInstructions,
  disassemble,
  exit,
  formatInstruction,
  Instruction,
  ja,
  loadFuncPtr,
  loadMapPtr,
  loadMapValue,
  mov64Imm,
  PseudoLoad,
  R0,
  R1,
  R2,
  resolveJumps,
  Size,
} from '../../src/asm/index.js';
import { assembleWithLlvm, type ObjdumpLine, objdumpSection, sectionBytes } from './llvm-tools.js';

const FIXTURES = new URL('../../bpf/test/', import.meta.url).pathname;
const SECTIONS = ['.text', 'tracepoint/syscalls/sys_enter_openat', 'xdp'];
const CORPUS = readFileSync(new URL('./fixtures/corpus.s', import.meta.url), 'utf8');

/** Lines touching memory or atomics: LLVM (mcpu v4) names 32-bit operands `w`, the kernel style uses `r`. */
const MEMORY_LINE = /\*\(|xchg|fetch_/;

/**
 * Normalises a line of either disassembler: drops symbolic targets, `ll`, `pc`, helper names, and spacing;
 * numbers become signed 64-bit decimal. `r1 = *(u32 *)(r10 - 0x4)` and `r1 = *(u32 *)(r10 -4)` agree.
 */
function normalise(line: string): string {
  let s = line
    .toLowerCase()
    .replace(/\s<[^<>]*>$/, '')
    .replace(/\bll\b/g, '')
    .replace(/\bpc(?=[+-])/g, '')
    .replace(/call (bpf_\w+|unknown)#/g, 'call ')
    .replace(/(-?)(0x[0-9a-f]+|\b\d+\b)/g, (_m, sign: string, digits: string) => {
      const v = BigInt.asIntN(64, BigInt(digits) * (sign === '-' ? -1n : 1n));
      return String(v);
    });
  if (MEMORY_LINE.test(s)) s = s.replace(/\bw(\d+)\b/g, 'r$1');
  return s.replace(/\s+/g, '');
}

/** For atomics the two syntaxes differ; compare the operation, its width, registers and numbers. */
function atomicKey(line: string): string {
  const n = normalise(line);
  const op = /fetch_(add|or|and|xor)|cmpxchg|xchg/.exec(n)?.[0];
  const width = /_64|atomic64|\(u64/.test(n) ? 64 : 32;
  const operands = [...n.matchAll(/r\d+|[-+]?\d+/g)].map((m) => m[0]).filter((t) => t !== '64' && t !== '32');
  return `${op}/${width} ${operands.join(',')}`;
}

function compareWithObjdump(dump: ObjdumpLine[], ours: string[]): { exact: number; loose: number } {
  assert.equal(ours.length, dump.length);
  let exact = 0;
  let loose = 0;
  dump.forEach((line, i) => {
    const mine = (ours[i] ?? '').replace(/^\s*\d+: /, '');
    if (normalise(mine) === normalise(line.text)) {
      exact++;
      return;
    }
    assert.match(line.text, /xchg|fetch_/, `line ${i}: ours "${mine}" vs llvm "${line.text}"`);
    assert.equal(atomicKey(mine), atomicKey(line.text), `line ${i}: ours "${mine}" vs llvm "${line.text}"`);
    loose++;
  });
  return { exact, loose };
}

describe('disassembler vs llvm-objdump-19', () => {
  for (const [order, file] of [
    ['little', 'elf_basic.bpf.o'],
    ['big', 'elf_basic.bpfeb.o'],
  ] as const) {
    it(`agrees on every instruction of elf_basic (${order} endian)`, () => {
      for (const section of SECTIONS) {
        const path = `${FIXTURES}${file}`;
        const insns = decodeInstructions(sectionBytes(path, section), order, section);
        const { exact } = compareWithObjdump(objdumpSection(path, section), disassemble(insns));
        assert.equal(exact, insns.length, section);
      }
    });
  }

  it('agrees on the llvm-mc corpus (atomics compared by operation and registers)', () => {
    const { bytes, lines } = assembleWithLlvm(CORPUS, 'little');
    const { exact, loose } = compareWithObjdump(lines, disassemble(decodeInstructions(bytes, 'little')));
    assert.equal(loose, 8);
    assert.equal(exact, lines.length - 8);
  });
});

describe('kernel-style text', () => {
  const cases: [string, Instruction, string][] = [
    ['map by name', loadMapPtr(R1, 'counts'), 'r1 = map[counts]'],
    ['map by fd', loadMapPtr(R1, 7), 'r1 = map[fd:7]'],
    ['map value', loadMapValue(R2, '.rodata', 16), 'r2 = map[.rodata][0]+16'],
    ['map value by fd', loadMapValue(R2, 5, 8), 'r2 = map[fd:5][0]+8'],
    [
      'map by fd-array index',
      new Instruction({ opcode: 0x18, dst: 1, src: PseudoLoad.MAP_IDX, constant: 2 }),
      'r1 = map[idx:2]',
    ],
    [
      'ksym',
      new Instruction({ opcode: 0x18, dst: 3, src: PseudoLoad.BTF_ID, constant: 99 }),
      'r3 = ksym[btf_id:99]',
    ],
    ['kfunc', callKfunc(1234, 'bpf_task_acquire'), 'call bpf_task_acquire#1234'],
    ['anonymous kfunc', callKfunc(1234), 'call kernel-function#1234'],
    ['load-acquire', atomic(AtomicOp.LOAD_ACQ, Size.DW, R0, R1, 8), 'r0 = load_acquire((u64 *)(r1 +8))'],
    ['store-release', atomic(AtomicOp.STORE_REL, Size.W, R1, R2, 0), 'store_release((u32 *)(r1 +0), r2)'],
    ['unknown opcode', new Instruction({ opcode: 0xff }), 'unknown opcode 0xff'],
    ['unknown helper', new Instruction({ opcode: 0x85, constant: 9999 }), 'call unknown#9999'],
  ];
  for (const [name, insn, text] of cases) {
    it(name, () => assert.equal(formatInstruction(insn), text));
  }

  it('shows resolved targets with their labels', () => {
    const prog = resolveJumps([
      loadFuncPtr(R2, 'cb'),
      callSymbol('cb'),
      ja('out'),
      mov64Imm(R0, 1).withSymbol('cb'),
      exit().withSymbol('out'),
    ]);
    assert.deepEqual(disassemble(prog), [
      '0: r2 = func pc+3 <cb>',
      '2: call pc+1 <cb>',
      '3: goto pc+1 <out>',
      'cb:',
      '4: r0 = 1',
      'out:',
      '5: exit',
    ]);
  });

  it('supports start, limit, opcodes, source lines and hiding symbols', () => {
    const prog = [
      mov64Imm(R0, 0).withSymbol('main').withSource({ text: 'int x = 0;', line: 3 }),
      loadMapPtr(R1, 'm').withSource({ text: 'int x = 0;', line: 3 }),
      mov64Imm(R2, 2).withSource({ text: '  return x;', line: 4 }),
      exit(),
    ];
    assert.deepEqual(disassemble(prog, { start: 1, limit: 2, opcodes: true, source: true }), [
      '; int x = 0;',
      '1: (18) r1 = map[m]',
      '; return x;',
      '3: (b7) r2 = 2',
    ]);
    assert.deepEqual(disassemble(prog, { symbols: false, limit: 1 }), ['0: r0 = 0']);
    assert.equal(disassemble(prog, { start: 99 }).length, 0);
  });

  it('never throws on arbitrary field values', () => {
    for (let opcode = 0; opcode < 256; opcode++) {
      for (const [dst, src, offset, constant] of [
        [0, 0, 0, 0n],
        [15, 15, -1, -1n],
        [11, 3, 32767, 0x7fffffffn],
      ] as const) {
        const text = formatInstruction(new Instruction({ opcode, dst, src, offset, constant }));
        assert.ok(text.length > 0);
      }
    }
  });
});
