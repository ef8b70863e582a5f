/**
 * The ebpf-ts side of the map cases, through the public map API (`BpfMap` from src/maps): the `raw` variant
 * uses an untyped map (Uint8Array keys and values, the lowest-overhead public path) and the `typed` variant
 * the `u32`/`u64` codecs; `batches` reads BPF_MAP_LOOKUP_BATCH's packed buffers in place. Every variant creates and fills its own map like the C baseline does, with the same
 * content (key k → k*3) and the same hot-key pattern, and checks what it read so a broken run cannot pass
 * as a fast one.
 */
import { BpfMap, codecs } from '../../src/maps/index.js';
import { MapType } from '../../src/syscall/uapi-enums.js';
import { type BenchParams, type CaseName, HOT_KEY_MASK } from './cases.js';
import { checkCount, type Runner, type TsVariant } from './runner.js';

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

type RawMap = BpfMap<Uint8Array, Uint8Array>;
type TypedMap = BpfMap<number, bigint>;

function u32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, LE);
  return b;
}

function u64Bytes(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, LE);
  return b;
}

function readU64(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, LE);
}

/** A u32 → u64 map of `type` holding k → k*3 for every k < entries, as a typed map. */
function createFilled(type: MapType, p: BenchParams): TypedMap {
  const map = BpfMap.create(
    {
      name: type === MapType.HASH ? 'bench_hash' : 'bench_array',
      type,
      keySize: 4,
      valueSize: 8,
      maxEntries: p.entries,
    },
    { key: codecs.u32, value: codecs.u64 },
  );
  try {
    const keys = Array.from({ length: p.entries }, (_, k) => k);
    map.batchUpdate(
      keys,
      keys.map((k) => BigInt(k) * 3n),
    );
  } catch (e) {
    map.close();
    throw e;
  }
  return map;
}

/** Untyped view of a typed map (shares the fd). */
function rawView(map: TypedMap): RawMap {
  return map.typed(codecs.raw(4), codecs.raw(8));
}

const HOT = HOT_KEY_MASK + 1;
const hotKeyBytes = (): Uint8Array[] => Array.from({ length: HOT }, (_, k) => u32Bytes(k));

function lookupRunner(type: MapType, p: BenchParams, typed: boolean): Runner {
  const map = createFilled(type, p);
  const raw = rawView(map);
  const keys = hotKeyBytes();
  let lastKey = -1;
  let last = 0n;
  return {
    run: typed
      ? (loops) => {
          for (let i = 0; i < loops; i++) last = map.lookup(i & HOT_KEY_MASK);
          lastKey = (loops - 1) & HOT_KEY_MASK;
        }
      : (loops) => {
          let v: Uint8Array = new Uint8Array(0);
          for (let i = 0; i < loops; i++) v = raw.lookup(keys[i & HOT_KEY_MASK]!);
          last = readU64(v);
          lastKey = (loops - 1) & HOT_KEY_MASK;
        },
    close() {
      map.close();
      if (last !== BigInt(lastKey) * 3n) throw new Error(`bench: lookup of ${lastKey} read ${last}`);
    },
  };
}

function updateRunner(type: MapType, p: BenchParams, typed: boolean): Runner {
  const map = createFilled(type, p);
  const raw = rawView(map);
  const keys = hotKeyBytes();
  // Values prepared up front: the benchmark measures the library, not the caller's BigInt conversions.
  const values = Array.from({ length: HOT }, (_, k) => BigInt(k) + 7n);
  const valueBytes = values.map(u64Bytes);
  return {
    run: typed
      ? (loops) => {
          for (let i = 0; i < loops; i++) map.update(i & HOT_KEY_MASK, values[i & HOT_KEY_MASK]!);
        }
      : (loops) => {
          for (let i = 0; i < loops; i++) raw.update(keys[i & HOT_KEY_MASK]!, valueBytes[i & HOT_KEY_MASK]!);
        },
    close() {
      try {
        const got = map.lookup(HOT_KEY_MASK);
        if (got !== values[HOT_KEY_MASK]) throw new Error(`bench: update did not land: ${got}`);
      } finally {
        map.close();
      }
    },
  };
}

function iterateRunner(p: BenchParams, typed: boolean): Runner {
  const map = createFilled(MapType.HASH, p);
  const raw = rawView(map);
  return {
    run(passes) {
      for (let pass = 0; pass < passes; pass++) {
        let n = 0;
        if (typed) for (const _ of map.entries()) n++;
        else for (const _ of raw.entries()) n++;
        checkCount('entries()', n, p.entries);
      }
    },
    close: () => map.close(),
  };
}

function batchRunner(p: BenchParams, typed: boolean): Runner {
  const map = createFilled(MapType.HASH, p);
  const raw = rawView(map);
  const opts = { batchSize: p.batch };
  return {
    run(passes) {
      for (let pass = 0; pass < passes; pass++) {
        const n = typed ? map.batchLookup(opts).length : raw.batchLookup(opts).length;
        checkCount('batchLookup()', n, p.entries);
      }
    },
    close: () => map.close(),
  };
}

/**
 * `batches()`: the packed kernel buffers of each batch syscall, read in place (no per-element allocation);
 * sums the low 32 bits of every value, as close as JavaScript gets to the C loop's `checksum += values[i]`.
 */
function packedBatchRunner(p: BenchParams): Runner {
  const map = createFilled(MapType.HASH, p);
  const raw = rawView(map);
  const opts = { batchSize: p.batch };
  let checksum = 0;
  return {
    run(passes) {
      for (let pass = 0; pass < passes; pass++) {
        let n = 0;
        for (const batch of raw.batches(opts)) {
          const v = new DataView(batch.values.buffer, batch.values.byteOffset, batch.values.byteLength);
          for (let i = 0; i < batch.count; i++)
            checksum = (checksum + v.getUint32(i * 8 + (LE ? 0 : 4), LE)) | 0;
          n += batch.count;
        }
        checkCount('batches()', n, p.entries);
      }
    },
    close: () => map.close(),
  };
}

function both(name: CaseName, setup: (p: BenchParams, typed: boolean) => Runner): TsVariant[] {
  return [
    { case: name, variant: 'raw', setup: (p) => setup(p, false) },
    { case: name, variant: 'typed', setup: (p) => setup(p, true) },
  ];
}

/** The public-API variants of every map case. */
export const MAP_VARIANTS: readonly TsVariant[] = [
  ...both('array-lookup', (p, t) => lookupRunner(MapType.ARRAY, p, t)),
  ...both('array-update', (p, t) => updateRunner(MapType.ARRAY, p, t)),
  ...both('hash-lookup', (p, t) => lookupRunner(MapType.HASH, p, t)),
  ...both('hash-update', (p, t) => updateRunner(MapType.HASH, p, t)),
  ...both('hash-iterate', iterateRunner),
  ...both('hash-batch-lookup', batchRunner),
  { case: 'hash-batch-lookup', variant: 'batches', setup: packedBatchRunner },
];
