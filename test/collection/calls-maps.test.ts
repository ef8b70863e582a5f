/**
 * Kernel tests: subprograms (static, global, across sections), callbacks, a tail call through a prog
 * array filled from static contents, map-in-map templates and contents, legacy and iproute2 map
 * definitions, pinning by name (reuse and mismatch), map replacements, and the verifier log option.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadCollectionSpec, newCollection } from '../../src/collection/index.js';
import { isEbpfError } from '../../src/errors.js';
import { BpfMap, Pinning } from '../../src/maps/index.js';
import { Program } from '../../src/prog/index.js';
import { MapType } from '../../src/syscall/uapi-enums.js';
import { checkFdLeaks } from '../helpers/fd-leaks.js';
import { uniquePinPath } from '../maps/bpffs.js';
import { fixture } from './helpers.js';

checkFdLeaks();

const XDP_TX = 3;
const PACKET = new Uint8Array(64);

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function u64(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

describe('calls', () => {
  it('static and global subprograms and callbacks (bpf_loop, bpf_for_each_map_elem)', () => {
    using coll = newCollection(loadCollectionSpec(fixture('coll_calls')));
    const numbers = coll.maps.numbers;
    assert.ok(numbers);
    for (let i = 0; i < 4; i++) numbers.update(u32(i), u64(BigInt(4 + i)));
    assert.equal(coll.programs.calls_main?.testRun().retval, 0);
    assert.equal(coll.variables.loop_sum?.getInteger(), 10n);
    assert.equal(coll.variables.each_sum?.getInteger(), 22n);
  });

  it('a call into another section', () => {
    using coll = newCollection(loadCollectionSpec(fixture('coll_calls')));
    assert.equal(coll.programs.classifier_calls_tc?.testRun({ data: PACKET }).retval, 0);
    assert.equal(coll.programs.tc_calls_shared?.testRun({ data: PACKET }).retval, 0);
    assert.equal(coll.programs.shared_tc?.testRun({ data: PACKET }).retval, 7);
  });

  it('a tail call through the prog array filled from static contents', () => {
    using coll = newCollection(loadCollectionSpec(fixture('coll_calls')));
    assert.equal(coll.programs.tail_caller?.testRun({ data: PACKET }).retval, XDP_TX);
    const slot = coll.maps.jump_table?.lookup(u32(1));
    assert.ok(slot);
    assert.equal(
      new DataView(slot.buffer, slot.byteOffset).getUint32(0, true),
      coll.programs.tail_target?.info().id,
    );
    assert.equal(coll.maps.jump_table?.get(u32(0)), undefined);
  });

  it('programs.logLevel keeps the verifier log', () => {
    using coll = newCollection(loadCollectionSpec(fixture('coll_calls')), {
      programs: { logLevel: 2, logSize: 1 << 24 },
    });
    const log = coll.programs.calls_main?.verifierLog ?? '';
    assert.match(log, /bpf_loop\(5, loop_step/, 'line info reached the verifier');
    assert.match(log, /Func#\d+ \('mul_global'\) is global and assumed valid|mul_global/);
  });
});

describe('maps', () => {
  it('map-in-map: inner template and static contents', () => {
    const pinPath = uniquePinPath('coll');
    mkdirSync(pinPath);
    using coll = newCollection(loadCollectionSpec(fixture('coll_maps')), { maps: { pinPath } });
    try {
      coll.maps.inner_b?.update(u32(0), u32(4242));
      assert.equal(coll.programs.read_inner?.testRun({ data: PACKET }).retval, 0);
      const id = coll.maps.outer_array?.lookup(u32(0));
      assert.ok(id);
      assert.equal(new DataView(id.buffer, id.byteOffset).getUint32(0, true), coll.maps.inner_a?.info().id);
      assert.equal(coll.maps.outer_array?.get(u32(2)), undefined);
      const hash = coll.maps.outer_hash;
      assert.ok(hash);
      const inner = BpfMap.create({
        name: 'coll_inner',
        type: MapType.HASH,
        keySize: 4,
        valueSize: 8,
        maxEntries: 8,
      });
      try {
        hash.update(u32(9), u32(inner.fd.raw));
      } finally {
        inner.close();
      }
      assert.equal(coll.maps.bloom?.info().mapExtra, 3n);
    } finally {
      rmSync(pinPath, { recursive: true, force: true });
    }
  });

  it('pinning by name: a second load reuses the pinned map; an incompatible spec is refused', () => {
    const pinPath = uniquePinPath('pins');
    mkdirSync(pinPath);
    try {
      const spec = loadCollectionSpec(fixture('coll_maps'));
      assert.equal(spec.maps.pinned_hash?.pinning, Pinning.BY_NAME);
      const key = u64(1n);
      {
        using first = newCollection(spec, { maps: { pinPath } });
        first.maps.pinned_hash?.update(key, new Uint8Array(16).fill(9));
      }
      {
        using second = newCollection(spec, { maps: { pinPath } });
        assert.deepEqual([...(second.maps.pinned_hash?.lookup(key) ?? [])], new Array(16).fill(9));
      }
      const changed = spec.copy();
      const pinned = changed.maps.pinned_hash;
      assert.ok(pinned);
      pinned.maxEntries = 32;
      assert.throws(
        () => newCollection(changed, { maps: { pinPath } }),
        (e: unknown) => {
          assert.ok(isEbpfError(e));
          assert.equal((e as { code: string }).code, 'EINCOMPATIBLE');
          assert.match(
            (e as Error).message,
            /^load "coll_maps\.bpf\.o": map "pinned_hash": pinned map at .* is incompatible: max entries 16 != 32/,
          );
          return true;
        },
      );
      assert.throws(() => newCollection(spec), /pinned by name, but no maps.pinPath was given/);
    } finally {
      rmSync(pinPath, { recursive: true, force: true });
    }
  });

  it('mapReplacements: the program uses the given map', () => {
    const spec = loadCollectionSpec(fixture('coll_calls'));
    using numbers = BpfMap.create({
      name: 'numbers',
      type: MapType.ARRAY,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
    });
    for (let i = 0; i < 4; i++) numbers.update(u32(i), u64(BigInt(4 + i)));
    {
      using coll = newCollection(spec, { mapReplacements: { numbers } });
      assert.equal(coll.maps.numbers?.info().id, numbers.info().id);
      assert.equal(coll.programs.calls_main?.testRun().retval, 0);
    }
    assert.ok(!numbers.closed, 'the caller keeps its map');
    using wrong = BpfMap.create({
      name: 'wrong',
      type: MapType.HASH,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
    });
    assert.throws(
      () => newCollection(spec, { mapReplacements: { numbers: wrong } }),
      /incompatible: type 1 != 2/,
    );
  });

  it('legacy bpf_map_def and iproute2 bpf_elf_map definitions load', () => {
    {
      using coll = newCollection(loadCollectionSpec(fixture('coll_legacy')));
      assert.equal(coll.programs.count_runs?.testRun().retval, 0);
      assert.equal(coll.programs.count_runs?.testRun().retval, 0);
      const count = coll.maps.legacy_counts?.lookup(u32(0));
      assert.ok(count);
      assert.equal(new DataView(count.buffer, count.byteOffset).getBigUint64(0, true), 2n);
      assert.equal(coll.maps.legacy_hash?.get(u32(0))?.[0], 1);
    }
    const pinPath = uniquePinPath('iproute2');
    mkdirSync(pinPath);
    try {
      using coll = newCollection(loadCollectionSpec(fixture('coll_iproute2')), { maps: { pinPath } });
      assert.equal(coll.programs.tc_count?.testRun({ data: PACKET }).retval, 0, 'tc_outer[0] holds no map');
      assert.equal(coll.maps.tc_counts?.lookup(u32(0))?.[0], 1, 'the program counted');
      const id = coll.maps.tc_outer?.lookup(u32(1));
      assert.ok(id);
      assert.equal(new DataView(id.buffer, id.byteOffset).getUint32(0, true), coll.maps.tc_inner?.info().id);
      assert.equal(coll.maps.tc_counts?.pinnedPath, `${pinPath}/tc_counts`);
    } finally {
      rmSync(pinPath, { recursive: true, force: true });
    }
  });

  it('a program from a collection is a normal Program', () => {
    using coll = newCollection(loadCollectionSpec(fixture('coll_calls')));
    const p = coll.programs.tail_target;
    assert.ok(p instanceof Program);
    assert.equal(p.name, 'tail_target');
  });
});
