import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coreFailureMessage, resolveCoreRelocation } from '../../src/btf/core.js';
import { Member, Struct, type Type } from '../../src/btf/types.js';
import { buildSpec, ints, K, relo } from './core-helpers.js';
import {
  lBits,
  lMissing,
  local,
  lTask,
  lTaskOld,
  lTaskT,
  resolve,
  target,
  tBits,
  tTask,
} from './core-model.js';

describe('field relocations', () => {
  const cases: Array<{
    name: string;
    type: Type;
    kind: number;
    access: string;
    local: bigint;
    target: bigint;
  }> = [
    {
      name: 'byte_off of a moved field',
      type: lTask,
      kind: K.FieldByteOffset,
      access: '0:0',
      local: 0n,
      target: 16n,
    },
    {
      name: 'byte_off into an anonymous struct',
      type: lTask,
      kind: K.FieldByteOffset,
      access: '0:1',
      local: 4n,
      target: 8n,
    },
    {
      name: 'byte_off of a member of an anonymous union',
      type: lTask,
      kind: K.FieldByteOffset,
      access: '0:3:0',
      local: 16n,
      target: 32n,
    },
    {
      name: 'byte_off of an array element',
      type: lTask,
      kind: K.FieldByteOffset,
      access: '0:5:1',
      local: 48n,
      target: 64n,
    },
    {
      name: 'byte_off of a field of an array element',
      type: lTask,
      kind: K.FieldByteOffset,
      access: '0:5:1:1',
      local: 52n,
      target: 80n,
    },
    {
      name: 'byte_off through the root pointer index',
      type: lTask,
      kind: K.FieldByteOffset,
      access: '1:0',
      local: 64n,
      target: 144n,
    },
    {
      name: 'byte_off through a typedef root',
      type: lTaskT,
      kind: K.FieldByteOffset,
      access: '0:2',
      local: 8n,
      target: 24n,
    },
    {
      name: 'byte_off of a flavored struct',
      type: lTaskOld,
      kind: K.FieldByteOffset,
      access: '0:0',
      local: 0n,
      target: 16n,
    },
    {
      name: 'byte_sz of a field that grew',
      type: lTask,
      kind: K.FieldByteSize,
      access: '0:1',
      local: 4n,
      target: 8n,
    },
    {
      name: 'byte_sz of an array field',
      type: lTask,
      kind: K.FieldByteSize,
      access: '0:4',
      local: 16n,
      target: 8n,
    },
    {
      name: 'byte_sz of an array element',
      type: lTask,
      kind: K.FieldByteSize,
      access: '0:5:0',
      local: 8n,
      target: 16n,
    },
    {
      name: 'field_exists of a present field',
      type: lTask,
      kind: K.FieldExists,
      access: '0:0',
      local: 1n,
      target: 1n,
    },
    {
      name: 'field_exists of a missing field',
      type: lTask,
      kind: K.FieldExists,
      access: '0:7',
      local: 1n,
      target: 0n,
    },
    {
      name: 'signed of a field whose sign flipped',
      type: lTask,
      kind: K.FieldSigned,
      access: '0:3:1',
      local: 1n,
      target: 1n,
    },
    {
      name: 'signed of an unsigned field',
      type: lTask,
      kind: K.FieldSigned,
      access: '0:1',
      local: 0n,
      target: 0n,
    },
    {
      name: 'signed of an enum that became signed',
      type: lTask,
      kind: K.FieldSigned,
      access: '0:6',
      local: 0n,
      target: 1n,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolve(local, c.type, c.kind, c.access);
      assert.equal(r.localValue, c.local, 'local value');
      assert.equal(r.targetValue, c.target, 'target value');
      assert.equal(r.poisoned, false);
    });
  }

  it('describes what it resolved and which candidate matched', () => {
    const r = resolve(local, lTask, K.FieldByteOffset, '0:5:1:1');
    assert.equal(r.description, 'byte_off struct task.pair[1].y');
    assert.equal(r.target?.id, target.id(tTask));
    assert.equal(r.target?.target.name, 'vmlinux');
    assert.deepEqual(r.targetSpec?.raw, [0, 5, 1, 2]);
    assert.equal(r.failReason, undefined);
  });

  it('widens the load of an unsigned field that grew', () => {
    const r = resolve(local, lTask, K.FieldByteOffset, '0:1');
    assert.deepEqual([r.localSize, r.targetSize, r.newInsnSize, r.failMemSizeAdjust], [4, 8, 8, false]);
  });

  it('refuses to resize a signed field (poisoned on loads only)', () => {
    const r = resolve(local, lTask, K.FieldByteOffset, '0:3:1');
    assert.deepEqual(
      [r.localSize, r.targetSize, r.newInsnSize, r.failMemSizeAdjust],
      [4, 8, undefined, true],
    );
    assert.equal(r.poisoned, false);
    assert.match(r.failReason ?? '', /field size changes from 4 to 8 bytes/);
  });

  it('keeps pointer loads at their size', () => {
    const r = resolve(local, lTask, K.FieldByteOffset, '0:2');
    assert.deepEqual([r.localSize, r.targetSize, r.newInsnSize], [8, 8, undefined]);
  });

  it('poisons a missing field and says why', () => {
    const r = resolve(local, lTask, K.FieldByteOffset, '0:7');
    assert.equal(r.poisoned, true);
    assert.equal(r.description, 'byte_off struct task.gone');
    assert.equal(r.failReason, `no match in kernel BTF: struct task [${target.id(tTask)}]: no field .gone`);
    assert.equal(
      coreFailureMessage(r),
      `byte_off struct task.gone: no match in kernel BTF: struct task [${target.id(tTask)}]: no field .gone`,
    );
  });

  it('poisons an array index past the target array', () => {
    const r = resolve(local, lTask, K.FieldByteOffset, '0:4:12');
    assert.equal(r.poisoned, true);
    assert.match(r.failReason ?? '', /index \.comm\[12\] out of bounds \(8 elements\)/);
    assert.equal(resolve(local, lTask, K.FieldExists, '0:4:12').targetValue, 0n);
  });

  it('poisons a field whose type became incompatible', () => {
    const lt = new Struct('task', 8, [new Member('parent', ints.long, 0)]);
    const r = resolve(buildSpec([lt]), lt, K.FieldByteOffset, '0:0');
    assert.equal(r.poisoned, true);
    assert.match(
      r.failReason ?? '',
      /field \.parent has an incompatible type \(local int long, target pointer\)/,
    );
  });

  it('poisons when no type of that name exists', () => {
    const r = resolve(local, lMissing, K.FieldByteOffset, '0:0');
    assert.equal(r.poisoned, true);
    assert.equal(r.failReason, 'no match in kernel BTF: no struct named nowhere');
    assert.equal(resolve(local, lMissing, K.FieldExists, '0:0').targetValue, 0n);
  });

  it('refuses field kinds other than offset and size on array elements', () => {
    assert.throws(
      () => resolve(local, lTask, K.FieldSigned, '0:4:1'),
      /cannot be applied to an array access/,
    );
  });
});

describe('bitfields', () => {
  // Target `bits`: x:10 @0, a:3 @10, b:5 @13, s:4 @18, w:4 @36 (all in 4/8-byte storage).
  const table: Array<{ access: string; kind: number; little: bigint; big: bigint }> = [
    { access: '0:1', kind: K.FieldByteOffset, little: 0n, big: 0n },
    { access: '0:1', kind: K.FieldByteSize, little: 4n, big: 4n },
    { access: '0:1', kind: K.FieldLShiftU64, little: 64n - 18n, big: 32n + 13n },
    { access: '0:1', kind: K.FieldRShiftU64, little: 59n, big: 59n },
    { access: '0:2', kind: K.FieldSigned, little: 1n, big: 1n },
    { access: '0:2', kind: K.FieldLShiftU64, little: 64n - 22n, big: 32n + 18n },
    { access: '0:2', kind: K.FieldRShiftU64, little: 60n, big: 60n },
    // w: 4 bits at 36 in a u32 -> loaded as the u32 at byte 4, bits 4..8 of it.
    { access: '0:3', kind: K.FieldByteOffset, little: 4n, big: 4n },
    { access: '0:3', kind: K.FieldLShiftU64, little: 64n - 8n, big: 32n + 4n },
  ];
  for (const order of ['little', 'big'] as const) {
    const l = buildSpec([lBits], order);
    const t = buildSpec([tBits], order);
    for (const c of table) {
      it(`${order}-endian kind ${c.kind} of bits + ${c.access}`, () => {
        const r = resolveCoreRelocation(l.spec, relo(c.kind, l.id(lBits), c.access), [t.spec]);
        assert.equal(r.targetValue, order === 'little' ? c.little : c.big);
        assert.equal(r.localSize, 0, 'bitfields never resize loads');
      });
    }
  }

  it('widens the load of a bitfield that straddles its storage unit', () => {
    const l = buildSpec([new Struct('st', 2, [new Member('v', ints.u8, 6, 4)])]);
    const r = resolveCoreRelocation(l.spec, relo(K.FieldByteSize, 1, '0:0'), [l.spec]);
    assert.equal(r.targetValue, 2n);
    const shift = resolveCoreRelocation(l.spec, relo(K.FieldLShiftU64, 1, '0:0'), [l.spec]);
    assert.equal(shift.targetValue, 54n);
  });

  it('does not validate bitfield offsets (the compiler may choose another load)', () => {
    assert.equal(resolve(local, lBits, K.FieldByteOffset, '0:1').validate, false);
    assert.equal(resolve(local, lBits, K.FieldRShiftU64, '0:1').validate, true);
  });

  it('rejects a bitfield no 64-bit load can cover', () => {
    const l = buildSpec([new Struct('wide', 16, [new Member('v', ints.ulong, 60, 10)])]);
    assert.throws(
      () => resolveCoreRelocation(l.spec, relo(K.FieldByteOffset, 1, '0:0'), [l.spec]),
      /cannot be read with a 64-bit load/,
    );
  });
});
