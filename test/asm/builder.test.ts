import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AluOp,
  ASSEMBLE_ERROR_CODE,
  AtomicOp,
  alu32Imm,
  alu32Reg,
  alu64Imm,
  alu64Reg,
  atomic,
  bswap,
  call,
  callKfunc,
  callSymbol,
  decodeInstructions,
  encodeInstruction,
  exit,
  gotol,
  HelperId,
  type Instruction,
  JumpOp,
  ja,
  jmp32Imm,
  jmp32Reg,
  jmpImm,
  jmpReg,
  ldAbs,
  ldInd,
  ldx,
  ldxsx,
  loadFuncPtr,
  loadImm64,
  loadMapPtr,
  loadMapValue,
  mayGoto,
  mov32Imm,
  mov32Reg,
  mov64Imm,
  mov64Reg,
  movsx32Reg,
  movsx64Reg,
  neg32,
  neg64,
  R0,
  R1,
  R2,
  R3,
  R4,
  R6,
  R10,
  type Register,
  Size,
  st,
  stx,
  toBe,
  toLe,
} from '../../src/asm/index.js';
import { isEbpfError } from '../../src/errors.js';
import { assembleWithLlvm, toHex } from './llvm-tools.js';

/** [builder call, expected little-endian bytes, the same instruction in LLVM assembly or null]. */
const TABLE: [Instruction, string, string | null][] = [
  [mov64Imm(R0, 0), 'b700000000000000', 'r0 = 0'],
  [mov64Imm(R1, -1), 'b7010000ffffffff', 'r1 = -1'],
  [mov64Reg(R1, R10), 'bfa1000000000000', 'r1 = r10'],
  [mov32Imm(R2, 0xffffffff), 'b4020000ffffffff', 'w2 = 0xffffffff'],
  [mov32Reg(R3, R4), 'bc43000000000000', 'w3 = w4'],
  [alu64Imm(AluOp.ADD, R1, 4), '0701000004000000', 'r1 += 4'],
  [alu64Reg(AluOp.SUB, R2, R3), '1f32000000000000', 'r2 -= r3'],
  [alu32Imm(AluOp.MUL, R1, 3), '2401000003000000', 'w1 *= 3'],
  [alu32Reg(AluOp.DIV, R1, R2), '3c21000000000000', 'w1 /= w2'],
  [alu64Imm(AluOp.SDIV, R1, 7), '3701010007000000', 'r1 s/= 7'],
  [alu64Reg(AluOp.SMOD, R1, R2), '9f21010000000000', 'r1 s%= r2'],
  [alu32Imm(AluOp.SDIV, R1, 7), '3401010007000000', 'w1 s/= 7'],
  [movsx64Reg(R1, R2, 8), 'bf21080000000000', 'r1 = (s8)r2'],
  [movsx64Reg(R1, R2, 32), 'bf21200000000000', 'r1 = (s32)r2'],
  [movsx32Reg(R1, R2, 16), 'bc21100000000000', 'w1 = (s16)w2'],
  [neg64(R1), '8701000000000000', 'r1 = -r1'],
  [neg32(R2), '8402000000000000', 'w2 = -w2'],
  [toLe(R1, 16), 'd401000010000000', 'r1 = le16 r1'],
  [toBe(R1, 64), 'dc01000040000000', 'r1 = be64 r1'],
  [bswap(R1, 32), 'd701000020000000', 'r1 = bswap32 r1'],
  [ldx(Size.W, R1, R2, 8), '6121080000000000', 'r1 = *(u32 *)(r2 + 8)'],
  [ldx(Size.DW, R3, R10, -16), '79a3f0ff00000000', 'r3 = *(u64 *)(r10 - 16)'],
  [ldxsx(Size.H, R1, R2, 2), '8921020000000000', 'r1 = *(s16 *)(r2 + 2)'],
  [stx(Size.B, R10, R1, -1), '731affff00000000', '*(u8 *)(r10 - 1) = r1'],
  [stx(Size.DW, R1, R2, 0), '7b21000000000000', '*(u64 *)(r1 + 0) = r2'],
  [st(Size.W, R10, -8, 42), '620af8ff2a000000', '*(u32 *)(r10 - 8) = 42'],
  [st(Size.H, R1, 2, -3), '6a010200fdffffff', '*(u16 *)(r1 + 2) = -3'],
  [atomic(AtomicOp.ADD, Size.DW, R1, R2, 0), 'db21000000000000', 'lock *(u64 *)(r1 + 0) += r2'],
  [atomic(AtomicOp.XOR, Size.W, R1, R2, 4), 'c3210400a0000000', 'lock *(u32 *)(r1 + 4) ^= w2'],
  [
    atomic(AtomicOp.FETCH_AND, Size.DW, R1, R3, 8),
    'db31080051000000',
    'r3 = atomic_fetch_and((u64 *)(r1 + 8), r3)',
  ],
  [atomic(AtomicOp.XCHG, Size.DW, R1, R2, 0), 'db210000e1000000', 'r2 = xchg_64(r1 + 0, r2)'],
  [atomic(AtomicOp.CMPXCHG, Size.DW, R1, R3, 16), 'db311000f1000000', 'r0 = cmpxchg_64(r1 + 16, r0, r3)'],
  [loadImm64(R1, 0x100000002n), '18010000020000000000000001000000', 'r1 = 0x100000002 ll'],
  [ldAbs(Size.B, 14), '300000000e000000', 'r0 = *(u8 *)skb[14]'],
  [ldInd(Size.W, R6, 0), '4060000000000000', 'r0 = *(u32 *)skb[r6]'],
  [jmpImm(JumpOp.JGT, R1, 5, 3), '2501030005000000', 'if r1 > 5 goto +3'],
  [jmpReg(JumpOp.JSLE, R1, R2, -4), 'dd21fcff00000000', 'if r1 s<= r2 goto -4'],
  [jmp32Imm(JumpOp.JEQ, R1, 7, 1), '1601010007000000', 'if w1 == 7 goto +1'],
  [jmp32Reg(JumpOp.JSET, R3, R4, 2), '4e43020000000000', 'if w3 & w4 goto +2'],
  [ja(5), '0500050000000000', 'goto +5'],
  [gotol(-3), '06000000fdffffff', 'gotol -3'],
  [mayGoto(2), 'e500020000000000', 'may_goto +2'],
  [call(HelperId.map_lookup_elem), '8500000001000000', 'call 1'],
  [call('ringbuf_output'), '8500000082000000', 'call 130'],
  [exit(), '9500000000000000', 'exit'],
  // Forms LLVM cannot write in assembly: pseudo ld_imm64 sources, unresolved symbols, kfuncs, acquire/release.
  [loadMapPtr(R1, 'counts'), '18110000000000000000000000000000', null],
  [loadMapPtr(R2, 5), '18120000050000000000000000000000', null],
  [loadMapValue(R3, 4, 16), '18230000040000000000000010000000', null],
  [loadFuncPtr(R1, 'cb'), '18410000000000000000000000000000', null],
  [callSymbol('sub'), '85100000ffffffff', null],
  [callKfunc(1234, 'bpf_task_acquire', 2), '85200200d2040000', null],
  [atomic(AtomicOp.LOAD_ACQ, Size.DW, R0, R1, 8), 'db10080000010000', null],
  [atomic(AtomicOp.STORE_REL, Size.W, R1, R2, 0), 'c321000010010000', null],
  [ja('somewhere'), '0500000000000000', null],
];

function fields(insn: Instruction) {
  return { opcode: insn.opcode, dst: insn.dst, src: insn.src, offset: insn.offset, constant: insn.constant };
}

describe('builder', () => {
  it('encodes every builder form to the expected bytes', () => {
    for (const [insn, hex] of TABLE) assert.equal(toHex(encodeInstruction(insn)), hex, String(insn));
  });

  it('builds the same instructions llvm-mc-19 assembles from the equivalent text', () => {
    const rows = TABLE.filter((row): row is [Instruction, string, string] => row[2] !== null);
    const { bytes } = assembleWithLlvm(rows.map((r) => `\t${r[2]}\n`).join(''), 'little');
    const decoded = decodeInstructions(bytes, 'little');
    assert.equal(decoded.length, rows.length);
    rows.forEach(([insn, , text], i) => {
      assert.deepEqual(fields(insn), fields(decoded[i] as Instruction), text);
    });
  });

  it('keeps labels and map names in reference, and symbols through withSymbol copies', () => {
    const jump = jmpImm(JumpOp.JEQ, R1, 0, 'out');
    assert.equal(jump.reference, 'out');
    assert.equal(loadMapPtr(R1, 'counts').reference, 'counts');
    assert.equal(loadMapPtr(R1, 3).reference, undefined);
    const labelled = jump.withSymbol('top');
    assert.equal(labelled.symbol, 'top');
    assert.equal(labelled.reference, 'out');
    assert.equal(jump.symbol, undefined, 'withSymbol must not modify the original');
  });

  it('normalises immediates so builder output equals decoded instructions', () => {
    assert.equal(mov32Imm(R2, 0xffffffff).constant, -1n);
    assert.equal(loadImm64(R1, 0xffffffffffffffffn).constant, -1n);
    assert.equal(loadMapValue(R1, 3, 0x80000000).mapOffset, 0x80000000);
  });

  const bad = (fn: () => unknown, what: RegExp) =>
    assert.throws(
      fn,
      (e: unknown) => isEbpfError(e) && e.code === ASSEMBLE_ERROR_CODE && what.test(e.message),
    );
  const invalid: [string, () => unknown, RegExp][] = [
    ['register 11', () => mov64Imm(11 as Register, 0), /invalid register 11/],
    ['imm above u32', () => mov64Imm(R1, 2 ** 32), /does not fit in 32 bits/],
    ['imm below s32', () => alu32Imm(AluOp.ADD, R1, -(2 ** 31) - 1), /does not fit in 32 bits/],
    ['fractional imm', () => mov64Imm(R1, 1.5), /not an integer/],
    ['imm64 overflow', () => loadImm64(R1, 2n ** 64n), /does not fit in 64 bits/],
    ['unsafe number imm64', () => loadImm64(R1, 2 ** 60), /pass a bigint/],
    ['offset overflow', () => ldx(Size.W, R1, R2, 0x8000), /does not fit in 16 bits/],
    ['jump offset overflow', () => ja(-0x8001), /does not fit in 16 bits/],
    ['END through alu64Imm', () => alu64Imm(AluOp.END, R1, 16), /toLe\/toBe\/bswap/],
    ['NEG through aluReg', () => alu64Reg(AluOp.NEG, R1, R2), /neg64/],
    ['unknown alu op', () => alu64Imm(0xe0 as AluOp, R1, 0), /unknown ALU operation/],
    ['call as conditional', () => jmpImm(JumpOp.CALL, R1, 0, 1), /not a conditional jump/],
    ['bad movsx width', () => movsx32Reg(R1, R2, 32 as 16), /cannot sign-extend from 32/],
    ['bad bswap width', () => bswap(R1, 8 as 16), /invalid width 8/],
    ['byte-sized atomic', () => atomic(AtomicOp.ADD, Size.B, R1, R2, 0), /invalid access size/],
    ['64-bit sign-extending load', () => ldxsx(Size.DW, R1, R2, 0), /invalid access size/],
    ['unknown atomic op', () => atomic(0x30 as AtomicOp, Size.DW, R1, R2, 0), /unknown atomic operation/],
    ['unknown helper name', () => call('no_such_helper' as 'map_lookup_elem'), /invalid helper/],
    ['negative map fd', () => loadMapPtr(R1, -1), /invalid map fd/],
    ['empty label', () => ja(''), /empty jump label/],
  ];
  for (const [name, fn, message] of invalid) {
    it(`rejects ${name}`, () => bad(fn, message));
  }
});
