import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CoreCandidateCache,
  type CoreResult,
  coreFailureMessage,
  isCoreRelocationError,
  resolveCoreRelocation,
  resolveCoreRelocations,
} from '../../src/btf/core.js';
import type { Spec } from '../../src/btf/spec.js';
import { Enum, Fwd, Member, Pointer, Struct, type Type, Typedef, Union } from '../../src/btf/types.js';
import { arrayOf, type BuiltSpec, buildSpec, ints, K, relo } from './core-helpers.js';

// ---- local (what the BPF object was compiled against) ----
const lInner = new Struct('inner', 8, [new Member('x', ints.int, 0), new Member('y', ints.uint, 32)]);
const lColor = new Enum('color', 4, [
  { name: 'RED', value: 0n },
  { name: 'GREEN', value: 1n },
  { name: 'BLUE___old', value: 2n },
]);
const lTask = new Struct('task', 64, [
  new Member('pid', ints.int, 0),
  new Member('flags', ints.uint, 32),
  new Member('parent', new Pointer(lInner), 64), // pointer to another struct
  new Member('', new Union('', 8, [new Member('cnt', ints.uint, 0), new Member('scnt', ints.int, 0)]), 128),
  new Member('comm', arrayOf(ints.char, 16), 192),
  new Member('pair', arrayOf(lInner, 2), 320),
  new Member('color', lColor, 448),
  new Member('gone', ints.int, 480),
]);
const lTaskOld = new Struct('task___old', 8, [
  new Member('pid', ints.int, 0),
  new Member('legacy', ints.int, 32),
]);
const lBits = new Struct('bits', 8, [
  new Member('a', ints.uint, 0, 3),
  new Member('b', ints.uint, 3, 5),
  new Member('s', ints.int, 8, 4),
  new Member('w', ints.uint, 30, 4),
]);
const lMissing = new Struct('nowhere', 4, [new Member('x', ints.int, 0)]);
const lTaskT = new Typedef('task_t', lTask);
const local = buildSpec([lTask, lTaskOld, lBits, lMissing, lTaskT, lColor]);

// ---- target (the "kernel") ----
const tInner = new Struct('inner', 16, [
  new Member('w', ints.long, 0),
  new Member('x', ints.int, 64),
  new Member('y', ints.ulong, 128),
]);
const tColor = new Enum(
  'color',
  4,
  [
    { name: 'GREEN', value: 10n },
    { name: 'BLUE', value: 20n },
    { name: 'RED', value: -1n },
  ],
  true,
);
const tTask = new Struct('task', 128, [
  new Member('state', ints.long, 0),
  new Member(
    '',
    new Struct('', 16, [new Member('flags', ints.ulong, 0), new Member('pid', ints.int, 64)]),
    64,
  ),
  new Member('parent', new Pointer(tInner), 192),
  new Member('', new Union('', 8, [new Member('scnt', ints.long, 0), new Member('cnt', ints.ulong, 0)]), 256),
  new Member('comm', arrayOf(ints.char, 8), 320),
  new Member('pair', arrayOf(tInner, 4), 384),
  new Member('color', tColor, 896),
]);
const tBits = new Struct('bits', 8, [
  new Member('x', ints.ulong, 0, 10),
  new Member('a', ints.uint, 10, 3),
  new Member('b', ints.uint, 13, 5),
  new Member('s', ints.int, 18, 4),
  new Member('w', ints.uint, 36, 4),
]);
const tTaskT = new Typedef('task_t', tTask);
const target = buildSpec([tTask, tBits, tTaskT, tColor]);

function resolve(
  l: BuiltSpec,
  type: Type,
  kind: number,
  access = '0',
  targets: Spec[] = [target.spec],
  cache?: CoreCandidateCache,
): CoreResult {
  return resolveCoreRelocation(l.spec, relo(kind, l.id(type), access, 64), targets, cache);
}

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

describe('type relocations', () => {
  it('local_type_id needs no target', () => {
    const r = resolve(local, lMissing, K.TypeIDLocal, '0', []);
    assert.deepEqual(
      [r.localValue, r.targetValue, r.validate],
      [BigInt(local.id(lMissing)), BigInt(local.id(lMissing)), false],
    );
  });
  it('target_type_id gives the candidate ID (0 when missing)', () => {
    const r = resolve(local, lTask, K.TypeIDTarget);
    assert.deepEqual(
      [r.localValue, r.targetValue, r.validate],
      [BigInt(local.id(lTask)), BigInt(target.id(tTask)), false],
    );
    assert.equal(resolve(local, lMissing, K.TypeIDTarget).targetValue, 0n);
  });
  it('type_exists, including flavors and typedefs', () => {
    assert.equal(resolve(local, lTask, K.TypeExists).targetValue, 1n);
    assert.equal(resolve(local, lTaskOld, K.TypeExists).targetValue, 1n);
    assert.equal(resolve(local, lTaskT, K.TypeExists).targetValue, 1n);
    const r = resolve(local, lMissing, K.TypeExists);
    assert.deepEqual([r.targetValue, r.poisoned], [0n, false]);
    assert.match(r.failReason ?? '', /no struct named nowhere/);
  });
  it('type_size', () => {
    assert.equal(resolve(local, lTask, K.TypeSize).targetValue, 128n);
    assert.equal(resolve(local, lTaskT, K.TypeSize).targetValue, 128n);
    assert.equal(resolve(local, lColor, K.TypeSize).targetValue, 4n);
    assert.equal(resolve(local, lMissing, K.TypeSize).targetValue, 0n);
  });
  it('type_matches', () => {
    // local task has `gone` and a 16-char comm: no match; `bits` matches (a subset with equal types).
    assert.equal(resolve(local, lTask, K.TypeMatches).targetValue, 0n);
    assert.equal(resolve(local, lBits, K.TypeMatches).targetValue, 1n);
    assert.equal(resolve(local, lColor, K.TypeMatches).targetValue, 1n);
  });
  it('type_exists distinguishes struct from union of the same name', () => {
    const l = buildSpec([new Union('task', 4, [])]);
    assert.equal(resolveCoreRelocation(l.spec, relo(K.TypeExists, 1), [target.spec]).targetValue, 0n);
  });
  it('refuses anonymous types', () => {
    const l = buildSpec([new Struct('', 4, [new Member('x', ints.int, 0)])]);
    assert.throws(
      () => resolveCoreRelocation(l.spec, relo(K.TypeExists, 1), [target.spec]),
      /anonymous types are not supported/,
    );
  });
});

describe('enumerator relocations', () => {
  it('value of an enumerator that moved', () => {
    const r = resolve(local, lColor, K.EnumvalValue, '1');
    assert.equal(r.description, 'enumval_value enum color::GREEN');
    assert.deepEqual([r.localValue, r.targetValue], [1n, 10n]);
  });
  it('a negative value is a sign-extended u64', () => {
    assert.equal(resolve(local, lColor, K.EnumvalValue, '0').targetValue, 0xffffffffffffffffn);
  });
  it('flavored enumerator names match by essential name', () => {
    assert.equal(resolve(local, lColor, K.EnumvalValue, '2').targetValue, 20n);
  });
  it('a missing enumerator: exists 0, value poisoned', () => {
    const l = buildSpec([new Enum('color', 4, [{ name: 'PURPLE', value: 5n }])]);
    assert.equal(resolveCoreRelocation(l.spec, relo(K.EnumvalExists, 1, '0'), [target.spec]).targetValue, 0n);
    const r = resolveCoreRelocation(l.spec, relo(K.EnumvalValue, 1, '0'), [target.spec]);
    assert.equal(r.poisoned, true);
    assert.match(r.failReason ?? '', /no enumerator PURPLE/);
  });
  it('enum64 values', () => {
    const l = buildSpec([new Enum('big', 8, [{ name: 'HUGE', value: 1n }], false, true)]);
    const t = buildSpec([new Enum('big', 8, [{ name: 'HUGE', value: 0x123456789an }], false, true)]);
    assert.equal(
      resolveCoreRelocation(l.spec, relo(K.EnumvalValue, 1, '0'), [t.spec]).targetValue,
      0x123456789an,
    );
  });
});

describe('candidates', () => {
  const flavorA = new Struct('thing', 8, [new Member('a', ints.int, 0), new Member('b', ints.int, 32)]);
  const flavorB = new Struct('thing___2', 8, [new Member('b', ints.int, 0), new Member('c', ints.int, 32)]);
  const sameOffsets = new Struct('thing___3', 8, [
    new Member('a', ints.int, 0),
    new Member('b', ints.int, 32),
  ]);
  const lThing = new Struct('thing', 8, [
    new Member('a', ints.int, 0),
    new Member('b', ints.int, 32),
    new Member('c', ints.int, 64),
  ]);
  const l = buildSpec([lThing]);

  it('two candidates that disagree are an ambiguity error naming the relocation', () => {
    const t = buildSpec([flavorA, flavorB]);
    assert.throws(
      () => resolveCoreRelocation(l.spec, relo(K.FieldByteOffset, 1, '0:1', 16), [t.spec]),
      (e: unknown) =>
        isCoreRelocationError(e) &&
        e.relocation === 'byte_off struct thing.b' &&
        e.insnOff === 16 &&
        /co-re relocation byte_off struct thing\.b \(insn 2\): ambiguous: candidates \[1\] and \[2\] place the field at different bit offsets \(32 != 0\)/.test(
          e.message,
        ),
    );
  });

  it('two candidates that agree are fine', () => {
    const t = buildSpec([flavorA, sameOffsets]);
    assert.equal(resolveCoreRelocation(l.spec, relo(K.FieldByteOffset, 1, '0:1'), [t.spec]).targetValue, 4n);
  });

  it('decision ambiguity (one type found twice, different IDs)', () => {
    const t = buildSpec([flavorA, sameOffsets]);
    assert.throws(
      () => resolveCoreRelocation(l.spec, relo(K.TypeIDTarget, 1), [t.spec]),
      /disagree \(success 1 != success 2\)/,
    );
  });

  it('a match prunes the other candidates for later relocations of the same type (as libbpf)', () => {
    const t = buildSpec([flavorA, flavorB]);
    const cache = new CoreCandidateCache();
    // `c` exists only in thing___2, so thing is dropped...
    const first = resolveCoreRelocation(l.spec, relo(K.FieldByteOffset, 1, '0:2'), [t.spec], cache);
    assert.equal(first.target?.id, 2);
    // ...and `b` now resolves against thing___2 alone instead of being ambiguous.
    const second = resolveCoreRelocation(l.spec, relo(K.FieldByteOffset, 1, '0:1'), [t.spec], cache);
    assert.equal(second.targetValue, 0n);
    const batch = resolveCoreRelocations(
      l.spec,
      [relo(K.FieldByteOffset, 1, '0:2'), relo(K.FieldByteOffset, 1, '0:1')],
      [t.spec],
    );
    assert.deepEqual(
      batch.map((r) => r.targetValue),
      [4n, 0n],
    );
  });

  it('module BTF is searched only when vmlinux has no candidate', () => {
    const vmlinux = buildSpec([new Struct('other', 4, [new Member('z', ints.int, 0)])]);
    const moduleThing = new Struct('thing', 16, [new Member('b', ints.int, 96)]);
    const mod = buildSpec([moduleThing], 'little', vmlinux.spec);
    const r = resolveCoreRelocation(l.spec, relo(K.FieldByteOffset, 1, '0:1'), [
      vmlinux.spec,
      { spec: mod.spec, name: 'my_mod' },
    ]);
    assert.equal(r.targetValue, 12n);
    assert.equal(r.target?.target.name, 'my_mod');
    assert.equal(r.target?.id, mod.id(moduleThing));
    const withVmlinux = buildSpec([flavorA]);
    const mod2 = buildSpec([moduleThing], 'little', withVmlinux.spec);
    const r2 = resolveCoreRelocation(l.spec, relo(K.FieldByteOffset, 1, '0:1'), [
      withVmlinux.spec,
      mod2.spec,
    ]);
    assert.equal(r2.targetValue, 4n);
    assert.equal(r2.target?.target.name, 'vmlinux');
  });

  it('a local fwd only finds fwds', () => {
    const lf = buildSpec([new Fwd('thing')]);
    const t = buildSpec([flavorA, new Fwd('thing')]);
    const r = resolveCoreRelocation(lf.spec, relo(K.TypeIDTarget, 1), [t.spec]);
    assert.equal(r.targetValue, 2n);
  });
});

describe('hard errors', () => {
  it('a malformed access string names the relocation', () => {
    assert.throws(
      () =>
        resolveCoreRelocation(local.spec, relo(K.FieldByteOffset, local.id(lTask), '0:x', 8), [target.spec]),
      (e: unknown) =>
        isCoreRelocationError(e) &&
        e.relocation === 'byte_off struct task [1] + "0:x"' &&
        /malformed access string/.test(e.message),
    );
  });
  it('a bad local type ID', () => {
    assert.throws(
      () => resolveCoreRelocation(local.spec, relo(K.FieldByteOffset, 9999, '0'), [target.spec]),
      (e: unknown) => isCoreRelocationError(e) && /\[9999\]/.test(e.message),
    );
  });
  it('an unknown kind', () => {
    assert.throws(
      () => resolveCoreRelocation(local.spec, relo(13, local.id(lTask), '0'), [target.spec]),
      /unknown relocation kind 13/,
    );
  });
});
