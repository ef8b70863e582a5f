/**
 * Malformed input: seeded mutations of the committed fixtures (both byte orders) through
 * loadCollectionSpec. Every outcome must be a spec or a typed EbpfError (ParseError, BtfError...) —
 * never a RangeError/TypeError — and the whole run must stay within the time budget (no hangs). A
 * failure prints the seed and iteration so it can be replayed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadCollectionSpec } from '../../src/collection/load-collection-spec.js';
import { parseElf } from '../../src/elf/index.js';
import { EbpfError, isEbpfError } from '../../src/errors.js';
import { COLLECTION_FIXTURES, fixture } from './helpers.js';

const SEED = 0xc011ec7;
const ITERATIONS = 10_000;
const BUDGET_MS = 60_000;
/** A single parse slower than this is reported as a hang. */
const SLOW_MS = 2_000;

/** mulberry32: a small deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Base {
  name: string;
  bytes: Uint8Array;
  /** Byte ranges worth aiming at: section data and the section header table. */
  regions: Array<[number, number]>;
}

function loadBase(name: string, order: 'little' | 'big'): Base {
  const bytes = new Uint8Array(readFileSync(fixture(name, order)));
  const elf = parseElf(bytes);
  const regions: Array<[number, number]> = [];
  const interesting =
    /^(\.BTF|\.BTF\.ext|\.symtab|\.strtab|\.rel|\.maps|maps|license|version|\.data|\.rodata|\.bss|syscall|xdp|tc|classifier|\.text|\?syscall)/;
  for (const s of elf.sections) {
    if (s.size > 0 && s.type !== 8 && interesting.test(s.name)) regions.push([s.offset, s.size]);
  }
  regions.push([elf.header.shoff, elf.sections.length * 64]);
  return { name: `${name}.${order === 'little' ? 'bpf' : 'bpfeb'}.o`, bytes, regions };
}

const INTERESTING_U32 = [
  0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff8,
];

function mutate(base: Base, next: () => number): Uint8Array {
  const out = new Uint8Array(base.bytes);
  const pick = (n: number) => Math.floor(next() * n);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const [start, size] =
      next() < 0.8 ? (base.regions[pick(base.regions.length)] as [number, number]) : [0, out.length];
    const at = start + pick(Math.max(1, Math.min(size, out.length - start)));
    if (at >= out.length) continue;
    switch (pick(6)) {
      case 0:
        out[at] = pick(256);
        break;
      case 1:
        out[at] = (out[at] as number) ^ (1 << pick(8));
        break;
      case 2: {
        const v = INTERESTING_U32[pick(INTERESTING_U32.length)] as number;
        const aligned = at & ~3;
        if (aligned + 4 <= out.length) new DataView(out.buffer).setUint32(aligned, v, next() < 0.5);
        break;
      }
      case 3: {
        const len = 1 + pick(16);
        out.fill(next() < 0.5 ? 0 : 0xff, at, Math.min(out.length, at + len));
        break;
      }
      case 4: {
        const from = pick(out.length);
        const len = 1 + pick(32);
        out.copyWithin(at, from, Math.min(out.length, from + len));
        break;
      }
      default: {
        const v = pick(0x10000);
        const aligned = at & ~1;
        if (aligned + 2 <= out.length) new DataView(out.buffer).setUint16(aligned, v, next() < 0.5);
      }
    }
  }
  return next() < 0.03 ? out.subarray(0, pick(out.length)) : out;
}

describe('loadCollectionSpec on malformed input', () => {
  it(`${ITERATIONS} seeded mutations give specs or typed EbpfErrors within ${BUDGET_MS / 1000}s`, {
    timeout: BUDGET_MS * 2,
  }, () => {
    const next = rng(SEED);
    const names = [...COLLECTION_FIXTURES, 'elf_basic', 'core_reads', 'core_types', 'btf_types'];
    const bases = names.flatMap((n) => [loadBase(n, 'little'), loadBase(n, 'big')]);
    // Objects with vmlinux-sized BTF (600 KB) parse ~10x slower: aim at them less often.
    const weights = bases.map((b) => (b.bytes.byteLength > 100_000 ? 1 : 8));
    const total = weights.reduce((a, b) => a + b, 0);
    const choose = (): Base => {
      let r = next() * total;
      for (let j = 0; j < bases.length; j++) {
        r -= weights[j] as number;
        if (r < 0) return bases[j] as Base;
      }
      return bases[0] as Base;
    };
    const outcomes = new Map<string, number>();
    const start = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      const base = choose();
      const input = mutate(base, next);
      const t0 = performance.now();
      try {
        loadCollectionSpec(input, { name: base.name });
        outcomes.set('ok', (outcomes.get('ok') ?? 0) + 1);
      } catch (e) {
        if (!(e instanceof EbpfError) || !isEbpfError(e)) {
          assert.fail(
            `seed ${SEED} iteration ${i} (${base.name}): untyped ${(e as Error)?.name}: ${(e as Error)?.stack ?? e}`,
          );
        }
        const kind = (e as EbpfError).name;
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      }
      const took = performance.now() - t0;
      assert.ok(
        took < SLOW_MS,
        `seed ${SEED} iteration ${i} (${base.name}): parse took ${took.toFixed(0)} ms`,
      );
    }
    const elapsed = performance.now() - start;
    assert.ok(elapsed < BUDGET_MS, `took ${elapsed.toFixed(0)} ms`);
    // The mutations must exercise both paths.
    assert.ok((outcomes.get('ok') ?? 0) > ITERATIONS / 20, JSON.stringify([...outcomes]));
    assert.ok((outcomes.get('ParseError') ?? 0) > ITERATIONS / 20, JSON.stringify([...outcomes]));
  });
});
