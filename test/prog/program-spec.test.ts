import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exit, JumpOp, jmpImm, loadMapPtr, mov64Imm, R0, R1 } from '../../src/asm/index.js';
import { isEbpfError } from '../../src/errors.js';
import {
  compareKernelRelease,
  encodeProgramCode,
  kernelObjectName,
  kernelVersionCode,
  ProgramSpec,
  parseKernelRelease,
} from '../../src/prog/index.js';
import { MAX_LOG_SIZE, nextLogSize } from '../../src/prog/load-attempts.js';
import { ProgramType } from '../../src/syscall/index.js';

describe('ProgramSpec', () => {
  it('defaults license to GPL and flags to 0', () => {
    const s = new ProgramSpec({ name: 'p', type: ProgramType.XDP, instructions: [exit()] });
    assert.equal(s.license, 'GPL');
    assert.equal(s.flags, 0);
    assert.equal(s.attachType, undefined);
  });

  it('copy() is deep: instructions, info records and fd array are independent', () => {
    const s = new ProgramSpec({
      name: 'p',
      type: ProgramType.XDP,
      instructions: [mov64Imm(R0, 1), exit()],
      funcInfo: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
      funcInfoRecSize: 8,
      fdArray: [5, 6],
    });
    const c = s.copy();
    assert.ok(c instanceof ProgramSpec);
    assert.equal(c.name, 'p');
    assert.ok(Array.isArray(c.instructions) && Array.isArray(s.instructions));
    (c.instructions[0] as { constant: bigint }).constant = 7n;
    (c.funcInfo as Uint8Array)[0] = 99;
    c.fdArray?.push(7);
    assert.equal(s.instructions[0]?.constant, 1n);
    assert.equal(s.funcInfo?.[0], 1);
    assert.deepEqual(s.fdArray, [5, 6]);
  });

  it('copy() copies raw bytecode', () => {
    const s = new ProgramSpec({ name: 'p', type: ProgramType.XDP, instructions: new Uint8Array(16) });
    const c = s.copy();
    (c.instructions as Uint8Array)[0] = 1;
    assert.equal((s.instructions as Uint8Array)[0], 0);
  });
});

describe('kernelObjectName', () => {
  const cases: Array<[string, string]> = [
    ['count_packets', 'count_packets'],
    ['a.b_c9', 'a.b_c9'],
    ['tp/sched/switch', 'tp_sched_switch'],
    ['a_very_long_program_name', 'a_very_long_pro'],
    ['héllo', 'h_llo'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(want)}`, () =>
      assert.equal(kernelObjectName(input), want));
  }
});

describe('kernel release', () => {
  it('parses uname releases and compares with minimum versions', () => {
    const r = parseKernelRelease('6.18.44-fc-v595');
    assert.deepEqual(r, { major: 6, minor: 18, patch: 44 });
    assert.ok(r && compareKernelRelease(r, '5.11') > 0);
    assert.ok(r && compareKernelRelease(r, '6.18.44') === 0);
    assert.ok(r && compareKernelRelease(r, '6.19') < 0);
    assert.deepEqual(parseKernelRelease('5.4'), { major: 5, minor: 4, patch: 0 });
    assert.equal(parseKernelRelease('garbage'), undefined);
  });

  it('encodes LINUX_VERSION_CODE with the patch level saturated at 255', () => {
    assert.equal(kernelVersionCode({ major: 4, minor: 19, patch: 3 }), 0x041303);
    assert.equal(kernelVersionCode({ major: 4, minor: 9, patch: 300 }), 0x0409ff);
  });
});

describe('encodeProgramCode', () => {
  it('resolves jump labels', () => {
    const bytes = encodeProgramCode([
      mov64Imm(R0, 0),
      jmpImm(JumpOp.JEQ, R1, 0, 'out'),
      mov64Imm(R0, 1),
      exit().withSymbol('out'),
    ]);
    assert.equal(bytes.byteLength, 32);
    // The jump's offset (bytes 2-3 of instruction 1) skips one instruction.
    assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getInt16(8 + 2, true), 1);
  });

  it('rejects bytecode that is not whole instructions', () => {
    assert.throws(() => encodeProgramCode(new Uint8Array(12)), /not a multiple of 8/);
  });

  it('rejects a map load that still names its map', () => {
    assert.throws(
      () => encodeProgramCode([loadMapPtr(R1, 'counts'), mov64Imm(R0, 0), exit()]),
      (e: unknown) => isEbpfError(e) && /map "counts" has no fd/.test(e.message),
    );
  });

  it('reports an unknown label as an assemble error with context', () => {
    assert.throws(
      () => encodeProgramCode([jmpImm(JumpOp.JEQ, R0, 0, 'nowhere'), exit()]),
      /assemble: .*nowhere/,
    );
  });
});

describe('nextLogSize', () => {
  const cases: Array<[number, number, number | undefined]> = [
    [65536, 0, 262144],
    [65536, 100000, 100000],
    [65536, 1000, 262144],
    [512 << 20, 0, MAX_LOG_SIZE],
    [MAX_LOG_SIZE, 0, undefined],
  ];
  for (const [size, trueSize, want] of cases) {
    it(`size ${size}, true size ${trueSize} -> ${want}`, () =>
      assert.equal(nextLogSize(size, trueSize), want));
  }
});
