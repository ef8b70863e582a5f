import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coreFieldsAreCompat,
  coreNamesMatch,
  coreTypesAreCompat,
  coreTypesMatch,
} from '../../src/btf/core-compat.js';
import {
  Const,
  Enum,
  Float,
  FuncParam,
  FuncProto,
  Fwd,
  Int,
  Member,
  Pointer,
  Struct,
  type Type,
  Typedef,
  Union,
  Volatile,
  voidType,
} from '../../src/btf/types.js';
import { arrayOf, ints } from './core-helpers.js';

const sA = new Struct('a', 4, [new Member('x', ints.int, 0)]);
const sA2 = new Struct('a___v2', 8, [new Member('x', ints.long, 0), new Member('y', ints.int, 32)]);
const sB = new Struct('b', 4, [new Member('x', ints.int, 0)]);
const uA = new Union('a', 4, [new Member('x', ints.int, 0)]);
const eA = new Enum('e', 4, [{ name: 'ONE', value: 1n }]);
const eA64 = new Enum('e___flavor', 8, [{ name: 'ONE', value: 1n }], false, true);
const eB = new Enum('other', 4, [{ name: 'ONE', value: 1n }]);
const eAnon = new Enum('', 4, [{ name: 'ONE', value: 1n }]);
const legacyBitfieldInt = new Int('int', 4, 1, 3, 2);
const flt = new Float('float', 4);
const dbl = new Float('double', 8);
const fwdA = new Fwd('a');
const fwdUnionA = new Fwd('a', 'union');
const ptrInt = new Pointer(ints.int);
const ptrLong = new Pointer(ints.long);
const proto = (ret: Type, ...params: Type[]) =>
  new FuncProto(
    ret,
    params.map((p, i) => new FuncParam(`p${i}`, p)),
  );

describe('coreFieldsAreCompat', () => {
  const cases: Array<[string, Type, Type, boolean]> = [
    ['struct vs struct of another name', sA, sB, true],
    ['struct vs union', sA, uA, true],
    ['int vs long (size ignored)', ints.int, ints.ulong, true],
    ['int vs legacy bitfield int', ints.int, legacyBitfieldInt, false],
    ['int vs pointer', ints.int, ptrInt, false],
    ['pointer vs pointer (pointee ignored)', ptrInt, new Pointer(sA), true],
    ['float vs double', flt, dbl, true],
    ['enum vs flavored enum64', eA, eA64, true],
    ['enum vs differently named enum', eA, eB, false],
    ['named enum vs anonymous enum', eA, eAnon, true],
    ['enum vs int', eA, ints.int, false],
    ['fwd vs fwd of the same name', fwdA, new Fwd('a___x'), true],
    ['fwd vs fwd of another name', fwdA, new Fwd('b'), false],
    ['arrays compare element types', arrayOf(ints.int, 4), arrayOf(ints.long, 2), true],
    ['array of int vs array of pointers', arrayOf(ints.int, 4), arrayOf(ptrInt, 4), false],
    [
      'typedefs and qualifiers are skipped',
      new Typedef('u32', new Const(ints.uint)),
      new Volatile(ints.int),
      true,
    ],
    ['func protos are never fields', proto(ints.int), proto(ints.int), false],
  ];
  for (const [name, l, t, want] of cases) it(name, () => assert.equal(coreFieldsAreCompat(l, t), want));
});

describe('coreTypesAreCompat', () => {
  const cases: Array<[string, Type, Type, boolean]> = [
    ['struct vs struct', sA, sA2, true],
    ['struct vs union (kind differs)', sA, uA, false],
    ['typedef to struct vs typedef to union', new Typedef('t', sA), new Typedef('t', uA), false],
    ['enum vs enum64', eA, eA64, true],
    ['fwd vs fwd', fwdA, fwdUnionA, true],
    ['int vs int', ints.int, ints.u8, true],
    ['int vs legacy bitfield int', ints.int, legacyBitfieldInt, false],
    ['pointer to int vs pointer to long', ptrInt, ptrLong, true],
    ['pointer to int vs pointer to struct', ptrInt, new Pointer(sA), false],
    ['pointer to void vs pointer to void', new Pointer(voidType), new Pointer(voidType), true],
    ['array of structs vs array of structs', arrayOf(sA, 1), arrayOf(sB, 9), true],
    ['protos with compatible params', proto(ints.int, ptrInt), proto(ints.long, ptrLong), true],
    ['protos with different arity', proto(ints.int, ptrInt), proto(ints.int), false],
    ['protos with incompatible params', proto(ints.int, ptrInt), proto(ints.int, sA), false],
    ['float vs float (not a relocatable kind)', flt, dbl, false],
  ];
  for (const [name, l, t, want] of cases) it(name, () => assert.equal(coreTypesAreCompat(l, t), want));
});

describe('coreNamesMatch', () => {
  const cases: Array<[string, string, boolean]> = [
    ['a', 'a', true],
    ['a___x', 'a', true],
    ['a', 'a___y', true],
    ['a', 'b', false],
    ['', '', true],
    ['a', '', false],
    ['', 'a', false],
  ];
  for (const [l, t, want] of cases)
    it(`${JSON.stringify(l)} vs ${JSON.stringify(t)}`, () => assert.equal(coreNamesMatch(l, t), want));
});

describe('coreTypesMatch', () => {
  const node = new Struct('node', 16, []);
  node.members = [new Member('next', new Pointer(node), 0), new Member('val', ints.int, 64)];
  const nodeT = new Struct('node', 24, []);
  nodeT.members = [
    new Member('pad', ints.long, 0),
    new Member('val', ints.int, 64),
    new Member('next', new Pointer(new Fwd('node')), 128),
  ];
  const cases: Array<[string, Type, Type, boolean]> = [
    ['ints of equal size and sign', ints.int, new Int('int', 4, 1), true],
    ['ints of different sign', ints.int, ints.uint, false],
    ['ints of different size', ints.uint, ints.ulong, false],
    ['struct with members in another order plus extra members', node, nodeT, true],
    ['struct vs struct missing a member', nodeT, node, false],
    ['struct vs union', sA, uA, false],
    ['struct member with a different type', sA, new Struct('a', 8, [new Member('x', ints.long, 0)]), false],
    [
      'struct behind a pointer only needs the kind',
      new Pointer(sA),
      new Pointer(new Struct('a', 1, [])),
      true,
    ],
    ['struct behind a pointer matches a fwd struct', new Pointer(sA), new Pointer(fwdA), true],
    ['union behind a pointer does not match a fwd struct', new Pointer(uA), new Pointer(fwdA), false],
    ['fwd struct behind a pointer matches a struct', new Pointer(fwdA), new Pointer(sA), true],
    ['fwd not behind a pointer needs a fwd', fwdA, sA, false],
    ['fwd union vs fwd struct', fwdUnionA, fwdA, false],
    [
      'enum vs enum64 of the same size with the variant',
      eA,
      new Enum(
        'e',
        4,
        [
          { name: 'ONE', value: 9n },
          { name: 'TWO', value: 2n },
        ],
        false,
        true,
      ),
      true,
    ],
    ['enum of another size', eA, new Enum('e', 8, [{ name: 'ONE', value: 1n }]), false],
    ['enum missing a variant', new Enum('e', 4, [{ name: 'TWO', value: 2n }]), eA, false],
    ['arrays of equal length', arrayOf(ints.int, 3), arrayOf(ints.int, 3), true],
    ['arrays of different length', arrayOf(ints.int, 3), arrayOf(ints.int, 4), false],
    ['pointer vs int', ptrInt, ints.long, false],
    ['names must agree after typedefs', new Typedef('x', sA), new Typedef('x', sB), false],
    ['protos with matching params', proto(ints.int, ptrInt), proto(ints.int, ptrInt), true],
    ['protos with mismatched return', proto(ints.int, ptrInt), proto(ints.uint, ptrInt), false],
    ['void vs void', voidType, voidType, true],
  ];
  for (const [name, l, t, want] of cases) it(name, () => assert.equal(coreTypesMatch(l, t), want));

  it('a self-referencing struct not behind a pointer is cut off as too deep', () => {
    const loop = new Struct('loop', 4, []);
    loop.members = [new Member('self', loop, 0)];
    assert.throws(() => coreTypesMatch(loop, loop), /deeper than 32/);
  });
});
