/**
 * The two type scans agree: the word scan (host byte order, aligned: read in place as 32-bit words)
 * and the byte scan (any order or alignment) accept and reject the same blobs, with the same error,
 * and index the same types and names. Checked on the btf_types fixture and on mutations of it; the
 * misaligned copy of a blob forces the byte scan.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpRaw, loadSpec, parseBtfHeader, type Spec } from '../../src/btf/index.js';
import { scanTypes } from '../../src/btf/wire-types.js';
import { ByteReader, hostByteOrder } from '../../src/internal/bytes.js';
import { extractSection, fixture } from './helpers.js';

/** Deterministic PRNG (mulberry32). */
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

/**
 * One to three random changes to the type records of `btf` (header left alone): any word, or a
 * field of a record (`records` are their offsets, each followed by `extent` words of its own).
 */
function mutateTypes(btf: Uint8Array, records: readonly number[], rand: () => number): Uint8Array {
  const out = btf.slice();
  const view = new DataView(out.buffer);
  const le = hostByteOrder === 'little';
  const hdrLen = view.getUint32(4, le);
  const typeEnd = hdrLen + view.getUint32(8, le) + view.getUint32(12, le);
  const words = Math.floor((typeEnd - hdrLen) / 4);
  const interesting = [0, 1, 2, 3, 0xff, 0xffff, 0x7fffffff, 0xffffffff];
  for (let r = 1 + Math.floor(rand() * 3); r > 0; r--) {
    const i = Math.floor(rand() * records.length);
    const record = records[i] as number;
    const recordEnd = records[i + 1] ?? typeEnd;
    // Half the time a word of one record (type IDs and name offsets sit at varying places).
    const at =
      rand() < 0.5
        ? record + 4 * Math.floor((rand() * (recordEnd - record)) / 4)
        : hdrLen + 4 * Math.floor(rand() * words);
    switch (Math.floor(rand() * 4)) {
      case 0:
        view.setUint32(at, interesting[Math.floor(rand() * interesting.length)] as number, le);
        break;
      case 1:
        // A record's kind (bits 24-28 of info), vlen or kind_flag.
        out[at + (le ? 3 : 0)] = Math.floor(rand() * 256);
        break;
      case 2:
        view.setUint32(at, view.getUint32(at, le) + 1 + Math.floor(rand() * 4), le);
        break;
      default: {
        const byte = at + Math.floor(rand() * 4);
        out[byte] = (out[byte] as number) ^ (1 << Math.floor(rand() * 8));
      }
    }
  }
  return out;
}

/** `bytes` copied to an odd address (its type section can only be read byte by byte). */
function misaligned(bytes: Uint8Array): Uint8Array {
  const b = new Uint8Array(bytes.length + 1);
  b.set(bytes, 1);
  return b.subarray(1);
}

type Outcome = { spec: Spec } | { error: string };

function load(bytes: Uint8Array): Outcome {
  try {
    // Not copied: a copy would be aligned again.
    return { spec: loadSpec(bytes, { copy: false }) };
  } catch (e) {
    return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

/** Asserts that the word scan (aligned) and the byte scan (misaligned) treat `bytes` alike. */
function assertScansAgree(bytes: Uint8Array, what: string): 'ok' | 'rejected' {
  const words = load(bytes.slice());
  const perByte = load(misaligned(bytes));
  if ('error' in words || 'error' in perByte) {
    assert.deepEqual(words, perByte, what);
    return 'rejected';
  }
  assert.equal(words.spec.typeCount, perByte.spec.typeCount, what);
  assert.equal(dumpRaw(words.spec), dumpRaw(perByte.spec), what);
  for (const [, t] of words.spec.ownTypes()) {
    if (t.name === '') continue;
    assert.deepEqual(words.spec.idsByName(t.name), perByte.spec.idsByName(t.name), `${what}: ${t.name}`);
  }
  return 'ok';
}

describe('word scan and byte scan', () => {
  const btf = extractSection(fixture('btf_types', hostByteOrder), '.BTF');
  assert.ok(btf);

  it('agree on the fixture', () => {
    assert.equal(assertScansAgree(btf, 'fixture'), 'ok');
  });

  it('agree on 1500 mutated type sections', (t) => {
    const seed = 0x5ca1;
    const rand = prng(seed);
    const h = parseBtfHeader(btf);
    const { offsets } = scanTypes({
      reader: new ByteReader(btf, h.byteOrder, '.BTF'),
      typeOff: h.typeOff,
      typeLen: h.typeLen,
      layout: [],
      firstID: 1,
      stringsLength: h.strLen,
    });
    const records = [...offsets];
    const outcomes = { ok: 0, rejected: 0 };
    for (let i = 0; i < 1500; i++) {
      outcomes[assertScansAgree(mutateTypes(btf, records, rand), `seed ${seed} iteration ${i}`)]++;
    }
    t.diagnostic(JSON.stringify(outcomes));
    assert.ok(outcomes.ok > 150 && outcomes.rejected > 150, JSON.stringify(outcomes));
  });
});
