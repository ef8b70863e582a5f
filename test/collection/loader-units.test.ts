/**
 * Unit tests of the loader's pure parts (no kernel): load planning, func/line info records, BTF string
 * appending, extern resolution against a stub kernel (module kfuncs in fd_array, weak externs), and
 * finding the instruction a verifier log rejected.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InsnClass,
  Instruction,
  JumpOp,
  LD_IMM64_OPCODE,
  PseudoCall,
  PseudoLoad,
} from '../../src/asm/index.js';
import {
  Func,
  FuncLinkage,
  FuncParam,
  FuncProto,
  Int,
  IntEncoding,
  loadSpec,
  marshalTypes,
  Pointer,
  type Type,
  Var,
  voidType,
} from '../../src/btf/index.js';
import type { ExternSpec, ExternTable } from '../../src/collection/externs.js';
import { funcLineInfo } from '../../src/collection/func-line-info.js';
import { loadCollectionSpec } from '../../src/collection/index.js';
import type { KernelResolver, KernelTypeRef } from '../../src/collection/kernel-resolver.js';
import { planLoad } from '../../src/collection/load-plan.js';
import { appendBtfStrings, type ObjectBtf } from '../../src/collection/object-btf.js';
import { rejectedCallIndex } from '../../src/collection/poisoned-error.js';
import { POISON_KFUNC_BASE, resolveProgramExterns } from '../../src/collection/program-externs.js';
import { fixture } from './helpers.js';

describe('planLoad', () => {
  it('everything but ? sections, maps in dependency order', () => {
    const plan = planLoad(loadCollectionSpec(fixture('coll_maps')), undefined);
    assert.equal(plan.keep, undefined);
    const at = (n: string) => plan.maps.indexOf(n);
    assert.ok(at('inner_a') < at('outer_array') && at('inner_b') < at('outer_array'));
    assert.deepEqual(plan.programs, ['read_inner']);
    const verifier = planLoad(loadCollectionSpec(fixture('coll_verifier')), undefined);
    assert.deepEqual(verifier.programs, ['fine']);
  });

  it('a request pulls in the maps its programs use and the programs of prog arrays', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    const plan = planLoad(spec, { programs: ['tail_caller'] });
    assert.deepEqual(plan.maps, ['jump_table']);
    assert.deepEqual(plan.programs.sort(), ['tail_caller', 'tail_target']);
    assert.deepEqual([...(plan.keep?.programs ?? [])], ['tail_caller']);
    assert.deepEqual(planLoad(spec, { maps: ['numbers'] }).programs, []);
  });

  it('rejects unknown names and maps that contain themselves', () => {
    const spec = loadCollectionSpec(fixture('coll_maps'));
    assert.throws(() => planLoad(spec, { programs: ['x'] }), /no program named "x"/);
    assert.throws(() => planLoad(spec, { maps: ['x'] }), /no map named "x"/);
    spec.maps.outer_array?.contents?.push([2, 'outer_array']);
    assert.throws(() => planLoad(spec, { maps: ['outer_array'] }), /contains itself/);
    spec.maps.outer_array?.contents?.push([2, 'ghost']);
    assert.throws(() => planLoad(spec, undefined), /holds unknown map "ghost"/);
  });
});

function stubBtf(types: Map<Type, number>, strings: Map<string, number>): ObjectBtf {
  return { handle: undefined as never, typeId: (t) => types.get(t), stringOffset: (s) => strings.get(s) };
}

describe('funcLineInfo', () => {
  const spec = loadCollectionSpec(fixture('coll_calls'));
  const program = spec.programs.calls_main?.instructions as Instruction[];
  const funcs = spec.object.funcTypes;
  const ids = new Map<Type, number>([...funcs.values()].map((f, i) => [f, 100 + i]));
  const strings = new Map<string, number>();
  for (const insn of program) {
    for (const s of [insn.source?.fileName, insn.source?.text])
      if (s !== undefined && !strings.has(s)) strings.set(s, strings.size + 1);
  }

  it('one FUNC record per function start, line records in instruction order', () => {
    const info = funcLineInfo(program, funcs, stubBtf(ids, strings));
    assert.ok(info.funcInfo && info.lineInfo);
    const fv = new DataView(info.funcInfo.buffer);
    const starts = program.filter((i) => i.symbol !== undefined).length;
    assert.equal(info.funcInfo.byteLength, starts * 8);
    assert.equal(fv.getUint32(0, true), 0);
    const lv = new DataView(info.lineInfo.buffer);
    let prev = -1;
    for (let at = 0; at < info.lineInfo.byteLength; at += 16) {
      assert.ok(lv.getUint32(at, true) > prev);
      prev = lv.getUint32(at, true);
      assert.ok(lv.getUint32(at + 12, true) >> 10 > 0, 'line number');
    }
  });

  it('leaves the records out when a function has no BTF FUNC, and line info when a start has no line', () => {
    const partial = new Map(funcs);
    partial.delete('loop_step');
    assert.deepEqual(funcLineInfo(program, partial, stubBtf(ids, strings)), {
      funcInfo: undefined,
      lineInfo: undefined,
    });
    const noLines = funcLineInfo(program, funcs, stubBtf(ids, new Map()));
    assert.ok(noLines.funcInfo !== undefined);
    assert.equal(noLines.lineInfo, undefined);
  });
});

describe('appendBtfStrings', () => {
  it('adds strings after the existing table and fixes the header', () => {
    const { bytes } = marshalTypes([new Int('int', 4, IntEncoding.Signed)]);
    const out = appendBtfStrings(bytes, ['file.c', 'x = 1;', 'file.c']);
    const spec = loadSpec(out.bytes);
    assert.equal(out.offsets.size, 2);
    assert.equal(spec.strings.get(out.offsets.get('file.c') ?? -1), 'file.c');
    assert.equal(spec.strings.get(out.offsets.get('x = 1;') ?? -1), 'x = 1;');
    assert.equal(spec.typeByID(1).name, 'int');
  });
});

describe('rejectedCallIndex', () => {
  const LOG =
    '0: R1=ctx() R10=fp0\n0: (85) call bpf_get_current_task#35\n1: (85) call unknown#195896080\ninvalid func unknown#195896080\n';
  it('finds the call before the rejection', () => assert.equal(rejectedCallIndex(LOG, 195896080), 1));
  it('undefined when the log does not show it', () =>
    assert.equal(rejectedCallIndex(LOG, 2002000000), undefined));
  it('-1 when the rejection has no call line', () =>
    assert.equal(rejectedCallIndex('invalid func unknown#7', 7), -1));
});

describe('resolveProgramExterns', () => {
  const int = new Int('int', 4, IntEncoding.Signed);
  const proto = new FuncProto(int, [new FuncParam('a', int)]);
  const localFunc = (name: string) => new Func(name, proto, FuncLinkage.Extern);
  const externs: ExternSpec[] = [
    { kind: 'kfunc', name: 'mod_kfunc', weak: false, func: localFunc('mod_kfunc') },
    { kind: 'kfunc', name: 'gone', weak: true, func: localFunc('gone') },
    { kind: 'kfunc', name: 'other_proto', weak: false, func: localFunc('other_proto') },
    { kind: 'ksym', name: 'mod_var', weak: false, type: int, typed: true },
    { kind: 'ksym', name: 'addr', weak: false, type: voidType, typed: false },
    { kind: 'ksym', name: 'weak_addr', weak: true, type: voidType, typed: false },
  ];
  const table: ExternTable = { externs: new Map(externs.map((e) => [e.name, e])), kconfigSize: 0 };
  const kernel = {
    findFunction: (name: string): KernelTypeRef<Func> | undefined => {
      if (name === 'mod_kfunc') return { id: 501, type: new Func(name, proto), module: 'mod_a' };
      if (name === 'other_proto')
        return { id: 502, type: new Func(name, new FuncProto(new Pointer(int), [])), module: undefined };
      return undefined;
    },
    findVariable: (name: string): KernelTypeRef<Var> | undefined =>
      name === 'mod_var' ? { id: 601, type: new Var(name, int), module: 'mod_b' } : undefined,
    kallsyms: () => new Map([['addr', 0xffffffff81234567n]]),
    moduleHandle: (name: string) => ({ fd: { raw: name === 'mod_a' ? 40 : 41 } }),
  } as unknown as KernelResolver;
  const call = (ref: string) =>
    new Instruction({ opcode: InsnClass.JMP | JumpOp.CALL, src: PseudoCall.KFUNC_CALL, reference: ref });
  const ld = (ref: string, src: number) => new Instruction({ opcode: LD_IMM64_OPCODE, src, reference: ref });

  it('kfuncs and typed ksyms in modules, typeless ksyms, weak externs', () => {
    const insns = [
      call('mod_kfunc'),
      call('gone'),
      ld('mod_var', PseudoLoad.BTF_ID),
      ld('addr', PseudoLoad.NONE),
      ld('weak_addr', PseudoLoad.NONE),
      ld('gone', PseudoLoad.BTF_ID),
    ];
    const out = resolveProgramExterns(insns, table, kernel);
    assert.deepEqual(out.fdArray, [0, 40], 'module kfuncs only; typed ksyms carry their module fd inline');
    assert.deepEqual([insns[0]?.constant, insns[0]?.offset, insns[0]?.src], [501n, 1, PseudoCall.KFUNC_CALL]);
    assert.deepEqual([insns[1]?.src, insns[1]?.constant], [PseudoCall.HELPER, BigInt(POISON_KFUNC_BASE + 1)]);
    assert.deepEqual([...out.poisonedCalls], [[POISON_KFUNC_BASE + 1, 'gone']]);
    assert.deepEqual([insns[2]?.src, insns[2]?.constant], [PseudoLoad.BTF_ID, (41n << 32n) | 601n]);
    assert.equal(BigInt.asUintN(64, insns[3]?.constant ?? 0n), 0xffffffff81234567n);
    assert.equal(insns[4]?.constant, 0n);
    assert.deepEqual([insns[5]?.src, insns[5]?.constant], [PseudoLoad.NONE, 0n]);
  });

  it('a kfunc whose prototype differs, and missing non-weak externs, are errors', () => {
    assert.throws(
      () => resolveProgramExterns([call('other_proto')], table, kernel),
      /kfunc "other_proto": prototype differs/,
    );
    const strict: ExternTable = {
      externs: new Map([['gone', { kind: 'kfunc', name: 'gone', weak: false, func: localFunc('gone') }]]),
      kconfigSize: 0,
    };
    assert.throws(() => resolveProgramExterns([call('gone')], strict, kernel), /kfunc "gone": no such kfunc/);
    const noAddr: ExternTable = {
      externs: new Map([['x', { kind: 'ksym', name: 'x', weak: false, type: voidType, typed: false }]]),
      kconfigSize: 0,
    };
    assert.throws(
      () => resolveProgramExterns([ld('x', PseudoLoad.NONE)], noAddr, kernel),
      /ksym "x": not in \/proc\/kallsyms/,
    );
  });
});
