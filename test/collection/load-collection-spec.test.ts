import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type Instruction, PseudoCall, PseudoLoad, resolveJumps } from '../../src/asm/index.js';
import { applyCodeRelocations } from '../../src/collection/code-relocations.js';
import { type CodeSection, readCodeSection } from '../../src/collection/code-sections.js';
import { internalMapName, objectNameFromPath } from '../../src/collection/data-sections.js';
import { ElfObject } from '../../src/collection/elf-object.js';
import { collectExterns } from '../../src/collection/externs.js';
import { loadCollectionSpec } from '../../src/collection/load-collection-spec.js';
import { coreRelocationOf } from '../../src/collection/object-instruction.js';
import { isEbpfError, isParseError } from '../../src/errors.js';
import type { ByteOrder } from '../../src/internal/bytes.js';
import { Pinning } from '../../src/maps/index.js';
import { MapFlags, MapType, ProgramFlags, ProgramType } from '../../src/syscall/uapi-enums.js';
import { COLLECTION_FIXTURES, fixture, objdumpRelocations } from './helpers.js';

const ORDERS: ByteOrder[] = ['little', 'big'];

function insns(spec: ReturnType<typeof loadCollectionSpec>, prog: string): Instruction[] {
  const p = spec.programs[prog];
  assert.ok(p, `program ${prog}`);
  assert.ok(Array.isArray(p.instructions));
  return p.instructions;
}

describe('loadCollectionSpec: global data', () => {
  for (const order of ORDERS) {
    it(`maps and variables of coll_globals (${order} endian)`, () => {
      const spec = loadCollectionSpec(fixture('coll_globals', order));
      assert.equal(spec.byteOrder, order);
      const expected: Array<[string, string, number, boolean]> = [
        ['.rodata', 'coll_glo.rodata', 36, true],
        ['.data', 'coll_glo.data', 24, false],
        ['.bss', 'coll_glo.bss', 20, false],
        ['.data.custom', '.data.custom', 4, false],
        ['.rodata.custom', '.rodata.custom', 4, true],
      ];
      assert.deepEqual(Object.keys(spec.maps).sort(), expected.map((e) => e[0]).sort());
      for (const [key, name, size, readOnly] of expected) {
        const m = spec.maps[key];
        assert.ok(m);
        assert.equal(m.name, name);
        assert.equal(m.type, MapType.ARRAY);
        assert.equal(m.keySize, 4);
        assert.equal(m.valueSize, size);
        assert.equal(m.maxEntries, 1);
        assert.equal(m.flags, (readOnly ? MapFlags.RDONLY_PROG : 0) | MapFlags.MMAPABLE, key);
        assert.equal(m.freeze, readOnly);
        const value = m.contents?.[0]?.[1];
        assert.ok(value instanceof Uint8Array && value.byteLength === size);
      }
      const vars: Array<[string, string, number, number, bigint]> = [
        ['const_u32', '.rodata', 0, 4, 7n],
        ['const_s64', '.rodata', 8, 8, -5n],
        ['enable_bad_code', '.rodata', 32, 4, 0n],
        ['data_counter', '.data', 0, 8, 100n],
        ['bss_seen_const', '.bss', 0, 4, 0n],
        ['bss_result', '.bss', 8, 8, 0n],
        ['static_bss', '.bss', 16, 4, 0n],
        ['custom_data', '.data.custom', 0, 4, 11n],
        ['custom_rodata', '.rodata.custom', 0, 4, 22n],
      ];
      for (const [name, section, offset, size, value] of vars) {
        const v = spec.variables[name];
        assert.ok(v, name);
        assert.deepEqual(
          [v.section, v.offset, v.size, v.readOnly],
          [section, offset, size, section.startsWith('.rodata')],
        );
        assert.equal(v.getInteger(), value, name);
      }
      assert.equal(spec.variables.const_cfg?.size, 16);
      assert.equal(spec.variables.data_array?.get().byteLength, 16);
    });
  }

  it('data references become PSEUDO_MAP_VALUE loads with the variable offset', () => {
    const spec = loadCollectionSpec(fixture('coll_globals'));
    const loads = insns(spec, 'globals_roundtrip').filter((i) => i.isMapLoad);
    const seen = loads.map((i) => [i.reference, i.src, i.mapOffset]);
    assert.deepEqual(seen, [
      ['.rodata', PseudoLoad.MAP_VALUE, 16],
      ['.rodata', PseudoLoad.MAP_VALUE, 0],
      ['.bss', PseudoLoad.MAP_VALUE, 0],
      ['.data', PseudoLoad.MAP_VALUE, 0],
      ['.data', PseudoLoad.MAP_VALUE, 8],
      ['.rodata', PseudoLoad.MAP_VALUE, 8],
      ['.rodata.custom', PseudoLoad.MAP_VALUE, 0],
      ['.data.custom', PseudoLoad.MAP_VALUE, 0],
      ['.bss', PseudoLoad.MAP_VALUE, 8],
      ['.bss', PseudoLoad.MAP_VALUE, 16],
    ]);
  });

  it('syscall programs are sleepable', () => {
    const spec = loadCollectionSpec(fixture('coll_globals'));
    const p = spec.programs.globals_roundtrip;
    assert.equal(p?.type, ProgramType.SYSCALL);
    assert.equal(p?.flags, ProgramFlags.SLEEPABLE);
    assert.equal(p?.license, 'GPL');
    assert.equal(p?.sectionName, 'syscall');
  });
});

describe('loadCollectionSpec: relocations against llvm-objdump', () => {
  for (const name of COLLECTION_FIXTURES) {
    for (const order of ORDERS) {
      it(`${name} (${order} endian): each relocated instruction refers to the relocation's symbol`, () => {
        const path = fixture(name, order);
        const obj = new ElfObject(readFileSync(path));
        const spec = loadCollectionSpec(path);
        const externs = collectExterns(obj, obj.btf);
        const code = new Map<number, CodeSection>();
        for (const section of obj.sections) {
          const kind = obj.kindOf(section);
          if (kind === 'program' || kind === 'text') code.set(section.index, readCodeSection(obj, section));
        }
        for (const c of code.values()) applyCodeRelocations({ obj, code, externs }, c);
        const relocations = objdumpRelocations(path);
        assert.ok(relocations.length > 0);
        for (const rel of relocations) {
          const c = [...code.values()].find((x) => x.section.name === rel.section);
          assert.ok(c, rel.section);
          const insn = c.instructions[c.indexByRawOffset.get(rel.offset / 8) ?? -1];
          assert.ok(insn, `${rel.section}+${rel.offset}`);
          const ref = insn.reference;
          const label = `${rel.section}+${rel.offset} ${rel.symbol}`;
          if (rel.symbol.startsWith('.')) {
            // Section symbols: data sections by name, code sections by the function at the target.
            if (spec.maps[rel.symbol] !== undefined) assert.equal(ref, rel.symbol, label);
            else
              assert.ok(
                ref !== undefined &&
                  code.size > 0 &&
                  [...code.values()].some((x) => x.functions.some((f) => f.name === ref)),
                label,
              );
          } else if (spec.variables[rel.symbol] !== undefined) {
            assert.equal(ref, spec.variables[rel.symbol]?.section, label);
            assert.equal(insn.mapOffset, spec.variables[rel.symbol]?.offset, label);
          } else if (spec.object.externs.externs.get(rel.symbol)?.kind === 'kconfig') {
            assert.equal(ref, '.kconfig', label);
          } else {
            assert.equal(ref, rel.symbol, label);
          }
        }
      });
    }
  }
});

describe('loadCollectionSpec: calls', () => {
  it('links subprograms (static, global, callbacks) after the program', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    const list = insns(spec, 'calls_main');
    const symbols = list.filter((i) => i.symbol !== undefined).map((i) => i.symbol);
    assert.equal(symbols[0], 'calls_main');
    assert.deepEqual([...symbols].sort(), [
      'add_static',
      'calls_main',
      'each_elem',
      'loop_step',
      'mul_global',
      'nested',
    ]);
    const calls = list.filter((i) => i.isFunctionCall).map((i) => i.reference);
    assert.ok(calls.includes('add_static') && calls.includes('mul_global') && calls.includes('nested'));
    const callbacks = list.filter((i) => i.isFunctionReference).map((i) => i.reference);
    assert.deepEqual(callbacks, ['loop_step', 'each_elem']);
    // Every call resolves within the linked program.
    const resolved = resolveJumps(list);
    for (const insn of resolved) if (insn.isFunctionCall) assert.notEqual(insn.imm, -1);
  });

  it('calls across sections link the callee program', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    const list = insns(spec, 'classifier_calls_tc');
    assert.deepEqual(
      list.filter((i) => i.symbol).map((i) => i.symbol),
      ['classifier_calls_tc', 'shared_tc'],
    );
    assert.equal(spec.programs.shared_tc?.type, ProgramType.SCHED_CLS);
  });

  it('prog array static contents name the programs', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    const jt = spec.maps.jump_table;
    assert.equal(jt?.type, MapType.PROG_ARRAY);
    assert.deepEqual(jt?.contents, [[1, 'tail_target']]);
    assert.deepEqual([jt?.keySize, jt?.valueSize, jt?.maxEntries], [4, 4, 4]);
  });

  it('records the BTF FUNC of every function from func info', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    const funcs = spec.object.funcTypes;
    for (const name of ['calls_main', 'add_static', 'mul_global', 'loop_step', 'shared_tc']) {
      assert.equal(funcs.get(name)?.name, name);
    }
  });

  it('attaches source lines', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    const withSource = insns(spec, 'calls_main').filter((i) => i.source?.line !== undefined);
    assert.ok(withSource.length > 5);
    assert.ok(withSource.some((i) => i.source?.text?.includes('bpf_loop(5, loop_step')));
    assert.match(withSource[0]?.source?.fileName ?? '', /coll_calls\.bpf\.c$/);
  });
});

describe('loadCollectionSpec: maps', () => {
  for (const order of ORDERS) {
    it(`BTF-defined maps (${order} endian)`, () => {
      const spec = loadCollectionSpec(fixture('coll_maps', order));
      const outer = spec.maps.outer_array;
      assert.equal(outer?.type, MapType.ARRAY_OF_MAPS);
      assert.deepEqual(outer?.contents, [
        [0, 'inner_a'],
        [1, 'inner_b'],
      ]);
      assert.deepEqual(
        [
          outer?.innerMap?.name,
          outer?.innerMap?.type,
          outer?.innerMap?.keySize,
          outer?.innerMap?.valueSize,
          outer?.innerMap?.maxEntries,
        ],
        ['outer_array.inner', MapType.ARRAY, 4, 4, 1],
      );
      const hash = spec.maps.outer_hash;
      assert.deepEqual(
        [
          hash?.type,
          hash?.maxEntries,
          hash?.valueSize,
          hash?.innerMap?.type,
          hash?.innerMap?.valueSize,
          hash?.innerMap?.maxEntries,
        ],
        [MapType.HASH_OF_MAPS, 4, 4, MapType.HASH, 8, 8],
      );
      const pinned = spec.maps.pinned_hash;
      assert.deepEqual(
        [pinned?.pinning, pinned?.keySize, pinned?.valueSize, pinned?.flags],
        [Pinning.BY_NAME, 8, 16, MapFlags.NO_PREALLOC],
      );
      const bloom = spec.maps.bloom;
      assert.deepEqual(
        [bloom?.type, bloom?.keySize, bloom?.valueSize, bloom?.mapExtra],
        [MapType.BLOOM_FILTER, 0, 4, 3n],
      );
      assert.equal(spec.object.mapTypes.get('inner_a')?.value?.name, '__u32');
    });

    it(`legacy bpf_map_def and iproute2 bpf_elf_map (${order} endian)`, () => {
      const legacy = loadCollectionSpec(fixture('coll_legacy', order));
      assert.deepEqual(
        Object.values(legacy.maps).map((m) => [
          m.name,
          m.type,
          m.keySize,
          m.valueSize,
          m.maxEntries,
          m.flags,
        ]),
        [
          ['legacy_counts', MapType.ARRAY, 4, 8, 2, 0],
          ['legacy_hash', MapType.HASH, 4, 4, 8, MapFlags.NO_PREALLOC],
        ],
      );
      const ip = loadCollectionSpec(fixture('coll_iproute2', order));
      assert.equal(ip.maps.tc_counts?.pinning, Pinning.BY_NAME);
      assert.deepEqual(ip.maps.tc_outer?.contents, [[1, 'tc_inner']]);
      assert.equal(ip.maps.tc_outer?.innerMap?.maxEntries, 1);
      assert.equal(ip.programs.tc_count?.type, ProgramType.SCHED_CLS);
    });
  }
});

describe('loadCollectionSpec: externs', () => {
  it('kconfig, ksyms and kfuncs', () => {
    const spec = loadCollectionSpec(fixture('coll_externs'));
    const kconfig = spec.maps['.kconfig'];
    assert.ok(kconfig);
    assert.equal(kconfig.name, 'coll_ex.kconfig');
    assert.equal(kconfig.freeze, true);
    assert.equal(kconfig.flags & MapFlags.RDONLY_PROG, MapFlags.RDONLY_PROG);
    const externs = spec.object.externs.externs;
    const hz = externs.get('CONFIG_HZ');
    assert.equal(hz?.kind, 'kconfig');
    const list = insns(spec, 'read_externs');
    const byRef = (name: string) => list.filter((i) => i.reference === name);
    const hzLoad = list.find(
      (i) => i.isMapLoad && i.reference === '.kconfig' && hz?.kind === 'kconfig' && i.mapOffset === hz.offset,
    );
    assert.ok(hzLoad, 'CONFIG_HZ load');
    assert.deepEqual(
      byRef('schedule').map((i) => [i.isLoadImm64, i.src]),
      [[true, PseudoLoad.NONE]],
    );
    assert.deepEqual(
      insns(spec, 'typed_ksym')
        .filter((i) => i.reference === 'runqueues')
        .map((i) => [i.isLoadImm64, i.src]),
      [[true, PseudoLoad.BTF_ID]],
    );
    assert.deepEqual(
      byRef('bpf_task_from_pid').map((i) => [i.isLoadImm64 ? 'ld' : 'call', i.src]),
      [
        ['ld', PseudoLoad.BTF_ID],
        ['call', PseudoCall.KFUNC_CALL],
      ],
    );
    assert.equal(externs.get('bpf_task_from_pid')?.weak, true);
    assert.deepEqual(
      byRef('ebpf_ts_no_such_kfunc').map((i) => [i.isLoadImm64 ? 'ld' : 'call', i.src]),
      [
        ['ld', PseudoLoad.BTF_ID],
        ['call', PseudoCall.KFUNC_CALL],
      ],
    );
    assert.equal(externs.get('ebpf_ts_no_such_kfunc')?.weak, true);
    assert.equal(externs.get('schedule')?.weak, false);
    const sizes = [...externs.values()]
      .filter((e) => e.kind === 'kconfig')
      .map((e) => (e.kind === 'kconfig' ? [e.name, e.valueKind, e.size] : []));
    assert.deepEqual(
      sizes.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['CONFIG_BPF_SYSCALL', 'bool', 1],
        ['CONFIG_DEFAULT_HOSTNAME', 'char-array', 16],
        ['CONFIG_EBPF_TS_NO_SUCH_OPTION', 'int', 4],
        ['CONFIG_EBPF_TS_NO_SUCH_TRISTATE', 'tristate', 4],
        ['CONFIG_HZ', 'int', 4],
        ['CONFIG_NR_CPUS', 'int', 8],
        ['CONFIG_TUN', 'tristate', 4],
        ['LINUX_HAS_BPF_COOKIE', 'bool', 1],
        ['LINUX_HAS_SYSCALL_WRAPPER', 'bool', 1],
        ['LINUX_KERNEL_VERSION', 'int', 4],
      ],
    );
  });

  it('CO-RE relocations travel with their instructions', () => {
    const spec = loadCollectionSpec(fixture('coll_verifier'));
    const relocated = insns(spec, 'core_unguarded').filter((i) => coreRelocationOf(i) !== undefined);
    assert.equal(relocated.length, 1);
    const copy = spec.copy();
    assert.equal(insns(copy, 'core_unguarded').filter((i) => coreRelocationOf(i) !== undefined).length, 1);
  });
});

describe('CollectionSpec', () => {
  it('rewriteConstants sets read-only variables and rejects others atomically', () => {
    const spec = loadCollectionSpec(fixture('coll_globals'));
    spec.rewriteConstants({ const_u32: 99, const_s64: -7n });
    assert.equal(spec.variables.const_u32?.getInteger(), 99n);
    assert.equal(spec.variables.const_s64?.getInteger(), -7n);
    const value = spec.maps['.rodata']?.contents?.[0]?.[1] as Uint8Array;
    assert.equal(new DataView(value.buffer, value.byteOffset).getUint32(0, true), 99);
    assert.throws(
      () => spec.rewriteConstants({ const_u32: 1, data_counter: 1, nope: 2 }),
      (e: unknown) => {
        assert.ok(isEbpfError(e));
        assert.match((e as Error).message, /data_counter, nope/);
        return true;
      },
    );
    assert.equal(spec.variables.const_u32?.getInteger(), 99n, 'unchanged after a failed rewrite');
  });

  it('copy() is independent', () => {
    const spec = loadCollectionSpec(fixture('coll_globals'));
    const copy = spec.copy();
    copy.variables.data_counter?.set(5n);
    const bss = copy.maps['.bss'];
    assert.ok(bss);
    bss.maxEntries = 9;
    insns(copy, 'globals_roundtrip').pop();
    assert.equal(spec.variables.data_counter?.getInteger(), 100n);
    assert.equal(copy.variables.data_counter?.getInteger(), 5n);
    assert.equal(spec.maps['.bss']?.maxEntries, 1);
    assert.equal(insns(spec, 'globals_roundtrip').length, 51);
  });

  const SET_CASES: Array<
    [
      string,
      Parameters<NonNullable<ReturnType<typeof loadCollectionSpec>['variables'][string]>['set']>[0],
      RegExp | bigint,
    ]
  > = [
    ['const_u32', 0xffffffff, 0xffffffffn],
    ['const_u32', -1, 0xffffffffn],
    ['const_u32', 2 ** 32, /does not fit/],
    ['const_s64', -(2n ** 63n), -(2n ** 63n)],
    ['const_s64', 2n ** 63n, /does not fit/],
    ['const_u32', true, 1n],
    ['const_u32', 1.5, /not a safe integer/],
    ['const_u32', new Uint8Array([1, 0, 0, 0]), 1n],
    ['const_u32', new Uint8Array(3), /3 bytes, variable is 4/],
    ['const_cfg', 1, /takes a Uint8Array/],
  ];
  for (const [name, value, want] of SET_CASES) {
    it(`VariableSpec.set ${name} = ${String(value)}`, () => {
      const spec = loadCollectionSpec(fixture('coll_globals'));
      const v = spec.variables[name];
      assert.ok(v);
      if (want instanceof RegExp) assert.throws(() => v.set(value), want);
      else {
        v.set(value);
        assert.equal(v.getInteger(), want);
      }
    });
  }
});

describe('loadCollectionSpec: names and errors', () => {
  const NAME_CASES: Array<[string | undefined, string, string]> = [
    ['coll_globals', '.rodata', 'coll_glo.rodata'],
    ['coll_globals', '.bss', 'coll_glo.bss'],
    ['coll_globals', '.kconfig', 'coll_gl.kconfig'],
    ['x', '.data', 'x.data'],
    ['coll_globals', '.data.custom', '.data.custom'],
    ['coll_globals', '.rodata.str1.1', '.rodata.str1.1'],
    [undefined, '.rodata', '.rodata'],
    ['obj', '.data.a_very_long_section_name', '.data.a_very_lo'],
  ];
  for (const [obj, section, want] of NAME_CASES) {
    it(`internalMapName(${obj}, ${section}) = ${want}`, () =>
      assert.equal(internalMapName(obj, section), want));
  }

  it('objectNameFromPath takes the file name up to its first dot', () => {
    assert.equal(objectNameFromPath('/a/b.c/coll_maps.bpf.o'), 'coll_maps');
    assert.equal(objectNameFromPath('plain'), 'plain');
  });

  it('bytes with a name use it for map names and messages', () => {
    const bytes = readFileSync(fixture('coll_globals'));
    assert.equal(loadCollectionSpec(bytes, { name: 'prog.o' }).maps['.data']?.name, 'prog.data');
    assert.equal(loadCollectionSpec(bytes).maps['.data']?.name, '.data');
  });

  it('a non-BPF ELF is a ParseError naming the file', () => {
    assert.throws(
      () => loadCollectionSpec('/bin/true'),
      (e: unknown) => {
        assert.ok(isParseError(e));
        assert.match((e as Error).message, /^load "true": ELF header at offset 18: machine 62 is not BPF/);
        return true;
      },
    );
  });

  it('a missing file is an EbpfError with the errno code', () => {
    assert.throws(
      () => loadCollectionSpec('/nonexistent/x.bpf.o'),
      (e: unknown) => {
        assert.ok(isEbpfError(e));
        assert.equal((e as { code: string }).code, 'ENOENT');
        assert.match((e as Error).message, /^load "x\.bpf\.o": read: /);
        return true;
      },
    );
  });

  it('truncated objects are ParseErrors', () => {
    const bytes = readFileSync(fixture('coll_calls'));
    for (const n of [0, 10, 64, 1000, bytes.byteLength - 1]) {
      assert.throws(
        () => loadCollectionSpec(bytes.subarray(0, n)),
        (e: unknown) => isParseError(e),
        `length ${n}`,
      );
    }
  });
});
