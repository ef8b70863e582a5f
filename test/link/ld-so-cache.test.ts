/**
 * The ld.so.cache parser: the machine's real cache against `ldconfig -p`, synthetic files in each format
 * and byte order, malformed input (ParseError only) and a seeded mutation fuzz.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isParseError } from '../../src/errors.js';
import { type ByteOrder, ByteWriter } from '../../src/internal/bytes.js';
import { LD_CACHE_ELF_LIBC6, LdSoCacheArch, parseLdSoCache } from '../../src/link/ld-so-cache.js';

interface Lib {
  flags: number;
  name: string;
  path: string;
  hwcap?: bigint;
}

/** A new-format cache (`glibc-ld.so.cache1.1`) starting at `base` within the output (strings relative to it). */
function newFormat(libs: Lib[], order: ByteOrder = 'little'): Uint8Array {
  const header = 48;
  const entries = libs.length * 24;
  const strings: number[] = [];
  const offsets = libs.map((l) => {
    const at = header + entries + strings.length;
    for (const c of Buffer.from(`${l.name}\0`)) strings.push(c);
    const p = header + entries + strings.length;
    for (const c of Buffer.from(`${l.path}\0`)) strings.push(c);
    return [at, p] as const;
  });
  const w = new ByteWriter(order);
  for (const c of Buffer.from('glibc-ld.so.cache1.1')) w.u8(c);
  w.u32(libs.length);
  w.u32(strings.length);
  w.u8(order === 'little' ? 2 : 3);
  w.u8(0).u8(0).u8(0);
  w.u32(0).u32(0).u32(0).u32(0);
  libs.forEach((l, i) => {
    const [n, p] = offsets[i] as readonly [number, number];
    w.i32(l.flags)
      .u32(n)
      .u32(p)
      .u32(0)
      .u64(l.hwcap ?? 0n);
  });
  for (const c of strings) w.u8(c);
  return w.finish();
}

/** An old-format cache (`ld.so-1.7.0`), optionally followed by a new-format part (8-aligned). */
function oldFormat(libs: Lib[], then?: Uint8Array): Uint8Array {
  const w = new ByteWriter('little');
  for (const c of Buffer.from('ld.so-1.7.0')) w.u8(c);
  w.u8(0);
  w.u32(libs.length);
  const strings: number[] = [];
  for (const l of libs) {
    const n = strings.length;
    for (const c of Buffer.from(`${l.name}\0`)) strings.push(c);
    const p = strings.length;
    for (const c of Buffer.from(`${l.path}\0`)) strings.push(c);
    w.i32(l.flags).u32(n).u32(p);
  }
  if (then) {
    while (w.length % 8 !== 0) w.u8(0);
    for (const b of then) w.u8(b);
    return w.finish();
  }
  for (const c of strings) w.u8(c);
  return w.finish();
}

const X86 = LdSoCacheArch.X86_64 | LD_CACHE_ELF_LIBC6;
const LIBS: Lib[] = [
  { flags: X86, name: 'libc.so.6', path: '/lib/x86_64-linux-gnu/libc.so.6' },
  { flags: LD_CACHE_ELF_LIBC6, name: 'libfoo.so.1', path: '/usr/lib/libfoo.so.1', hwcap: 0x1234n },
];

describe('parseLdSoCache', () => {
  it('agrees with ldconfig -p on this machine', (t) => {
    if (!existsSync('/etc/ld.so.cache')) {
      t.skip('no /etc/ld.so.cache on this system');
      return;
    }
    const ours = parseLdSoCache(readFileSync('/etc/ld.so.cache'))
      .map((e) => `${e.name} => ${e.path}`)
      .sort();
    const theirs = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /^\s+(\S+) \(.*\) => (.+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} => ${m[2]}`)
      .sort();
    assert.ok(theirs.length > 0);
    assert.deepEqual(ours, theirs);
  });

  const formats: Array<[string, Uint8Array]> = [
    ['new format, little endian', newFormat(LIBS, 'little')],
    ['new format, big endian', newFormat(LIBS, 'big')],
    ['old format followed by the new one', oldFormat(LIBS, newFormat(LIBS))],
  ];
  for (const [name, bytes] of formats) {
    it(`reads the ${name}`, () => {
      assert.deepEqual(
        parseLdSoCache(bytes),
        LIBS.map((l) => ({ flags: l.flags, name: l.name, path: l.path, hwcap: l.hwcap ?? 0n })),
      );
    });
  }

  it('reads the old format alone (no hwcap)', () => {
    assert.deepEqual(
      parseLdSoCache(oldFormat(LIBS)),
      LIBS.map((l) => ({ flags: l.flags, name: l.name, path: l.path, hwcap: 0n })),
    );
  });

  const good = newFormat(LIBS);
  const malformed: Array<[string, Uint8Array]> = [
    ['empty input', new Uint8Array(0)],
    ['bad magic', Buffer.from('not a cache at all, not at all.......................')],
    ['truncated header', good.subarray(0, 30)],
    ['truncated entries', good.subarray(0, 60)],
    [
      'absurd entry count',
      (() => {
        const b = good.slice();
        new DataView(b.buffer).setUint32(20, 0xffffffff, true);
        return b;
      })(),
    ],
    [
      'string offset past the end',
      (() => {
        const b = good.slice();
        new DataView(b.buffer).setUint32(48 + 4, 0x7fffffff, true);
        return b;
      })(),
    ],
    ['unterminated string', good.subarray(0, good.byteLength - 1)],
    [
      'old format with absurd count',
      (() => {
        const b = oldFormat(LIBS);
        new DataView(b.buffer).setUint32(12, 1e9, true);
        return b;
      })(),
    ],
  ];
  for (const [name, bytes] of malformed) {
    it(`rejects ${name} with a ParseError`, () => {
      assert.throws(
        () => parseLdSoCache(bytes),
        (e: unknown) => isParseError(e) && e.section === 'ld.so.cache',
      );
    });
  }

  it('survives seeded random corruption with ParseErrors only', () => {
    let seed = 0x5eed;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const bases = [good, oldFormat(LIBS), oldFormat(LIBS, good)];
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const b = (bases[i % bases.length] as Uint8Array).slice(0, 1 + rand(200));
      for (let k = rand(6); k >= 0; k--) b[rand(b.length)] = rand(256);
      try {
        parseLdSoCache(b);
        parsed++;
      } catch (e) {
        if (!isParseError(e)) throw e;
      }
    }
    assert.ok(parsed > 0, 'some mutants should still parse');
  });
});
