import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as asm from '../../src/asm/index.js';
import {
  applyCoreRelocation,
  applyCoreResults,
  CORE_POISON_IMM,
  type CoreResult,
  isCoreRelocationError,
  patchCoreRelocation,
  resolveCoreRelocation,
} from '../../src/btf/core.js';
import { Member, Struct } from '../../src/btf/types.js';
import { buildSpec, ints, K, relo } from './core-helpers.js';

const { R0, R1, R2, R3 } = asm;
const s = new Struct('s', 8, [new Member('x', ints.int, 0)]);
const base = resolveCoreRelocation(buildSpec([s]).spec, relo(K.FieldByteOffset, 1, '0:0', 24), [
  buildSpec([s]).spec,
]);

/** A result with the given values (the rest from a real resolution). */
function result(over: Partial<CoreResult>): CoreResult {
  return { ...base, validate: true, localSize: 0, targetSize: 0, newInsnSize: undefined, ...over };
}

const isPoison = (i: asm.Instruction) =>
  i.isHelperCall && i.constant === BigInt(CORE_POISON_IMM) && i.dst === 0 && i.src === 0 && i.offset === 0;

describe('applyCoreRelocation', () => {
  it('patches the immediate of an ALU instruction', () => {
    const insn = asm.mov64Imm(R0, 4);
    const [out] = applyCoreRelocation(insn, result({ localValue: 4n, targetValue: 24n }));
    assert.equal(out?.constant, 24n);
    assert.equal(insn.constant, 4n, 'the input is not modified');
    const [add] = applyCoreRelocation(
      asm.alu32Imm(asm.AluOp.ADD, R1, 4),
      result({ localValue: 4n, targetValue: 0xfffffffen }),
    );
    assert.equal(add?.constant, -2n, 'imm is the low 32 bits, sign-extended');
  });

  it('patches load/store offsets and keeps the access size', () => {
    for (const insn of [
      asm.ldx(asm.Size.W, R0, R1, 4),
      asm.stx(asm.Size.W, R1, R2, 4),
      asm.st(asm.Size.W, R1, 4, 7),
    ]) {
      const [out] = applyCoreRelocation(insn, result({ localValue: 4n, targetValue: 12n }));
      assert.equal(out?.offset, 12);
      assert.equal(out?.opcode, insn.opcode);
    }
  });

  it('changes the access size when the field was resized', () => {
    const insn = asm.ldx(asm.Size.W, R0, R1, 4);
    const [out] = applyCoreRelocation(
      insn,
      result({ localValue: 4n, targetValue: 8n, localSize: 4, targetSize: 8, newInsnSize: 8 }),
    );
    assert.equal(String(out), 'r0 = *(u64 *)(r1 +8)');
    const [sx] = applyCoreRelocation(
      asm.ldxsx(asm.Size.H, R0, R1, 4),
      result({ localValue: 4n, targetValue: 4n, localSize: 2, targetSize: 1 }),
    );
    assert.equal(sx?.opcode, asm.ldxsx(asm.Size.B, R0, R1, 0).opcode, 'the mode (sign extension) is kept');
    assert.throws(
      () =>
        applyCoreRelocation(insn, result({ localValue: 4n, targetValue: 8n, localSize: 2, targetSize: 8 })),
      /unexpected access size 4, expected 2/,
    );
    assert.throws(
      () =>
        applyCoreRelocation(insn, result({ localValue: 4n, targetValue: 8n, localSize: 4, targetSize: 3 })),
      /invalid new access size 3/,
    );
  });

  it('poisons a load whose field changed size unsafely, but not an ALU', () => {
    const r = result({
      localValue: 4n,
      targetValue: 8n,
      localSize: 4,
      targetSize: 8,
      failMemSizeAdjust: true,
    });
    const out = applyCoreRelocation(asm.ldx(asm.Size.W, R0, R1, 4).withSymbol('f'), r);
    assert.equal(out.length, 1);
    assert.ok(isPoison(out[0] as asm.Instruction));
    assert.equal(out[0]?.symbol, 'f', 'the symbol stays');
    assert.equal(applyCoreRelocation(asm.mov64Imm(R0, 4), r)[0]?.constant, 8n);
  });

  it('patches all 64 bits of an ld_imm64', () => {
    const [out] = applyCoreRelocation(
      asm.loadImm64(R1, 5),
      result({ localValue: 5n, targetValue: 0xfedcba9876543210n }),
    );
    assert.equal(BigInt.asUintN(64, out?.constant ?? 0n), 0xfedcba9876543210n);
  });

  it('poisons: one call for a normal instruction, two for an ld_imm64', () => {
    const r = result({ poisoned: true });
    const one = applyCoreRelocation(asm.ldx(asm.Size.DW, R0, R1, 8), r);
    assert.equal(one.length, 1);
    assert.ok(isPoison(one[0] as asm.Instruction));
    assert.equal(String(one[0]), 'call unknown#195896080');
    const two = applyCoreRelocation(asm.loadImm64(R1, 5), r);
    assert.equal(two.length, 2);
    assert.ok(two.every(isPoison));
    assert.equal(asm.rawLength(two), 2, 'same raw size as the ld_imm64');
  });

  it('validates the current value', () => {
    const cases: Array<[string, asm.Instruction, RegExp]> = [
      ['alu', asm.mov64Imm(R0, 3), /unexpected immediate 3, expected 4 \(to become 8\)/],
      ['ldx', asm.ldx(asm.Size.W, R0, R1, 3), /unexpected offset 3, expected 4/],
      ['ld_imm64', asm.loadImm64(R0, 3), /unexpected immediate 3, expected 4/],
    ];
    for (const [what, insn, re] of cases) {
      assert.throws(
        () => applyCoreRelocation(insn, result({ localValue: 4n, targetValue: 8n })),
        (e: unknown) =>
          isCoreRelocationError(e) && re.test(e.message) && e.message.includes('byte_off struct s.x'),
        what,
      );
      assert.doesNotThrow(
        () => applyCoreRelocation(insn, result({ localValue: 4n, targetValue: 8n, validate: false })),
        what,
      );
    }
    // -1 in an imm is 0xffff_ffff_ffff_ffff as a u64 (as libbpf compares).
    assert.doesNotThrow(() =>
      applyCoreRelocation(asm.mov64Imm(R0, -1), result({ localValue: 0xffffffffffffffffn, targetValue: 1n })),
    );
  });

  it('rejects what CO-RE cannot patch', () => {
    const r = result({ localValue: 4n, targetValue: 40000n });
    assert.throws(
      () => applyCoreRelocation(asm.ldx(asm.Size.W, R0, R1, 4), r),
      /offset 40000 does not fit in 16 bits/,
    );
    assert.throws(
      () => applyCoreRelocation(asm.mov64Reg(R0, R1), result({ localValue: 0n, targetValue: 1n })),
      /no immediate operand/,
    );
    assert.throws(
      () => applyCoreRelocation(asm.exit(), result({ localValue: 0n, targetValue: 1n })),
      /cannot be relocated/,
    );
    assert.throws(
      () => applyCoreRelocation(asm.loadMapPtr(R1, 3), result({ localValue: 3n, targetValue: 1n })),
      /ld_imm64 has an unexpected form/,
    );
  });
});

describe('applyCoreResults', () => {
  it('maps section byte offsets to instructions across ld_imm64s', () => {
    const insns = [asm.mov64Imm(R0, 0), asm.loadImm64(R1, 5), asm.ldx(asm.Size.W, R0, R1, 4), asm.exit()];
    const sectionOffset = 800; // program starts 100 instructions into its section
    const results = [
      result({ relo: { ...base.relo, insnOff: 800 + 8 }, poisoned: true }),
      result({ relo: { ...base.relo, insnOff: 800 + 24 }, localValue: 4n, targetValue: 16n }),
    ];
    const out = applyCoreResults(insns, results, sectionOffset);
    assert.equal(out.length, 5);
    assert.ok(isPoison(out[1] as asm.Instruction) && isPoison(out[2] as asm.Instruction));
    assert.equal(out[3]?.offset, 16);
    assert.equal(asm.rawLength(out), asm.rawLength(insns));
    assert.throws(
      () => applyCoreResults(insns, [result({ relo: { ...base.relo, insnOff: 800 + 16 } })], sectionOffset),
      /no instruction starts at this offset/,
    );
  });
});

describe('patchCoreRelocation (raw bytecode)', () => {
  for (const order of ['little', 'big'] as const) {
    it(`${order}-endian`, () => {
      const code = asm.encodeInstructions(
        [asm.ldx(asm.Size.W, R2, R1, 4), asm.loadImm64(R3, 1), asm.exit()],
        order,
      );
      patchCoreRelocation(
        code,
        0,
        order,
        result({ localValue: 4n, targetValue: 20n, localSize: 4, targetSize: 2 }),
      );
      patchCoreRelocation(code, 8, order, result({ poisoned: true }));
      const back = asm.decodeInstructions(code, order);
      assert.equal(String(back[0]), 'r2 = *(u16 *)(r1 +20)');
      assert.ok(isPoison(back[1] as asm.Instruction) && isPoison(back[2] as asm.Instruction));
      assert.ok(back[3]?.isExit);
      assert.throws(() => patchCoreRelocation(code, 4, order, result({})), /outside the code/);
      assert.throws(() => patchCoreRelocation(code, 32, order, result({})), /outside the code/);
    });
  }
});
