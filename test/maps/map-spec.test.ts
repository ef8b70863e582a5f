import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type MapInfo, MapSpec, sanitizeMapName } from '../../src/maps/index.js';
import { MapFlags, MapType } from '../../src/syscall/index.js';

type InfoFields = Pick<MapInfo, 'type' | 'keySize' | 'valueSize' | 'maxEntries' | 'flags'>;
const base: InfoFields = { type: MapType.HASH, keySize: 4, valueSize: 8, maxEntries: 16, flags: 0 };

describe('MapSpec', () => {
  it('defaults sizes, flags and name', () => {
    const s = new MapSpec({ type: MapType.RINGBUF, maxEntries: 4096 });
    assert.equal(s.name, '');
    assert.equal(s.keySize, 0);
    assert.equal(s.valueSize, 0);
    assert.equal(s.flags, 0);
    assert.equal(s.innerMap, undefined);
  });

  it('copy() is deep for the inner map and the contents list', () => {
    const s = new MapSpec({
      name: 'outer',
      type: MapType.ARRAY_OF_MAPS,
      keySize: 4,
      valueSize: 4,
      maxEntries: 2,
      innerMap: { ...base, name: 'inner' },
      contents: [[new Uint8Array(4), new Uint8Array(4)]],
    });
    const c = s.copy();
    assert.deepEqual(c, s);
    c.innerMap!.maxEntries = 99;
    c.contents!.push([1, 2]);
    assert.equal(s.innerMap!.maxEntries, 16);
    assert.equal(s.contents!.length, 1);
    assert.ok(c.innerMap instanceof MapSpec);
  });

  const info: InfoFields = { ...base };
  const mismatches: Array<[string, Partial<InfoFields>, RegExp]> = [
    ['type', { type: MapType.ARRAY }, /type/],
    ['key size', { keySize: 8 }, /key size 8 != 4/],
    ['value size', { valueSize: 4 }, /value size/],
    ['max entries', { maxEntries: 1 }, /max entries/],
    ['flags', { flags: MapFlags.NO_PREALLOC }, /flags 0x1 != 0x0/],
  ];
  for (const [what, change, re] of mismatches) {
    it(`compatibleWith rejects a different ${what}`, () => {
      const s = new MapSpec({ ...base, name: 'm' });
      const other = { ...info, ...change };
      assert.equal(s.compatibleWith(other), false);
      assert.match(s.incompatibility(other) ?? '', re);
      assert.throws(() => s.checkCompatible(other), /map "m": existing map is incompatible/);
    });
  }

  it('compatibleWith accepts an identical map and the kernel defaults', () => {
    assert.ok(new MapSpec(base).compatibleWith(info));
    const perf = new MapSpec({ type: MapType.PERF_EVENT_ARRAY });
    assert.ok(
      perf.compatibleWith({
        type: MapType.PERF_EVENT_ARRAY,
        keySize: 4,
        valueSize: 4,
        maxEntries: 2,
        flags: 0,
      }),
    );
    const dev = new MapSpec({ type: MapType.DEVMAP, keySize: 4, valueSize: 4, maxEntries: 1 });
    assert.ok(dev.compatibleWith({ ...dev, flags: MapFlags.RDONLY_PROG }));
  });
});

describe('sanitizeMapName', () => {
  const cases: Array<[string, string]> = [
    ['events', 'events'],
    ['my-map!', 'mymap'],
    ['.rodata.str1.1', '.rodata.str1.1'],
    ['a_very_long_map_name_indeed', 'a_very_long_map'],
    ['ünïcode', 'ncode'],
  ];
  for (const [input, want] of cases)
    it(`${input} → ${want}`, () => assert.equal(sanitizeMapName(input), want));
});
