import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoreSpecError } from '../../src/btf/core-errors.js';
import {
  describeCoreSpec,
  formatCoreSpec,
  MAX_CORE_SPEC_LEN,
  parseAccessString,
  parseLocalSpec,
} from '../../src/btf/core-spec.js';
import { Const, Enum, Member, Pointer, Struct, Typedef, Union } from '../../src/btf/types.js';
import { arrayOf, buildSpec, ints, K, relo } from './core-helpers.js';

describe('parseAccessString', () => {
  const good: Array<[string, number[]]> = [
    ['0', [0]],
    ['0:1:2', [0, 1, 2]],
    ['12:0:345', [12, 0, 345]],
  ];
  for (const [s, want] of good) it(`accepts ${s}`, () => assert.deepEqual(parseAccessString(s), want));
  for (const s of ['', ':0', '0:', '0::1', '-1', '0:-1', ' 0', '0:x', '1.5', '99999999999']) {
    it(`rejects ${JSON.stringify(s)}`, () => assert.throws(() => parseAccessString(s), CoreSpecError));
  }
  it(`rejects more than ${MAX_CORE_SPEC_LEN} indices`, () => {
    assert.equal(parseAccessString(Array(MAX_CORE_SPEC_LEN).fill('0').join(':')).length, MAX_CORE_SPEC_LEN);
    assert.throws(
      () =>
        parseAccessString(
          Array(MAX_CORE_SPEC_LEN + 1)
            .fill('0')
            .join(':'),
        ),
      /at most 64/,
    );
  });
});

// struct inner { int x; int y; };
// struct outer {                     // size 48
//   int a;                           // 0
//   union { int b; long c; };        // 8 (anonymous)
//   const struct inner in[2];        // 16
//   struct inner *p;                 // 32
//   int flex[];  (not last -> plain zero-length array is at 40, but see flexOuter)
// };
const inner = new Struct('inner', 8, [new Member('x', ints.int, 0), new Member('y', ints.int, 32)]);
const anon = new Union('', 8, [new Member('b', ints.int, 0), new Member('c', ints.long, 0)]);
const outer = new Struct('outer', 48, [
  new Member('a', ints.int, 0),
  new Member('', anon, 64),
  new Member('in', arrayOf(new Const(inner), 2), 128),
  new Member('p', new Pointer(inner), 256),
]);
const outerT = new Typedef('outer_t', outer);
const flexOuter = new Struct('flex', 8, [
  new Member('n', ints.int, 0),
  new Member('data', arrayOf(ints.int, 0), 32),
]);
const color = new Enum('color', 4, [
  { name: 'RED', value: 0n },
  { name: 'GREEN', value: 7n },
]);

describe('parseLocalSpec', () => {
  const b = buildSpec([outerT, flexOuter, color]);
  const parse = (kind: number, type: Parameters<typeof b.id>[0], access: string) =>
    parseLocalSpec(b.spec, relo(kind, b.id(type), access));

  const cases: Array<{ access: string; bitOffset: number; path: string; raw?: string }> = [
    { access: '0', bitOffset: 0, path: '' },
    { access: '0:0', bitOffset: 0, path: '.a' },
    { access: '0:1:0', bitOffset: 64, path: '.b' },
    { access: '0:1:1', bitOffset: 64, path: '.c' },
    { access: '0:2', bitOffset: 128, path: '.in' },
    { access: '0:2:1', bitOffset: 192, path: '.in[1]' },
    { access: '0:2:1:1', bitOffset: 224, path: '.in[1].y' },
    { access: '0:3', bitOffset: 256, path: '.p' },
    { access: '2', bitOffset: 2 * 48 * 8, path: '[2]' },
    { access: '1:2:0:1', bitOffset: 48 * 8 + 128 + 32, path: '[1].in[0].y' },
  ];
  for (const c of cases) {
    it(`outer + ${c.access} -> ${c.path || '(root)'} @ bit ${c.bitOffset}`, () => {
      const s = parse(K.FieldByteOffset, outerT, c.access);
      assert.equal(s.bitOffset, c.bitOffset);
      assert.equal(describeCoreSpec(s), `byte_off typedef outer_t${c.path}`);
      assert.deepEqual(s.raw.join(':'), c.access);
    });
  }

  it('skips the anonymous member in the accessors but keeps it in the raw path', () => {
    const s = parse(K.FieldByteOffset, outer, '0:1:1');
    assert.deepEqual(
      s.accessors.map((a) => [a.type.kind, a.index, a.name]),
      [
        ['struct', 0, undefined],
        ['union', 1, 'c'],
      ],
    );
    assert.equal(formatCoreSpec(s), `[${b.id(outer)}] struct outer.c (0:1:1 @ offset 8)`);
  });

  it('accepts any index into a flexible array member', () => {
    assert.equal(parse(K.FieldByteOffset, flexOuter, '0:1:1000').bitOffset, 32 + 1000 * 32);
  });

  const bad: Array<[number, string, RegExp]> = [
    [K.FieldByteOffset, '0:4', /out of range \(struct outer has 4 members\)/],
    [K.FieldByteOffset, '0:2:2', /array index 2 .* out of range \(2 elements\)/],
    [K.FieldByteOffset, '0:0:0', /reaches int int/],
    [K.TypeExists, '1', /needs access string "0"/],
    [K.FieldExists, '', /malformed/],
    [K.FieldExists, ':1', /malformed/],
    [K.EnumvalValue, '0', /enumerator relocation on struct outer/],
    [99, '0', /unknown relocation kind 99/],
  ];
  for (const [kind, access, re] of bad) {
    it(`rejects kind ${kind} + ${JSON.stringify(access)}`, () => {
      assert.throws(() => parse(kind, outer, access), re);
    });
  }

  it('parses enumerator accesses', () => {
    const s = parse(K.EnumvalValue, color, '1');
    assert.equal(describeCoreSpec(s), 'enumval_value enum color::GREEN');
    assert.equal(formatCoreSpec(s), `[${b.id(color)}] enum color::GREEN = 7`);
    assert.throws(() => parse(K.EnumvalValue, color, '2'), /index 2 out of range \(2 values\)/);
    assert.throws(() => parse(K.EnumvalExists, color, '0:0'), /several indices/);
  });

  it('describes type relocations by the root type', () => {
    assert.equal(describeCoreSpec(parse(K.TypeSize, outerT, '0')), 'type_size typedef outer_t');
    assert.equal(describeCoreSpec(parse(K.TypeMatches, outer, '0')), 'type_matches struct outer');
  });
});
