import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  ArrayType,
  Datasec,
  DeclTag,
  dumpRaw,
  Enum,
  Float,
  Func,
  FuncLinkage,
  type FuncProto,
  Int,
  IntEncoding,
  isBtfError,
  loadSpec,
  Member,
  marshalSpec,
  marshalTypes,
  Pointer,
  type SanitizeOptions,
  type Spec,
  Struct,
  Typedef,
  TypeTag,
  Union,
  UnknownType,
  Var,
  voidType,
} from '../../src/btf/index.js';
import { isParseError } from '../../src/errors.js';
import { bpftoolRaw, extractSection, fixture } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'btf-marshal-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function fixtureSpec(order: 'little' | 'big' = 'little'): Spec {
  return loadSpec(extractSection(fixture('btf_types', order), '.BTF') as Uint8Array);
}

describe('marshalSpec round trip', () => {
  for (const from of ['little', 'big'] as const) {
    for (const to of ['little', 'big'] as const) {
      it(`fixture ${from} -> ${to}: parse(marshal(spec)) has the same types`, () => {
        const spec = fixtureSpec(from);
        const bytes = marshalSpec(spec, { byteOrder: to });
        const again = loadSpec(bytes);
        assert.equal(again.byteOrder, to);
        assert.equal(dumpRaw(again), dumpRaw(spec));
        assert.deepEqual(marshalSpec(again, { byteOrder: to }), bytes, 'marshalling is deterministic');
      });
    }
  }

  it('bpftool reads what we write', () => {
    const spec = fixtureSpec();
    const path = join(tmp, 'fixture.btf');
    writeFileSync(path, marshalSpec(spec, { byteOrder: 'big' }));
    assert.equal(bpftoolRaw(path), dumpRaw(spec));
  });

  it('vmlinux round trip keeps all types and deduplicates strings', () => {
    const raw = new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux'));
    const spec = loadSpec(raw);
    const bytes = marshalSpec(spec);
    const again = loadSpec(bytes);
    assert.equal(again.typeCount, spec.typeCount);
    assert.equal(dumpRaw(again), dumpRaw(spec));
    // pahole's table is deduplicated too; ours must not be larger.
    assert.ok(again.header.strLen <= spec.header.strLen, `${again.header.strLen} > ${spec.header.strLen}`);
  });

  it('writes an optional layout section that parses back', () => {
    const spec = fixtureSpec();
    const again = loadSpec(marshalSpec(spec, { layout: true }));
    assert.equal(again.header.hdrLen, 32);
    assert.equal(again.layout.length, 20);
    assert.deepEqual(again.layout[4], { infoSize: 0, elemSize: 12, flags: 0 });
    assert.equal(dumpRaw(again), dumpRaw(spec));
  });
});

describe('marshalTypes', () => {
  it('assigns IDs in order, appends referenced types and handles cycles', () => {
    const int = new Int('int', 4, IntEncoding.Signed);
    const node = new Struct('node', 16, []);
    node.members.push(new Member('value', int, 0), new Member('next', new Pointer(node), 64));
    const { bytes, ids } = marshalTypes([node]);
    assert.equal(ids.get(node), 1);
    assert.equal(ids.get(voidType), 0);
    assert.equal(ids.size, 4, 'void, node, int, pointer');
    const spec = loadSpec(bytes);
    const back = spec.typeByName('node', Struct);
    const next = back.members[1]?.type;
    assert.ok(next instanceof Pointer && next.target === back);
    assert.equal(spec.typeID(back.members[0]?.type as Int), ids.get(int));
  });

  it('deduplicates strings', () => {
    const int = new Int('shared_name', 4);
    const types = [
      int,
      new Typedef('shared_name', int),
      new Struct('shared_name', 4, [new Member('shared_name', int)]),
    ];
    const spec = loadSpec(marshalTypes(types).bytes);
    assert.equal(spec.header.strLen, 1 + 'shared_name'.length + 1);
    assert.equal(spec.typesByName('shared_name').length, 3);
  });

  it('encodes 64-bit and signed enums, bitfields and decl/type tags', () => {
    const u8 = new Int('u8', 1);
    const e = new Enum('e', 8, [
      { name: 'NEG', value: -1n },
      { name: 'BIG', value: 1n << 40n },
    ]);
    e.signed = true;
    const s = new Struct('bits', 8, [
      new Member('a', u8, 0, 3),
      new Member('b', u8, 3, 5),
      new Member('c', e, 0),
    ]);
    const tag = new DeclTag('tagged', s, 1);
    const tt = new Pointer(new TypeTag('user', u8));
    const spec = loadSpec(marshalTypes([s, tag, tt], { byteOrder: 'big' }).bytes);
    const back = spec.typeByName('bits', Struct);
    assert.deepEqual(
      back.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
      [
        ['a', 0, 3],
        ['b', 3, 5],
        ['c', 0, 0],
      ],
    );
    const be = spec.typeByName('e', Enum);
    assert.ok(be.enum64 && be.signed);
    assert.deepEqual(
      be.values.map((v) => v.value),
      [-1n, 1n << 40n],
    );
    assert.equal(spec.typeByName('tagged', DeclTag).componentIdx, 1);
    assert.equal(spec.typeByName('user', TypeTag).type.name, 'u8');
  });

  it('rejects what the wire format cannot hold', () => {
    const int = new Int('int', 4);
    const huge = new Struct(
      'huge',
      4,
      Array.from({ length: 70000 }, (_, i) => new Member(`m${i}`, int, 0)),
    );
    assert.throws(() => marshalTypes([huge]), isBtfError);
    assert.throws(() => marshalTypes([new Struct('far', 4, [new Member('x', int, 1 << 25, 1)])]), isBtfError);
    assert.throws(() => marshalTypes([new UnknownType('x', 25, 0, 0, new Uint8Array(0))]), isBtfError);
    assert.throws(() => marshalTypes([new ArrayType(int, int, -1)]), isBtfError);
  });
});

describe('sanitizing for older kernels', () => {
  const spec = fixtureSpec();
  const kindsOf = (s: Spec) => new Set([...s].map((t) => t.kind));
  const sanitized = (o: SanitizeOptions) => loadSpec(marshalSpec(spec, { sanitize: o }));

  it('keeps every type ID and size', () => {
    const all: SanitizeOptions = {
      declTag: true,
      typeTag: true,
      enum64: true,
      float: true,
      funcLinkage: true,
      datasecVar: true,
      func: true,
      qmarkDatasec: true,
    };
    const s = sanitized(all);
    assert.equal(s.typeCount, spec.typeCount + 1, 'plus the enum64 placeholder');
    for (let id = 1; id < spec.nextID; id++) {
      const before = spec.typeByID(id);
      const after = s.typeByID(id);
      if ('size' in before && !(before instanceof Datasec))
        assert.equal((after as Struct).size, before.size, `type ${id}`);
    }
    assert.deepEqual(
      [...kindsOf(s)].filter((k) =>
        ['declTag', 'typeTag', 'float', 'var', 'datasec', 'func', 'funcProto'].includes(k),
      ),
      [],
    );
  });

  const cases: [keyof SanitizeOptions, (before: Spec, after: Spec) => void][] = [
    [
      'declTag',
      (b, a) => {
        const id = b.typeID(b.typeByName('member_tag', DeclTag));
        const t = a.typeByID(id);
        assert.ok(t instanceof Int && t.name === '' && t.size === 1 && t.bits === 8);
      },
    ],
    [
      'typeTag',
      (b, a) => {
        const tag = b.typeByName('user', TypeTag);
        const t = a.typeByID(b.typeID(tag));
        assert.equal(t.kind, 'const');
        assert.equal(a.typeID((t as { type: Int }).type), b.typeID(tag.type));
      },
    ],
    [
      'enum64',
      (b, a) => {
        const e = a.typeByID(b.typeID(b.typeByName('bt_enum64', Enum)));
        assert.ok(e instanceof Union && e.size === 8 && e.name === 'bt_enum64');
        assert.deepEqual(
          e.members.map((m) => [m.name, m.type.name, m.bitOffset]),
          [
            ['BT_E64_SMALL', 'enum64_placeholder', 0],
            ['BT_E64_BIG', 'enum64_placeholder', 0],
            ['BT_E64_MAX', 'enum64_placeholder', 0],
          ],
        );
        assert.equal(a.typeByName('bt_enum32_signed', Enum).signed, false, 'ENUM loses kind_flag');
      },
    ],
    [
      'float',
      (b, a) => {
        const t = a.typeByID(b.typeID(b.typeByName('double', Float)));
        assert.ok(t instanceof Struct && t.name === '' && t.size === 8 && t.members.length === 0);
      },
    ],
    [
      'funcLinkage',
      (_b, a) => {
        assert.equal(a.typeByName('bt_global_func', Func).linkage, FuncLinkage.Static);
        assert.equal(a.typeByName('bpf_rcu_read_lock', Func).linkage, FuncLinkage.Static);
      },
    ],
    [
      'datasecVar',
      (b, a) => {
        const v = a.typeByID(b.typeID(b.typeByName('bt_tagged_var', Var)));
        assert.ok(v instanceof Int && v.name === 'bt_tagged_var' && v.size === 1);
        const sec = b.typeByName('.data.custom', Datasec);
        const st = a.typeByID(b.typeID(sec));
        assert.ok(st instanceof Struct && st.name === '_data_custom');
        assert.deepEqual(
          st.members.map((m) => [m.name, m.bitOffset, a.typeID(m.type)]),
          sec.vars.map((x) => [x.type.name, x.offset * 8, b.typeID(x.type)]),
        );
      },
    ],
    [
      'func',
      (b, a) => {
        const f = b.typeByName('bt_helper', Func);
        const td = a.typeByID(b.typeID(f));
        assert.ok(td instanceof Typedef && td.name === 'bt_helper');
        const proto = a.typeByID(b.typeID(f.type));
        assert.ok(proto instanceof Enum && proto.size === 4);
        assert.deepEqual(
          proto.values.map((v) => [v.name, Number(v.value)]),
          (f.type as FuncProto).params.map((p) => [p.name, b.typeID(p.type)]),
        );
      },
    ],
  ];
  for (const [flag, check] of cases) {
    it(`${flag}: rewrites like libbpf and leaves other kinds alone`, () => {
      const after = sanitized({ [flag]: true });
      check(spec, after);
      for (let id = 1; id < spec.nextID; id++) {
        const b = spec.typeByID(id);
        const a = after.typeByID(id);
        if (b.kind === a.kind && b.kind !== 'enum' && b.kind !== 'func' && b.kind !== 'datasec') {
          assert.equal(a.name, b.name, `type ${id}`);
        }
      }
    });
  }
});

describe('split BTF', () => {
  function buildBase(order: 'little' | 'big') {
    const int = new Int('int', 4, IntEncoding.Signed);
    const foo = new Struct('foo', 8, [new Member('a', int, 0), new Member('b', int, 32)]);
    return loadSpec(marshalTypes([int, foo], { byteOrder: order }).bytes);
  }

  for (const order of ['little', 'big'] as const) {
    it(`${order}: IDs and strings continue after the base`, () => {
      const base = buildBase(order);
      const foo = base.typeByName('foo', Struct);
      const int = base.typeByName('int', Int);
      const bar = new Typedef('bar', foo);
      const baz = new Struct('baz', 12, [new Member('x', int, 0), new Member('f', foo, 32)]);
      const { bytes, ids } = marshalTypes([bar, baz, new Pointer(baz)], { base, byteOrder: order });
      assert.equal(ids.get(foo), base.typeID(foo), 'base types keep their IDs');
      const split = loadSpec(bytes, { base });
      assert.equal(split.firstID, base.nextID);
      assert.equal(split.typeCount, 3);
      const splitBar = split.typeByName('bar', Typedef);
      assert.equal(split.typeID(splitBar), base.nextID);
      assert.equal(splitBar.type, foo, 'references into the base resolve to base types');
      assert.equal(split.typeByName('foo', Struct), foo, 'name lookups search the base too');
      assert.equal(split.typeByID(1), int);
      assert.ok(split.strings.start === base.strings.length);
      assert.equal([...split].length, base.typeCount + 3);
      const dump = dumpRaw(split);
      assert.match(dump, new RegExp(`^\\[${base.nextID}\\] TYPEDEF 'bar' type_id=${base.typeID(foo)}`));
      // bpftool agrees when given the same base.
      const basePath = join(tmp, `base-${order}.btf`);
      const splitPath = join(tmp, `split-${order}.btf`);
      writeFileSync(basePath, marshalSpec(base, { byteOrder: order }));
      writeFileSync(splitPath, bytes);
      const theirs = execFileSync(
        'bpftool',
        ['btf', 'dump', 'file', splitPath, '-B', basePath, 'format', 'raw'],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(theirs, dump);
      // Marshalling the split spec again writes the same bytes.
      assert.deepEqual(marshalSpec(split, { byteOrder: order }), bytes);
    });
  }

  // This VM's kernel has no module BTF; where one exists, compare a real module against bpftool too.
  const modules = existsSync('/sys/kernel/btf')
    ? readdirSync('/sys/kernel/btf').filter((f) => f !== 'vmlinux')
    : [];
  for (const mod of modules.slice(0, 1)) {
    it(`kernel module ${mod} parses as split BTF on vmlinux`, () => {
      const base = loadSpec(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
      const split = loadSpec(new Uint8Array(readFileSync(`/sys/kernel/btf/${mod}`)), { base });
      const theirs = execFileSync(
        'bpftool',
        ['btf', 'dump', 'file', `/sys/kernel/btf/${mod}`, '-B', '/sys/kernel/btf/vmlinux', 'format', 'raw'],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      assert.equal(dumpRaw(split), theirs);
    });
  }

  it('rejects a split blob whose byte order differs from its base', () => {
    const base = buildBase('little');
    const split = marshalTypes([new Typedef('t', base.typeByName('foo'))], { base, byteOrder: 'big' }).bytes;
    assert.throws(() => loadSpec(split, { base }), /big-endian but its base is little-endian/);
  });

  it('rejects a split blob parsed against a smaller base', () => {
    const base = buildBase('little');
    const split = marshalTypes([new Typedef('t', base.typeByName('foo'))], { base }).bytes;
    const tiny = loadSpec(marshalTypes([new Int('int', 4)]).bytes);
    assert.throws(() => loadSpec(split, { base: tiny }), isParseError);
  });
});
