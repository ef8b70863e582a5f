/**
 * Kernel tests of the load as a whole: loadAndAssign creates only what was asked (plus dependencies, which
 * it does not return), `?` sections are not autoloaded, verifier failures point at source lines, a
 * poisoned CO-RE relocation is named, `kernelTypes` drives CO-RE, the CO-RE fixtures load against the
 * running kernel, and big-endian objects are refused with a reason.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Instruction } from '../../src/asm/index.js';
import { Int, IntEncoding, loadSpec, Member, marshalTypes, Struct } from '../../src/btf/index.js';
import { loadKernelSpec } from '../../src/btf/kernel.js';
import { lineInfoStrings } from '../../src/collection/func-line-info.js';
import {
  type CollectionSpec,
  loadCollectionSpec,
  newCollection,
  newCollectionAsync,
  PoisonedInstructionError,
} from '../../src/collection/index.js';
import { loadObjectBtf } from '../../src/collection/object-btf.js';
import { isEbpfError, isVerifierError, type VerifierError } from '../../src/errors.js';
import { BpfMap } from '../../src/maps/index.js';
import { listIds } from '../../src/syscall/bpf.js';
import { defaultContext } from '../../src/syscall/context.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { requireFeature } from '../helpers/require-feature.js';
import { COLLECTION_FIXTURES, fixture } from './helpers.js';

checkFdLeaks();

const PACKET = new Uint8Array(64);

/** Ids of the kernel's maps. */
function mapIds(): Set<number> {
  return new Set(listIds(defaultContext(), 'map'));
}

/**
 * `coll_calls` with every map renamed `<tag><pid>_<n>` in the kernel, so that maps this process creates
 * can be told apart from those of tests running concurrently elsewhere.
 */
function uniquelyNamedSpec(tag: string): CollectionSpec {
  const spec = loadCollectionSpec(fixture('coll_calls'));
  Object.values(spec.maps).forEach((m, i) => {
    m.name = `${tag}${process.pid}_${i}`;
  });
  return spec;
}

/** Names of this spec's maps that exist now but not in `before`. */
function mapsSince(before: Set<number>, spec: CollectionSpec): string[] {
  const ours = new Map(Object.entries(spec.maps).map(([key, m]) => [m.name.slice(0, 15), key]));
  return [...mapIds()]
    .filter((id) => !before.has(id))
    .map((id) => {
      try {
        using m = BpfMap.fromId(id);
        return ours.get(m.name) ?? '';
      } catch {
        return ''; // gone meanwhile
      }
    })
    .filter((key) => key !== '')
    .sort();
}

/** True while a map with kernel id `id` exists. */
function mapExists(id: number): boolean {
  return mapIds().has(id);
}

/** The line of `bpf/test/<file>` containing `marker` (1-based). */
function sourceLine(file: string, marker: string): number {
  const lines = readFileSync(join('bpf', 'test', file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(marker));
  assert.ok(i >= 0, marker);
  return i + 1;
}

describe('loadAndAssign', () => {
  it('loads only the requested program and its dependencies, and returns only it', () => {
    const spec = uniquelyNamedSpec('a');
    const before = mapIds();
    let used: number[] = [];
    {
      using coll = spec.loadAndAssign({ programs: ['tail_caller'] });
      assert.deepEqual(Object.keys(coll.programs), ['tail_caller']);
      assert.deepEqual(Object.keys(coll.maps), []);
      assert.deepEqual(mapsSince(before, spec), ['jump_table'], 'only the prog array it uses');
      // The prog array (a dependency) stays open and holds tail_target: the tail call works.
      assert.equal(coll.programs.tail_caller?.testRun({ data: PACKET }).retval, 3);
      used = coll.programs.tail_caller?.info().mapIds ?? [];
      assert.equal(used.length, 1);
    }
    // The kernel frees maps after an RCU grace period (seconds on a busy machine): wait for it.
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 1000 && used.some(mapExists); i++) Atomics.wait(sleeper, 0, 0, 20);
    assert.ok(!used.some(mapExists), 'dependencies are closed with the collection');
  });

  it('creates no map that was not asked for', () => {
    const spec = uniquelyNamedSpec('b');
    const before = mapIds();
    using coll = spec.loadAndAssign({ maps: ['numbers'] });
    assert.deepEqual(mapsSince(before, spec), ['numbers']);
    assert.deepEqual(Object.keys(coll.maps), ['numbers']);
    assert.deepEqual(Object.keys(coll.programs), []);
    assert.deepEqual(Object.keys(coll.variables), []);
  });

  it('variables come with their data maps', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    using coll = spec.loadAndAssign({ programs: ['calls_main'], maps: ['.bss'] });
    assert.deepEqual(Object.keys(coll.variables).sort(), ['each_sum', 'loop_sum']);
  });

  it('unknown names are errors', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    assert.throws(
      () => spec.loadAndAssign({ programs: ['nope'] }),
      /^EbpfError: load "coll_calls.bpf.o": no program named "nope"|no program named "nope"/,
    );
    assert.throws(() => spec.loadAndAssign({ maps: ['nope'] }), /no map named "nope"/);
  });
});

describe('verifier errors', () => {
  it('? sections are not autoloaded', () => {
    using coll = newCollection(loadCollectionSpec(fixture('coll_verifier')));
    assert.deepEqual(Object.keys(coll.programs), ['fine']);
  });

  it('a rejection points at the source line (line info)', () => {
    const spec = loadCollectionSpec(fixture('coll_verifier'));
    assert.throws(
      () => spec.loadAndAssign({ programs: ['null_deref'] }),
      (e: unknown) => {
        assert.ok(isVerifierError(e));
        const err = e as VerifierError;
        assert.match(err.message, /^load "coll_verifier\.bpf\.o": program "null_deref": load: EACCES: /);
        const line = sourceLine('coll_verifier.bpf.c', 'null_deref: unchecked lookup');
        const source = 'return *value == 42; /* null_deref: unchecked lookup */';
        const prev = '; __u64 *value = bpf_map_lookup_elem(&values, &key);';
        assert.match(err.message, /invalid mem access 'map_value_or_null'/);
        // kernels since 6.2 add " @ file:line" to the source lines they print; 6.1 prints the text only
        const located = / @ coll_verifier\.bpf\.c:\d+/.test(err.log);
        assert.ok(
          err.message.includes(located ? `${source} @ coll_verifier.bpf.c:${line}` : source),
          err.message,
        );
        assert.ok(err.log.includes(located ? `${prev} @ coll_verifier.bpf.c:${line - 1}` : prev), err.log);
        return true;
      },
    );
  });

  it('a poisoned CO-RE relocation reached by the verifier is named', () => {
    const spec = loadCollectionSpec(fixture('coll_verifier'));
    assert.throws(
      () => spec.loadAndAssign({ programs: ['core_unguarded'] }),
      (e: unknown) => {
        assert.ok(e instanceof PoisonedInstructionError);
        assert.ok(isVerifierError(e), 'still a verifier error');
        assert.equal(e.instruction, 1);
        assert.match(
          e.message,
          /^load "coll_verifier\.bpf\.o": program "core_unguarded": load: EINVAL: instruction 1 was poisoned by the loader: unresolved co-re relocation byte_off struct task_struct___missing\.ebpf_ts_no_such_field: no match in kernel BTF: .*no field \.ebpf_ts_no_such_field/,
        );
        assert.match(e.log, /invalid func unknown#195896080/);
        return true;
      },
    );
  });

  it('kernelTypes replaces the kernel BTF for CO-RE', () => {
    const int = new Int('int', 4, IntEncoding.Signed);
    const task = new Struct('task_struct', 8, [
      new Member('pad', int, 0),
      new Member('ebpf_ts_no_such_field', int, 32),
    ]);
    const kernelTypes = loadSpec(marshalTypes([task]).bytes);
    const spec = loadCollectionSpec(fixture('coll_verifier'));
    using coll = spec.loadAndAssign({ programs: ['core_unguarded'] }, { kernelTypes });
    assert.ok(coll.programs.core_unguarded);
  });
});

describe('CO-RE fixtures against the running kernel', () => {
  for (const name of ['core_reads', 'core_types']) {
    it(`${name} loads every program`, () => {
      const spec = loadCollectionSpec(fixture(name));
      using coll = newCollection(spec);
      assert.deepEqual(Object.keys(coll.programs).sort(), Object.keys(spec.programs).sort());
      for (const p of Object.values(coll.programs))
        assert.ok((p.info().btfId ?? 0) > 0, `${p.name}: func info`);
    });
  }

  it('iter programs get the BTF id of bpf_iter_<target>', () => {
    using coll = loadCollectionSpec(fixture('coll_verifier')).loadAndAssign({ programs: ['dump_task'] });
    const want = loadKernelSpec().idsByName('bpf_iter_task');
    assert.ok(want.includes(coll.programs.dump_task?.info().attachBtfId ?? -1));
  });

  it('fentry programs get the BTF id of their function (where the kernel allows trampolines)', (t) => {
    const spec = loadCollectionSpec(fixture('coll_verifier'));
    let attachBtfId = 0;
    const loaded = requireFeature(t, 'fentry', () => {
      using coll = spec.loadAndAssign({ programs: ['enter_unlinkat'] });
      attachBtfId = coll.programs.enter_unlinkat?.info().attachBtfId ?? 0;
    });
    if (loaded) assert.ok(loadKernelSpec().idsByName('do_unlinkat').includes(attachBtfId));
  });

  it('tp_btf programs get their attach target from the kernel BTF', () => {
    using coll = loadCollectionSpec(fixture('core_reads')).loadAndAssign({ programs: ['direct_reads'] });
    const info = coll.programs.direct_reads?.info();
    assert.ok(info && info.attachBtfId > 0);
  });
});

describe('async loading', () => {
  it('newCollectionAsync loads off the event loop', async () => {
    using coll = await newCollectionAsync(loadCollectionSpec(fixture('coll_calls')));
    assert.equal(coll.programs.tail_caller?.testRun({ data: PACKET }).retval, 3);
  });

  it('loadAndAssignAsync rejects like loadAndAssign throws, and leaves nothing open', async () => {
    const spec = loadCollectionSpec(fixture('coll_verifier'));
    await assert.rejects(spec.loadAndAssignAsync({ programs: ['fine', 'core_unguarded'] }), (e: unknown) => {
      assert.ok(e instanceof PoisonedInstructionError);
      assert.match(
        e.message,
        /^load "coll_verifier\.bpf\.o": program "core_unguarded": load: EINVAL: instruction 1/,
      );
      return true;
    });
  });
});

describe('object BTF', () => {
  for (const name of [...COLLECTION_FIXTURES, 'elf_basic', 'core_reads', 'core_types', 'btf_types']) {
    it(`${name}: the fixed-up BTF with line strings is accepted by the kernel`, () => {
      const spec = loadCollectionSpec(fixture(name));
      assert.ok(spec.types);
      const strings = new Set<string>();
      for (const p of Object.values(spec.programs)) lineInfoStrings(p.instructions as Instruction[], strings);
      const btf = loadObjectBtf(defaultContext(), spec.types, spec.object.btfReplacements, strings);
      assert.ok(btf, 'kernel supports BTF');
      try {
        for (const s of strings) assert.notEqual(btf.stringOffset(s), undefined);
        for (const t of spec.object.funcTypes.values()) assert.equal(btf.typeId(t), spec.types.typeID(t));
      } finally {
        btf.handle.close();
      }
    });
  }
});

describe('objects without BTF', () => {
  it('load without func info (clang without -g)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-coll-'));
    try {
      const out = join(dir, 'coll_legacy.nobtf.o');
      execFileSync('llvm-objcopy-19', [
        '--remove-section=.BTF',
        '--remove-section=.BTF.ext',
        fixture('coll_legacy'),
        out,
      ]);
      const spec = loadCollectionSpec(out);
      assert.equal(spec.types, undefined);
      using coll = newCollection(spec);
      assert.equal(coll.programs.count_runs?.testRun().retval, 0);
      assert.equal(coll.programs.count_runs?.info().btfId ?? 0, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('BTF-defined maps need BTF', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-coll-'));
    try {
      const out = join(dir, 'coll_maps.nobtf.o');
      execFileSync('llvm-objcopy-19', [
        '--remove-section=.BTF',
        '--remove-section=.BTF.ext',
        fixture('coll_maps'),
        out,
      ]);
      assert.throws(
        () => loadCollectionSpec(out),
        /^ParseError: load "coll_maps\.nobtf\.o": \.maps at offset \d+: BTF-defined maps need/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('byte order', () => {
  it('big-endian objects parse but do not load here', () => {
    const spec = loadCollectionSpec(fixture('coll_globals', 'big'));
    assert.throws(
      () => newCollection(spec),
      (e: unknown) => {
        assert.ok(isEbpfError(e));
        assert.match(
          (e as Error).message,
          /^load "coll_globals\.bpfeb\.o": the object is big-endian but this machine is little-endian/,
        );
        return true;
      },
    );
  });
});
