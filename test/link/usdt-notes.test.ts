/**
 * `.note.stapsdt` parsing against `readelf -n` on the gcc-built USDT target (PIE, -O0, non-PIE), the file
 * offsets of probes (a `nop` at each) and semaphores (inside `.probes`, as `readelf -S` places it),
 * `.stapsdt.base` prelink correction, and malformed descriptors as ParseErrors.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ElfFile } from '../../src/elf/index.js';
import { isEbpfError, isParseError } from '../../src/errors.js';
import { listUsdtProbes, usdtNotes, usdtProbes } from '../../src/link/index.js';
import { decodeStapsdtNote } from '../../src/link/usdt-notes.js';
import { removeUsdtTargets, usdtTarget } from './usdt-fixture.js';

after(removeUsdtTargets);

interface ReadelfNote {
  provider: string;
  name: string;
  address: bigint;
  base: bigint;
  semaphore: bigint;
  args: string;
}

/** The stapsdt notes as `readelf -n` prints them. */
function readelfNotes(path: string): ReadelfNote[] {
  const out = execFileSync('readelf', ['-n', '--wide', path], { encoding: 'utf8' });
  const notes: ReadelfNote[] = [];
  const re =
    /Provider: (\S+)\n\s+Name: (\S+)\n\s+Location: (0x[0-9a-f]+), Base: (0x[0-9a-f]+), Semaphore: (0x[0-9a-f]+)\n\s+Arguments: ?([^\n]*)/g;
  for (const m of out.matchAll(re)) {
    notes.push({
      provider: m[1] as string,
      name: m[2] as string,
      address: BigInt(m[3] as string),
      base: BigInt(m[4] as string),
      semaphore: BigInt(m[5] as string),
      args: (m[6] as string).trimEnd(),
    });
  }
  return notes;
}

/** `[address, offset]` of a section from `readelf -S`. */
function readelfSection(path: string, name: string): { addr: bigint; offset: number } {
  const out = execFileSync('readelf', ['-S', '--wide', path], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(` ${name} `));
  assert.ok(line, `section ${name}`);
  const m = /\]\s+\S+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line);
  assert.ok(m);
  return { addr: BigInt(`0x${m[1]}`), offset: Number.parseInt(m[2] as string, 16) };
}

const BUILDS: Array<[string, string[]]> = [
  ['-O2 PIE', ['-O2']],
  ['-O0', ['-O0']],
  ['-O2 non-PIE', ['-O2', '-no-pie']],
];

describe('usdt notes', () => {
  for (const [what, flags] of BUILDS) {
    it(`match readelf -n (${what})`, () => {
      const path = usdtTarget(flags);
      const expected = readelfNotes(path);
      assert.equal(expected.length, 6, 'the target has six probe sites');
      const notes = usdtNotes(ElfFile.parse(readFileSync(path)));
      assert.deepEqual(
        notes.map(({ provider, name, address, base, semaphore, args }) => ({
          provider,
          name,
          address,
          base,
          semaphore,
          args,
        })),
        expected,
      );
    });

    it(`give file offsets of the probe nops and the semaphore (${what})`, () => {
      const path = usdtTarget(flags);
      const bytes = readFileSync(path);
      const probes = usdtProbes(ElfFile.parse(bytes));
      for (const p of probes)
        assert.equal(bytes[p.offset], 0x90, `${p.name} at 0x${p.offset.toString(16)} is a nop`);
      const probesSection = readelfSection(path, '.probes');
      const withSemaphore = probes.filter((p) => p.semaphore !== 0n);
      assert.deepEqual(
        withSemaphore.map((p) => p.name),
        ['sem'],
      );
      const sem = withSemaphore[0];
      assert.ok(sem);
      assert.equal(sem.semaphoreOffset, probesSection.offset + Number(sem.semaphore - probesSection.addr));
      assert.notEqual(BigInt(sem.semaphoreOffset ?? 0), sem.semaphore, 'a non-identity mapping is exercised');
      for (const p of probes) if (p.semaphore === 0n) assert.equal(p.semaphoreOffset, undefined);
      assert.deepEqual(
        listUsdtProbes(path).map((p) => [p.provider, p.name, p.offset]),
        probes.map((p) => [p.provider, p.name, p.offset]),
      );
    });
  }

  it('correct addresses by how far .stapsdt.base moved (prelink)', () => {
    const path = usdtTarget();
    const bytes = new Uint8Array(readFileSync(path));
    const original = usdtNotes(ElfFile.parse(bytes));
    const base = ElfFile.parse(bytes).sectionByName('.stapsdt.base');
    assert.ok(base);
    // Move .stapsdt.base by 0x10000 as prelink would (sh_addr is at +16 in the section header).
    new DataView(bytes.buffer, bytes.byteOffset).setBigUint64(
      base.headerOffset + 16,
      base.addr + 0x10000n,
      true,
    );
    const moved = usdtNotes(ElfFile.parse(bytes));
    assert.equal(moved.length, original.length);
    moved.forEach((n, i) => {
      const o = original[i];
      assert.ok(o);
      assert.equal(n.base, o.base, 'the recorded base is kept');
      assert.equal(n.address, o.address + 0x10000n);
      assert.equal(n.semaphore, o.semaphore === 0n ? 0n : o.semaphore + 0x10000n);
    });
  });

  it('refuses a probe address outside the loadable segments', () => {
    const path = usdtTarget();
    const bytes = new Uint8Array(readFileSync(path));
    const elf = ElfFile.parse(bytes);
    const note = elf.notes().find((n) => n.name === 'stapsdt');
    assert.ok(note);
    new DataView(note.desc.buffer, note.desc.byteOffset).setBigUint64(0, 0x7fff_0000_0000n, true);
    assert.throws(
      () => usdtProbes(ElfFile.parse(bytes)),
      (e) => isParseError(e) && e.section === '.note.stapsdt' && /not in a loadable segment/.test(e.message),
    );
  });

  it('refuses relocatable objects', () => {
    const elf = ElfFile.parse(readFileSync(new URL('../../bpf/test/usdt_args.bpf.o', import.meta.url)));
    assert.throws(
      () => usdtProbes(elf),
      (e) => isEbpfError(e) && e.code === 'EINVAL',
    );
  });

  const desc = (parts: Array<bigint | string>): Uint8Array => {
    const chunks: number[] = [];
    for (const p of parts) {
      if (typeof p === 'bigint') {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigUint64(0, p, true);
        chunks.push(...b);
      } else chunks.push(...new TextEncoder().encode(p));
    }
    return new Uint8Array(chunks);
  };
  const MALFORMED: Array<[string, Uint8Array, RegExp]> = [
    ['a short descriptor', desc([1n, 2n]), /shorter than 24/],
    ['a provider without NUL', desc([1n, 2n, 0n, 'prov']), /provider not NUL-terminated/],
    ['a name without NUL', desc([1n, 2n, 0n, 'prov\0name']), /probe name not NUL-terminated/],
    [
      'arguments without NUL',
      desc([1n, 2n, 0n, 'prov\0name\0-4@%edi']),
      /argument string not NUL-terminated/,
    ],
    ['an empty provider', desc([1n, 2n, 0n, '\0name\0\0']), /empty provider/],
    ['an empty name', desc([1n, 2n, 0n, 'prov\0\0\0']), /empty probe name/],
  ];
  for (const [what, bytes, message] of MALFORMED) {
    it(`rejects ${what}`, () => {
      const file = new Uint8Array(64 + bytes.length);
      file.set(bytes, 64);
      const note = { name: 'stapsdt', type: 3, desc: file.subarray(64), offset: 52 };
      assert.throws(
        () => decodeStapsdtNote(note, file, 'little'),
        (e) => isParseError(e) && e.section === '.note.stapsdt' && e.offset >= 64 && message.test(e.message),
      );
    });
  }

  it('decodes a descriptor without an argument string as having no arguments', () => {
    const bytes = desc([0x1000n, 0x2000n, 0x3000n, 'prov\0name\0']);
    const n = decodeStapsdtNote({ name: 'stapsdt', type: 3, desc: bytes, offset: 0 }, bytes, 'little');
    assert.deepEqual(
      [n.provider, n.name, n.address, n.base, n.semaphore, n.args],
      ['prov', 'name', 0x1000n, 0x2000n, 0x3000n, ''],
    );
  });

  it('survives corrupted note sections with ParseErrors only', () => {
    const path = usdtTarget();
    const pristine = new Uint8Array(readFileSync(path));
    const section = ElfFile.parse(pristine).sectionByName('.note.stapsdt');
    assert.ok(section);
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 500; i++) {
      const bytes = pristine.slice();
      for (let k = 0; k < 1 + rand(4); k++) bytes[section.offset + rand(section.size)] = rand(256);
      try {
        usdtProbes(ElfFile.parse(bytes));
      } catch (e) {
        assert.ok(isParseError(e), String(e));
      }
    }
  });
});
