/**
 * Kernel tests: global data round-trips. Values set on the spec before loading reach the program, values
 * the program writes are read back through the variables (mmap) and the maps, `.rodata` is frozen before
 * verification (the verifier prunes dead code behind a constant, user-space writes fail).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCollectionSpec, newCollection } from '../../src/collection/index.js';
import { isEbpfError, isVerifierError } from '../../src/errors.js';
import { MapFlags } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { fixture } from './helpers.js';

checkFdLeaks();

const KEY0 = new Uint8Array(4);

function u32(bytes: Uint8Array, at = 0): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
}

describe('global data', () => {
  it('values set before load reach the program; its writes are read back', () => {
    const spec = loadCollectionSpec(fixture('coll_globals'));
    spec.rewriteConstants({ const_u32: 1234, const_s64: -40n });
    spec.variables.data_counter?.set(7n);
    spec.variables.data_array?.set(new Uint8Array([5, 0, 0, 0, 6, 0, 0, 0, 7, 0, 0, 0, 8, 0, 0, 0]));
    spec.variables.custom_data?.set(1);
    using coll = newCollection(spec);
    const prog = coll.programs.globals_roundtrip;
    assert.ok(prog);
    assert.equal(prog.testRun().retval, 0);
    const v = coll.variables;
    assert.equal(v.bss_seen_const?.getInteger(), 1234n);
    // const_s64 + const_cfg.big + const_cfg.negative = -40 + 2^40 - 2
    assert.equal(v.bss_result?.getInteger(), 2n ** 40n - 42n);
    assert.equal(v.data_counter?.getInteger(), 8n);
    assert.deepEqual(
      [...(v.data_array?.get() ?? [])].filter((_, i) => i % 4 === 0),
      [50, 60, 70, 80],
    );
    assert.equal(v.custom_data?.getInteger(), 1n + 22n);
    assert.equal(v.static_bss?.getInteger(), 5n);
    // The same through the maps (lookup of the single value).
    const bss = coll.maps['.bss']?.lookup(KEY0);
    assert.ok(bss);
    assert.equal(u32(bss, 0), 1234);
    assert.equal(u32(coll.maps['.data']?.lookup(KEY0) ?? new Uint8Array(8)), 8);
  });

  it('variables written after load are seen by the program (mmap) and programs see each run', () => {
    using coll = newCollection(loadCollectionSpec(fixture('coll_globals')));
    const counter = coll.variables.data_counter;
    assert.ok(counter);
    counter.set(1000n);
    assert.equal(coll.programs.globals_roundtrip?.testRun().retval, 0);
    assert.equal(counter.getInteger(), 1001n);
    assert.equal(coll.programs.globals_roundtrip?.testRun().retval, 0);
    assert.equal(counter.getInteger(), 1002n);
    const data = coll.maps['.data'];
    assert.ok(data);
    assert.equal(data.flags & MapFlags.MMAPABLE, MapFlags.MMAPABLE);
  });

  it('data maps carry the libbpf names, their DATASEC as BTF value type, and read-only flags', () => {
    using coll = newCollection(loadCollectionSpec(fixture('coll_globals')));
    const expected: Array<[string, string, boolean]> = [
      ['.rodata', 'coll_glo.rodata', true],
      ['.data', 'coll_glo.data', false],
      ['.bss', 'coll_glo.bss', false],
      ['.data.custom', '.data.custom', false],
      ['.rodata.custom', '.rodata.custom', true],
    ];
    for (const [key, name, readOnly] of expected) {
      const info = coll.maps[key]?.info();
      assert.ok(info, key);
      assert.equal(info.name, name);
      assert.equal(info.flags & MapFlags.RDONLY_PROG, readOnly ? MapFlags.RDONLY_PROG : 0, key);
      assert.notEqual(info.btfId, 0, `${key}: loaded with the object BTF`);
      assert.notEqual(info.btfValueTypeId, 0, `${key}: DATASEC value type`);
    }
    assert.ok((coll.programs.globals_roundtrip?.info().btfId ?? 0) > 0, 'program loaded with func info');
  });

  it('.rodata is frozen before verification', () => {
    const spec = loadCollectionSpec(fixture('coll_globals'));
    {
      using coll = newCollection(spec);
      // rodata_prunes only verifies because the verifier knows enable_bad_code is 0.
      assert.equal(coll.programs.rodata_prunes?.testRun().retval, 0);
      const rodata = coll.maps['.rodata'];
      assert.ok(rodata);
      assert.throws(
        () => rodata.update(KEY0, new Uint8Array(rodata.valueSize)),
        (e: unknown) => isEbpfError(e) && /EPERM/.test((e as Error).message),
      );
      assert.throws(() => coll.variables.const_u32?.set(1), /read-only/);
      assert.equal(coll.variables.const_u32?.getInteger(), 7n);
    }
    // Without freezing the verifier must explore the branch, and rejects it.
    const unfrozen = spec.copy();
    const rodata = unfrozen.maps['.rodata'];
    assert.ok(rodata);
    rodata.freeze = false;
    rodata.flags &= ~MapFlags.RDONLY_PROG;
    assert.throws(
      () => unfrozen.loadAndAssign({ programs: ['rodata_prunes'] }),
      (e: unknown) => isVerifierError(e),
    );
    // And with the constant set, the bad code is live.
    const live = spec.copy();
    live.rewriteConstants({ enable_bad_code: 1 });
    assert.throws(
      () => live.loadAndAssign({ programs: ['rodata_prunes'] }),
      (e: unknown) => {
        assert.ok(isVerifierError(e));
        assert.match(
          (e as Error).message,
          /^load "coll_globals\.bpf\.o": program "rodata_prunes": load: EACCES: /,
        );
        return true;
      },
    );
  });
});
