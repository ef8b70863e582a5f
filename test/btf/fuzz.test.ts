import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alignof,
  dumpC,
  dumpRaw,
  isBtfError,
  loadSpec,
  marshalSpec,
  parseExtInfo,
  type Spec,
  sizeof,
} from '../../src/btf/index.js';
import { isParseError } from '../../src/errors.js';
import { extractSection, fixture } from './helpers.js';

/** Deterministic PRNG (mulberry32) so failures reproduce from the printed seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [
  0, 1, 2, 3, 4, 7, 8, 12, 16, 24, 32, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
];

/** One random mutation of `input`, biased towards the header and towards u32-aligned fields. */
function mutate(input: Uint8Array, rand: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  let out = input.slice();
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    const headerBias = rand() < 0.3;
    const at = headerBias ? pick(Math.min(32, out.length)) : pick(out.length);
    switch (pick(6)) {
      case 0:
        out[at] = pick(256);
        break;
      case 1:
        out[at] = (out[at] as number) ^ (1 << pick(8));
        break;
      case 2: {
        const v = INTERESTING[pick(INTERESTING.length)] as number;
        const o = at & ~3;
        if (o + 4 <= out.length) new DataView(out.buffer).setUint32(o, v, rand() < 0.5);
        break;
      }
      case 3:
        out = out.slice(0, pick(out.length + 1));
        break;
      case 4: {
        // Copy a chunk over another place (plausible-looking records in wrong spots).
        const len = 1 + pick(24);
        const from = pick(Math.max(1, out.length - len));
        out.copyWithin(at, from, from + len);
        break;
      }
      default: {
        const o = at & ~3;
        if (o + 8 <= out.length) {
          // Change a record's kind bits or vlen.
          out[o + 7] = (rand() < 0.5 ? pick(32) : pick(256)) & 0xff;
          out[o + 4] = pick(256);
        }
        break;
      }
    }
  }
  return out;
}

/** Our errors are fine; anything else (RangeError, TypeError...) is a bug. */
function expectOurs(e: unknown, what: string): void {
  if (isParseError(e) || isBtfError(e)) return;
  assert.fail(
    `${what}: unexpected ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e)}`,
  );
}

/** Exercises a parsed spec the way users would. */
function useSpec(spec: Spec, what: string, withC: boolean): void {
  dumpRaw(spec);
  if (withC) {
    try {
      dumpC(spec);
    } catch (e) {
      expectOurs(e, `${what}: dumpC`);
    }
  }
  for (const t of spec) {
    for (const f of [sizeof, alignof]) {
      try {
        f(t);
      } catch (e) {
        expectOurs(e, `${what}: ${f.name}`);
      }
    }
  }
  for (const name of ['bt_nested', 'int', 'task_struct', '.bss']) spec.typesByName(name);
  try {
    loadSpec(marshalSpec(spec, { byteOrder: 'big' }));
  } catch (e) {
    expectOurs(e, `${what}: marshal round trip`);
  }
}

describe('fuzzing the BTF parsers', () => {
  const obj = fixture('btf_types');
  const btf = extractSection(obj, '.BTF');
  const ext = extractSection(obj, '.BTF.ext');
  const beBtf = extractSection(fixture('btf_types', 'big'), '.BTF');
  assert.ok(btf && ext && beBtf);
  const goodSpec = loadSpec(btf);

  it('2000 mutated .BTF sections give ParseError or a usable spec', (t) => {
    const seed = 0x5eed;
    const rand = prng(seed);
    const outcomes = { ok: 0, parseError: 0 };
    // CPU time, not wall time: the bound must hold on a machine other work keeps busy.
    const start = process.cpuUsage();
    for (let i = 0; i < 2000; i++) {
      const input = mutate(i % 4 === 3 ? beBtf : btf, rand);
      let spec: Spec;
      try {
        spec = loadSpec(input);
      } catch (e) {
        expectOurs(e, `seed ${seed} iteration ${i}: loadSpec`);
        outcomes.parseError++;
        continue;
      }
      outcomes.ok++;
      useSpec(spec, `seed ${seed} iteration ${i}`, i % 20 === 0);
    }
    const used = process.cpuUsage(start);
    const ms = (used.user + used.system) / 1000;
    t.diagnostic(`${JSON.stringify(outcomes)} in ${ms.toFixed(0)} ms of CPU time`);
    assert.ok(outcomes.ok > 100 && outcomes.parseError > 100, JSON.stringify(outcomes));
    assert.ok(ms < 20000, `${ms} ms of CPU time`);
  });

  it('2000 mutated .BTF.ext sections give ParseError or records', (t) => {
    const seed = 0xe47;
    const rand = prng(seed);
    const outcomes = { ok: 0, parseError: 0 };
    for (let i = 0; i < 2000; i++) {
      const input = mutate(ext, rand);
      try {
        parseExtInfo(input, goodSpec.strings, { typeIDLimit: goodSpec.nextID });
        outcomes.ok++;
      } catch (e) {
        expectOurs(e, `seed ${seed} iteration ${i}: parseExtInfo`);
        outcomes.parseError++;
      }
    }
    t.diagnostic(JSON.stringify(outcomes));
    assert.ok(outcomes.ok > 50 && outcomes.parseError > 100, JSON.stringify(outcomes));
  });
});
