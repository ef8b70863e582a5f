import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  byteLength,
  call,
  callKfunc,
  callSymbol,
  copyInstructions,
  exit,
  findSymbol,
  Instruction,
  indexAtRawOffset,
  iterateInstructions,
  ja,
  loadFuncPtr,
  loadImm64,
  loadMapPtr,
  loadMapValue,
  mov64Imm,
  R0,
  R1,
  rawLength,
  rawOffsets,
  symbolOffsets,
} from '../../src/asm/index.js';

const PROG = [
  mov64Imm(R0, 0).withSymbol('main'),
  loadImm64(R1, 5n),
  loadMapPtr(R1, 'm'),
  call(1).withSymbol('after_loads'),
  exit(),
];

describe('instruction lists', () => {
  it('computes raw offsets and sizes with ld_imm64 counting two slots', () => {
    assert.deepEqual(rawOffsets(PROG), [0, 1, 3, 5, 6]);
    assert.equal(rawLength(PROG), 7);
    assert.equal(byteLength(PROG), 56);
    assert.deepEqual(
      [...iterateInstructions(PROG)].map((p) => [p.index, p.rawOffset]),
      [
        [0, 0],
        [1, 1],
        [2, 3],
        [3, 5],
        [4, 6],
      ],
    );
  });

  it('maps raw offsets back to indexes, refusing the middle of an ld_imm64', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((raw) => indexAtRawOffset(PROG, raw)),
      [0, 1, -1, 2, -1, 3, 4, -1],
    );
  });

  it('finds symbols', () => {
    assert.equal(findSymbol(PROG, 'after_loads'), 3);
    assert.equal(findSymbol(PROG, 'missing'), -1);
    assert.deepEqual(
      [...symbolOffsets(PROG)],
      [
        ['main', 0],
        ['after_loads', 5],
      ],
    );
  });

  it('copies deeply enough that patching a copy leaves the original alone', () => {
    const copy = copyInstructions(PROG);
    (copy[0] as Instruction).constant = 9n;
    assert.equal(PROG[0]?.constant, 0n);
    assert.equal(copy[0]?.symbol, 'main');
  });
});

describe('Instruction', () => {
  it('classifies instructions', () => {
    const table: [Instruction, string[]][] = [
      [call(1), ['isCall', 'isHelperCall']],
      [callSymbol('f'), ['isCall', 'isFunctionCall']],
      [callKfunc(7), ['isCall', 'isKfuncCall']],
      [exit(), ['isExit']],
      [ja(1), ['isJump']],
      [loadMapPtr(R1, 'm'), ['isLoadImm64', 'isMapLoad']],
      [loadFuncPtr(R1, 'f'), ['isLoadImm64', 'isFunctionReference']],
      [mov64Imm(R0, 0), []],
    ];
    const flags = [
      'isCall',
      'isHelperCall',
      'isFunctionCall',
      'isKfuncCall',
      'isExit',
      'isJump',
      'isLoadImm64',
      'isMapLoad',
      'isFunctionReference',
    ] as const;
    for (const [insn, expected] of table) {
      assert.deepEqual(
        flags.filter((f) => insn[f]),
        expected,
        String(insn),
      );
    }
  });

  it('patches a map fd while keeping the value offset', () => {
    const insn = loadMapValue(R1, 'data', 24).withMapFd(11);
    assert.equal(insn.imm, 11);
    assert.equal(insn.mapOffset, 24);
    assert.equal(insn.reference, 'data');
    assert.equal(String(insn), 'r1 = map[data][0]+24');
  });

  it('accepts number constants and defaults the other fields', () => {
    const insn = new Instruction({ opcode: 0xb7, constant: -3 });
    assert.deepEqual([insn.dst, insn.src, insn.offset, insn.constant, insn.rawSize], [0, 0, 0, -3n, 1]);
    assert.equal(loadImm64(R0, 1n).rawSize, 2);
  });
});
