import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ArrayType,
  alignof,
  Datasec,
  DeclTag,
  dumpRaw,
  Enum,
  essentialName,
  Float,
  Func,
  FuncLinkage,
  FuncProto,
  Fwd,
  Int,
  isAmbiguousTypeError,
  isBtfError,
  isTypeNotFoundError,
  loadSpec,
  Pointer,
  type Spec,
  Struct,
  sizeof,
  skipQualifiers,
  Typedef,
  TypeTag,
  Union,
  underlyingType,
  Var,
  VarLinkage,
  voidType,
} from '../../src/btf/index.js';
import { extractSection, fixture } from './helpers.js';

function fixtureSpec(order: 'little' | 'big'): Spec {
  const btf = extractSection(fixture('btf_types', order), '.BTF');
  assert.ok(btf);
  return loadSpec(btf);
}

const le = fixtureSpec('little');
const be = fixtureSpec('big');

describe('Spec from the btf_types fixture', () => {
  it('reads the same types from the LE and BE objects', () => {
    assert.equal(le.byteOrder, 'little');
    assert.equal(be.byteOrder, 'big');
    assert.equal(le.typeCount, be.typeCount);
    assert.equal(dumpRaw(le), dumpRaw(be));
  });

  for (const [order, spec] of [
    ['LE', le],
    ['BE', be],
  ] as const) {
    it(`${order}: struct members, anonymous members and bitfields`, () => {
      const nested = spec.typeByName('bt_nested', Struct);
      assert.equal(nested.size, 288);
      const names = nested.members.map((m) => m.name);
      assert.deepEqual(names.slice(0, 5), ['kind', '', 'point', '', 'arr2d']);
      const anonUnion = nested.members[1]?.type;
      assert.ok(anonUnion instanceof Union);
      assert.deepEqual(
        anonUnion.members.map((m) => [m.name, m.bitOffset]),
        [
          ['parts', 0],
          ['whole', 0],
        ],
      );
      const bits = spec.typeByName('bt_bits', Struct);
      assert.deepEqual(
        bits.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
        [
          ['a', 0, 3],
          ['b', 3, 5],
          ['c', 8, 10],
          ['d', 18, 40],
          ['flag', 58, 1],
          ['tail', 64, 0],
          ['after_zero_width', 96, 4],
        ],
      );
      const c = bits.members[2]?.type;
      assert.ok(c instanceof Int && c.signed && c.name === 'int');
    });

    it(`${order}: enums of 1, 2, 4 and 8 bytes, signed and unsigned`, () => {
      const cases: [string, number, boolean, boolean, [string, bigint][]][] = [
        [
          'bt_enum8',
          1,
          false,
          false,
          [
            ['BT_E8_A', 1n],
            ['BT_E8_B', 200n],
          ],
        ],
        [
          'bt_enum16',
          2,
          false,
          false,
          [
            ['BT_E16_A', 1n],
            ['BT_E16_B', 40000n],
          ],
        ],
        [
          'bt_enum32_signed',
          4,
          true,
          false,
          [
            ['BT_E32_NEG', -5n],
            ['BT_E32_POS', 7n],
          ],
        ],
        [
          'bt_enum64',
          8,
          false,
          true,
          [
            ['BT_E64_SMALL', 1n],
            ['BT_E64_BIG', 0x1234567890n],
            ['BT_E64_MAX', 0xffffffffffffffffn],
          ],
        ],
        [
          'bt_enum64_signed',
          8,
          true,
          true,
          [
            ['BT_E64S_NEG', -0x100000000n],
            ['BT_E64S_POS', 3n],
          ],
        ],
      ];
      for (const [name, size, signed, enum64, values] of cases) {
        const e = spec.typeByName(name, Enum);
        assert.equal(e.size, size, name);
        assert.equal(e.signed, signed, name);
        assert.equal(e.enum64, enum64, name);
        assert.deepEqual(
          e.values.map((v) => [v.name, v.value]),
          values,
          name,
        );
      }
    });

    it(`${order}: pointers, arrays, function pointers, qualifiers, typedefs`, () => {
      const nested = spec.typeByName('bt_nested', Struct);
      const member = (n: string) => {
        const m = nested.members.find((x) => x.name === n);
        assert.ok(m, n);
        return m.type;
      };
      const arr2d = member('arr2d');
      assert.ok(arr2d instanceof ArrayType && arr2d.nelems === 3);
      assert.ok(arr2d.type instanceof ArrayType && arr2d.type.nelems === 4);
      assert.equal(sizeof(arr2d), 48);
      const ops = member('ops');
      assert.ok(ops instanceof ArrayType && ops.nelems === 2);
      const opPtr = ops.type;
      assert.ok(opPtr instanceof Pointer && opPtr.target instanceof FuncProto);
      const variadic = opPtr.target.params;
      assert.equal(variadic.length, 2, 'ctx and ...');
      assert.equal(variadic[1]?.name, '');
      assert.equal(variadic[1]?.type, voidType);
      const cv = member('cv');
      assert.equal(cv.kind, 'const');
      assert.ok(skipQualifiers(cv) instanceof Int);
      const typedefed = member('typedefed');
      assert.ok(typedefed instanceof Typedef && typedefed.name === 'bt_int2_t');
      assert.equal(underlyingType(typedefed).name, 'int');
      const userPtr = member('user_ptr');
      assert.ok(userPtr instanceof Pointer && userPtr.target instanceof TypeTag);
      assert.equal(userPtr.target.name, 'user');
      assert.equal(member('rp').kind, 'restrict');
      const fwd = member('fwd_union_ptr');
      assert.ok(fwd instanceof Pointer && fwd.target instanceof Fwd && fwd.target.fwdKind === 'union');
      const opaque = member('opaque_ptr');
      assert.ok(
        opaque instanceof Pointer && opaque.target instanceof Fwd && opaque.target.fwdKind === 'struct',
      );
      assert.ok(member('d') instanceof Float && sizeof(member('d')) === 8);
      assert.equal(spec.typeByName('bt_flex', Struct).members[1]?.type.kind, 'array');
    });

    it(`${order}: functions, linkage, decl tags, variables, datasecs`, () => {
      const helper = spec.typeByName('bt_helper', Func);
      assert.equal(helper.linkage, FuncLinkage.Static);
      assert.ok(helper.type instanceof FuncProto);
      assert.deepEqual(
        helper.type.params.map((p) => p.name),
        ['n', 'arg'],
      );
      assert.equal(spec.typeByName('bt_global_func', Func).linkage, FuncLinkage.Global);
      assert.equal(spec.typeByName('bpf_rcu_read_lock', Func).linkage, FuncLinkage.Extern);
      const tags = spec.typesByName('member_tag', DeclTag);
      assert.equal(tags.length, 1);
      const tag = tags[0] as DeclTag;
      assert.ok(tag.type instanceof Struct);
      assert.equal(tag.type.members[tag.componentIdx]?.name, 'tagged');
      const paramTag = spec.typeByName('param_tag', DeclTag);
      assert.equal(paramTag.type, helper);
      assert.equal(paramTag.componentIdx, 0);
      assert.equal(spec.typeByName('bt_tagged_var', Var).linkage, VarLinkage.Global);
      assert.equal(spec.typeByName('LINUX_KERNEL_VERSION', Var).linkage, VarLinkage.Extern);
      const ksyms = spec.typeByName('.ksyms', Datasec);
      assert.deepEqual(ksyms.vars.map((v) => v.type.name).sort(), [
        'bpf_prog_active',
        'bpf_rcu_read_lock',
        'bpf_rcu_read_unlock',
      ]);
    });
  }

  it('maps every ID to a type and back', () => {
    for (let id = 1; id < le.nextID; id++) assert.equal(le.typeID(le.typeByID(id)), id);
    assert.equal(le.typeID(voidType), 0);
    assert.equal(le.typeByID(0), voidType);
    assert.equal([...le].length, le.typeCount);
    assert.equal([...le.types()][0], le.typeByID(1));
  });

  it('throws typed errors for missing IDs, names and foreign types', () => {
    for (const bad of [le.nextID, -1, 1.5]) assert.throws(() => le.typeByID(bad), isTypeNotFoundError);
    assert.throws(() => le.typeByName('no_such_type'), isTypeNotFoundError);
    assert.throws(() => le.typeByName('bt_nested', Union), isTypeNotFoundError);
    assert.throws(() => le.anyTypeByName('no_such_type'), isTypeNotFoundError);
    assert.throws(() => le.typeID(new Int('int', 4)), isTypeNotFoundError);
    assert.deepEqual(le.typesByName('no_such_type'), []);
  });

  it('sizes and alignments', () => {
    const cases: [string, number, number][] = [
      ['bt_nested', 288, 8],
      ['bt_packed', 7, 1],
      ['bt_aligned', 32, 8],
      ['bt_empty', 0, 1],
      ['bt_bits', 16, 8],
    ];
    for (const [name, size, align] of cases) {
      const t = le.typeByName(name, Struct);
      assert.equal(le.sizeof(t), size, name);
      assert.equal(le.alignof(t), align, name);
    }
    assert.equal(sizeof(le.typeByName('bt_int2_t')), 4);
    assert.equal(alignof(le.typeByName('bt_union', Union)), 8);
    assert.throws(() => sizeof(le.typeByName('bt_helper')), isBtfError);
    assert.throws(() => sizeof(voidType), isBtfError);
  });

  it('finds CO-RE flavors by essential name', () => {
    const found = le.typesByEssentialName('task_struct___other', Struct).map((t) => t.name);
    assert.deepEqual(found.sort(), ['task_struct', 'task_struct___flavor']);
  });
});

describe('essentialName', () => {
  const cases: [string, string][] = [
    ['task_struct', 'task_struct'],
    ['task_struct___v2', 'task_struct'],
    ['a___b___c', 'a___b'],
    ['foo___', 'foo___'],
    ['foo___x', 'foo'],
    ['___x', '___x'],
    ['foo____bar', 'foo____bar'],
    ['__u32', '__u32'],
    ['', ''],
  ];
  for (const [input, want] of cases)
    it(`${input || '(empty)'} -> ${want || '(empty)'}`, () => {
      assert.equal(essentialName(input), want);
    });
});

describe('Spec from the running kernel', () => {
  const LOOKUPS = [
    'task_struct',
    'sk_buff',
    'xdp_md',
    'file',
    'inode',
    'pt_regs',
    'mm_struct',
    'bpf_map',
    'cred',
    'sock',
    'net_device',
    'page',
    'dentry',
    'super_block',
    'path',
    'qstr',
    'list_head',
    'hlist_node',
    'rb_node',
    'bpf_prog',
    'cgroup',
    'css_set',
    'nsproxy',
    'pid',
    'signal_struct',
  ];

  it('parses vmlinux and looks up 25 structs quickly', (t) => {
    const bytes = new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux'));
    const start = performance.now();
    const spec = loadSpec(bytes);
    const parsed = performance.now();
    const found = LOOKUPS.map((n) => spec.typeByName(n, Struct));
    const done = performance.now();
    t.diagnostic(
      `vmlinux: ${spec.typeCount} types, parse ${(parsed - start).toFixed(1)} ms, ` +
        `25 lookups ${(done - parsed).toFixed(1)} ms, total ${(done - start).toFixed(1)} ms`,
    );
    assert.equal(found.length, 25);
    assert.ok(
      found[0]?.members.some((m) => m.name === 'pid'),
      'task_struct has pid',
    );
    // Generous bound so a loaded CI machine does not flake; typical figure is 40-70 ms.
    assert.ok(done - start < 400, `parse + lookups took ${(done - start).toFixed(1)} ms`);
  });

  it('reports ambiguous names and resolves them by kind', () => {
    const spec = loadSpec(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
    assert.throws(() => spec.typeByName('AdmissionConfirm'), isAmbiguousTypeError);
    assert.equal(spec.typeByName('AdmissionConfirm', Struct).kind, 'struct');
    assert.equal(
      spec.typeByName('AdmissionConfirm', Typedef).type,
      spec.typeByName('AdmissionConfirm', Struct),
    );
    assert.equal(spec.anyTypeByName('AdmissionConfirm').kind, 'struct');
    assert.equal(spec.typesByName('AdmissionConfirm').length, 2);
    assert.ok(spec.typeByName('bpf_map_type', Enum).values.some((v) => v.name === 'BPF_MAP_TYPE_ARRAY'));
  });
});
