import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CoreCandidateCache,
  isCoreRelocationError,
  resolveCoreRelocation,
  resolveCoreRelocations,
} from '../../src/btf/core.js';
import { Enum, Fwd, Member, Struct, Union } from '../../src/btf/types.js';
import { buildSpec, ints, K, relo } from './core-helpers.js';
import {
  lBits,
  lColor,
  lMissing,
  local,
  lTask,
  lTaskOld,
  lTaskT,
  resolve,
  target,
  tTask,
} from './core-model.js';

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
