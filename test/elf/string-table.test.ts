/**
 * `StringTable` against `ByteReader.cstringAt`, the one-string-at-a-time decoder it switches away from
 * after a few lookups: every offset of ASCII, UTF-8, invalid-UTF-8 and random tables must give the same
 * string, or the same `ParseError` (section, offset, message), on both the first lookups and the
 * whole-table path.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StringTable } from '../../src/elf/index.js';
import { ParseError } from '../../src/errors.js';
import { ByteReader } from '../../src/internal/bytes.js';

const SECTION = '.strtab';
const FILE_OFFSET = 0x1000;

type Outcome = { ok: string } | { error: { section: string; offset: number; message: string } };

function outcome(lookup: () => string): Outcome {
  try {
    return { ok: lookup() };
  } catch (e) {
    assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
    return { error: { section: e.section, offset: e.offset, message: e.message } };
  }
}

/**
 * Offsets worth asking: every byte (of long tables: the first and last 64, every string start and every
 * 97th byte), the end, past the end and a few that are not offsets at all.
 */
function probeOffsets(bytes: Uint8Array): number[] {
  const size = bytes.byteLength;
  const all = Array.from({ length: size + 2 }, (_, i) => i).filter(
    (i) => size <= 1024 || i < 64 || i > size - 64 || i % 97 === 0 || bytes[i - 1] === 0,
  );
  return [...all, -1, 0xffff_ffff, 2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY];
}

/** Asks `table` the given offsets twice (the first lookups and the decoded-window path) against the oracle. */
function assertOffsetsMatchOracle(bytes: Uint8Array, offsets: readonly number[], label: string): void {
  const oracle = new ByteReader(bytes, 'little', SECTION, FILE_OFFSET);
  const table = new StringTable(bytes, SECTION, FILE_OFFSET);
  for (let pass = 0; pass < 2; pass++) {
    for (const offset of offsets) {
      assert.deepEqual(
        outcome(() => table.at(offset)),
        outcome(() => oracle.cstringAt(offset, 'string')),
        `${label}: pass ${pass}, offset ${offset}`,
      );
    }
  }
}

/** Asks `table` every probe offset twice (the first lookups and the whole-table path) against the oracle. */
function assertMatchesOracle(bytes: Uint8Array, label: string): void {
  const oracle = new ByteReader(bytes, 'little', SECTION, FILE_OFFSET);
  const table = new StringTable(bytes, SECTION, FILE_OFFSET);
  assert.equal(table.size, bytes.byteLength);
  for (let pass = 0; pass < 2; pass++) {
    for (const offset of probeOffsets(bytes)) {
      assert.deepEqual(
        outcome(() => table.at(offset)),
        outcome(() => oracle.cstringAt(offset, 'string')),
        `${label}: pass ${pass}, offset ${offset}`,
      );
    }
  }
}

const encode = (s: string) => new TextEncoder().encode(s);

function table(...parts: (string | number[])[]): Uint8Array {
  const bytes: number[] = [];
  for (const part of parts) bytes.push(...(typeof part === 'string' ? encode(part) : part));
  return new Uint8Array(bytes);
}

/** mulberry32: a deterministic PRNG, uniform in [0, 2^32). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

describe('StringTable agrees with ByteReader.cstringAt at every offset', () => {
  const longName = `_ZN2v88internal${'x'.repeat(9000)}E`; // longer than the 4096-byte decoding chunks
  const CASES: { label: string; bytes: Uint8Array }[] = [
    {
      label: 'ASCII names (C++ mangled, shared suffixes, one longer than a decoding chunk)',
      bytes: table('\0', 'main\0', '_ZN4node5StartEv\0', 'memcpy@@GLIBC_2.14\0', `${longName}\0`, 'a\0\0'),
    },
    {
      label: 'UTF-8 names among ASCII ones',
      bytes: table(
        '\0',
        'plain\0',
        'caf\u00e9\0',
        'emoji_\u{1f600}_name\0',
        '\u00fcber_lang_genug\0',
        'end\0',
      ),
    },
    {
      label: 'bytes that are not UTF-8 (Latin-1, C1 controls, lone continuation, a BOM)',
      bytes: table(
        '\0',
        'ascii\0',
        [0x63, 0x61, 0x66, 0xe9, 0],
        [0x80, 0x81, 0x8d, 0x9f, 0xa0, 0xff, 0],
        [0xef, 0xbb, 0xbf, 0x62, 0x6f, 0x6d, 0],
        [0xf0, 0x9f, 0x98, 0],
        'tail\0',
      ),
    },
    {
      label: 'a table whose last string has no terminator',
      bytes: table('\0', 'one\0', 'two\0', 'unterminated'),
    },
    { label: 'a table that does not start with NUL', bytes: table('first\0', 'second\0') },
    { label: 'an empty table', bytes: new Uint8Array(0) },
    { label: 'a single NUL', bytes: new Uint8Array(1) },
    { label: 'a table starting with a UTF-8 BOM', bytes: table([0xef, 0xbb, 0xbf], 'name\0', 'other\0') },
  ];
  for (const c of CASES) {
    it(c.label, () => assertMatchesOracle(c.bytes, c.label));
  }

  it('random tables (seeded): ASCII-heavy, then any byte', () => {
    const next = prng(0x5eed);
    for (let round = 0; round < 40; round++) {
      const size = 1 + (next() % 300);
      const ascii = round % 2 === 0;
      const bytes = Uint8Array.from({ length: size }, () => {
        const r = next();
        if (r % 7 === 0) return 0;
        return ascii ? 0x20 + (r % 0x5f) : r & 0xff;
      });
      assertMatchesOracle(bytes, `round ${round} (${ascii ? 'ascii' : 'any byte'}, ${size} bytes)`);
    }
  });
});

describe('StringTable over more than one 16 MiB decoding window', () => {
  const WINDOW = 1 << 24; // the window StringTable decodes at a time
  /** `size` bytes of short NUL-terminated names (a 4 KiB block of them, repeated). */
  function filled(size: number): Uint8Array {
    const block = table(...Array.from({ length: 600 }, (_, i) => `s${i}\0`)).subarray(0, 4096);
    const bytes = new Uint8Array(size);
    for (let at = 0; at < size; at += block.byteLength) bytes.set(block.subarray(0, size - at), at);
    return bytes;
  }
  const near = (edge: number) => Array.from({ length: 80 }, (_, i) => edge - 40 + i);

  it('names crossing the window boundary, UTF-8 only in the second window, the table end', () => {
    const size = WINDOW + 5000;
    const bytes = filled(size);
    const crossing = encode('crossing_the_window_boundary_name');
    bytes.set(crossing, WINDOW - 10);
    bytes[WINDOW - 11] = 0;
    bytes[WINDOW - 10 + crossing.byteLength] = 0;
    const utf8Name = encode('caf\u00e9_second_window');
    bytes.set(utf8Name, WINDOW + 100);
    bytes[WINDOW + 99] = 0;
    bytes[WINDOW + 100 + utf8Name.byteLength] = 0;
    bytes[size - 1] = 0x41; // the last string has no terminator
    const offsets = [
      ...near(16),
      ...near(WINDOW),
      WINDOW - 10,
      WINDOW + 100,
      WINDOW + 104,
      ...near(size),
      ...Array.from({ length: 500 }, (_, i) => (i * 33_547) % size),
    ];
    assertOffsetsMatchOracle(bytes, offsets, 'two windows');
    const table = new StringTable(bytes, SECTION, FILE_OFFSET);
    for (let i = 0; i < 20; i++) table.at(1);
    assert.equal(table.at(WINDOW - 10), 'crossing_the_window_boundary_name');
    assert.equal(table.at(WINDOW + 100), 'caf\u00e9_second_window');
  });

  it('a table of exactly one window (the end offset lands on the next, empty, window)', () => {
    const bytes = filled(WINDOW);
    bytes[WINDOW - 1] = 0;
    assertOffsetsMatchOracle(bytes, [...near(16), ...near(WINDOW)], 'one window');
  });
});

describe('StringTable views', () => {
  it('reads a view into a larger buffer and never past its end', () => {
    const backing = table('garbage-before\0', '\0', 'x1\0', 'x2\0', 'x3\0', 'garbage-after');
    const start = 'garbage-before\0'.length;
    const bytes = backing.subarray(start, start + 9); // cuts 'x3' before its NUL
    assertMatchesOracle(bytes, 'subarray');
    const names = new StringTable(bytes, SECTION, FILE_OFFSET);
    for (let i = 0; i < 40; i++) {
      assert.equal(names.at(4), 'x2');
      assert.equal(names.at(5), '2');
    }
    const failure = (offset: number, message: RegExp) => (e: unknown) =>
      e instanceof ParseError &&
      e.section === SECTION &&
      e.offset === FILE_OFFSET + offset &&
      message.test(e.message);
    assert.throws(() => names.at(7), failure(7, /not NUL-terminated/));
    assert.throws(() => names.at(9), failure(9, /not NUL-terminated/));
    assert.throws(() => names.at(10), failure(10, /out of bounds/));
  });
});
