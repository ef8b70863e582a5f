/**
 * Shared by the codec and `gen` tests: the layout_types fixture (BTF, .data samples with a laid-out
 * DATASEC), the gcc-built layout oracle (test/btf/oracle/layout-types.c), a seeded PRNG, random valid
 * bytes for a layout, and a layout-driven normalisation of decoded values to the oracle's JSON form.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codecFor } from '../../src/btf/codec.js';
import type { Layout } from '../../src/btf/codec-layout.js';
import { Datasec, loadSpec, type Spec, type Type, VarSecinfo } from '../../src/btf/index.js';
import { parseElf } from '../../src/elf/index.js';
import type { ByteOrder } from '../../src/internal/bytes.js';
import { ROOT } from './helpers.js';

/** The C type names the oracle knows, in its order. */
export const ORACLE_TYPES = [
  'lt_scalars',
  'lt_padding',
  'lt_nested',
  'lt_with_union',
  'lt_bits',
  'lt_packed',
  'lt_arrays',
  'lt_enums',
  'lt_anon',
  'lt_typedef_t',
  'lt_event',
] as const;

/** Path of the layout fixture object. */
export function layoutObject(order: ByteOrder = 'little'): string {
  return join(ROOT, 'bpf', 'test', order === 'little' ? 'layout_types.bpf.o' : 'layout_types.bpfeb.o');
}

/** The fixture's BTF, its `.data` bytes and the `.data` DATASEC laid out from the ELF symbols. */
export interface LayoutFixture {
  spec: Spec;
  data: Uint8Array;
  dataSec: Datasec;
  /** Offset of each `.data` variable. */
  offsets: Map<string, number>;
}

/** Loads the fixture for one byte order. */
export function loadLayoutFixture(order: ByteOrder): LayoutFixture {
  const elf = parseElf(new Uint8Array(readFileSync(layoutObject(order))));
  const btfSection = elf.sectionByName('.BTF');
  const dataSection = elf.sectionByName('.data');
  if (btfSection === undefined || dataSection === undefined) throw new Error('fixture lacks .BTF or .data');
  const spec = loadSpec(elf.sectionData(btfSection));
  const data = elf.sectionData(dataSection);
  const offsets = new Map<string, number>();
  for (const sym of elf.symbols()) {
    if (sym.name !== '' && elf.sectionOfSymbol(sym) === dataSection) offsets.set(sym.name, Number(sym.value));
  }
  const raw = spec.typeByName('.data', Datasec);
  const vars = raw.vars.map((v) => {
    const off = offsets.get(v.type.name);
    if (off === undefined) throw new Error(`no symbol for ${v.type.name}`);
    return new VarSecinfo(v.type, off, v.size);
  });
  return { spec, data, dataSec: new Datasec('.data', data.byteLength, vars), offsets };
}

/** Compiles the layout oracle once into a temp dir; `run(mode, stdin?)` runs it. */
export class LayoutOracle {
  readonly #dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-layout-oracle-'));
  readonly #binary = join(this.#dir, 'layout-types');

  constructor() {
    execFileSync(
      'gcc',
      [
        '-O1',
        '-Wall',
        '-Werror',
        '-I',
        join(ROOT, 'bpf', 'test'),
        '-o',
        this.#binary,
        join(ROOT, 'test/btf/oracle/layout-types.c'),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  }

  /** Runs the oracle in `mode`, returning its stdout lines. */
  run(mode: 'layout' | 'samples' | 'check', input = ''): string[] {
    return execFileSync(this.#binary, [mode], { input, encoding: 'utf8', maxBuffer: 64 << 20 })
      .split('\n')
      .filter((l) => l !== '');
  }

  /** Removes the temp dir. */
  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A small seeded PRNG (mulberry32): deterministic values in [0, 1). */
export function prng(seed: number): () => number {
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
 * Random bytes that are a valid value of `layout`: bools 0/1, finite floats, and (when `strings`)
 * `char[]` holding printable ASCII up to a NUL with zeros after it. Everything else (padding included)
 * is random.
 */
export function randomBytes(
  layout: Layout,
  rand: () => number,
  order: ByteOrder,
  strings: boolean,
): Uint8Array {
  const size = layout.kind === 'int' && layout.pointer ? 8 : layout.size;
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.floor(rand() * 256);
  sanitize(layout, out, 0, rand, order === 'little', strings);
  return out;
}

function randomFloat(rand: () => number): number {
  const mag = 2 ** Math.floor(rand() * 80 - 40);
  return (rand() - 0.5) * mag;
}

function sanitize(
  l: Layout,
  b: Uint8Array,
  o: number,
  rand: () => number,
  le: boolean,
  strings: boolean,
): void {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  switch (l.kind) {
    case 'bool':
      b.fill(0, o, o + l.size);
      b[le ? o : o + l.size - 1] = rand() < 0.5 ? 1 : 0;
      return;
    case 'float':
      if (l.size === 4) v.setFloat32(o, randomFloat(rand), le);
      else v.setFloat64(o, randomFloat(rand), le);
      return;
    case 'string': {
      if (!strings) return;
      const len = Math.floor(rand() * (l.size + 1));
      b.fill(0, o, o + l.size);
      for (let i = 0; i < len && i < l.size; i++) b[o + i] = 0x20 + Math.floor(rand() * 95);
      return;
    }
    case 'typedArray':
      if (l.elem === 'f32' || l.elem === 'f64') {
        const step = l.elem === 'f32' ? 4 : 8;
        for (let i = 0; i < l.length; i++)
          sanitize({ kind: 'float', size: step }, b, o + i * step, rand, le, strings);
      }
      return;
    case 'array':
      for (let i = 0; i < l.length; i++) sanitize(l.elem, b, o + i * l.elemSize, rand, le, strings);
      return;
    case 'record':
      for (const f of l.fields) {
        if (f.bitfield !== undefined) continue;
        sanitize(f.layout, b, o + f.offset, rand, le, strings);
      }
      return;
    default:
      return;
  }
}

/** JSON form of a value the oracle would print: bigints as strings, arrays (and strings) as lists. */
export type Normalized = number | string | boolean | Normalized[] | { [k: string]: Normalized };

const utf8 = new TextEncoder();

/** Normalises a decoded value of `layout` to the oracle's JSON conventions. */
export function normalize(l: Layout, value: unknown): Normalized {
  switch (l.kind) {
    case 'int':
    case 'enum':
      return typeof value === 'bigint' ? value.toString() : (value as number);
    case 'bool':
      return value as boolean;
    case 'float':
      return value as number;
    case 'string': {
      const out = new Array<number>(l.size).fill(0);
      utf8.encode(value as string).forEach((c, i) => {
        out[i] = c;
      });
      return out;
    }
    case 'bytes':
      return [...(value as Uint8Array)];
    case 'typedArray':
      return [...(value as ArrayLike<number | bigint> & Iterable<number | bigint>)].map((x) =>
        typeof x === 'bigint' ? x.toString() : x,
      );
    case 'array':
      return (value as unknown[]).map((x) => normalize(l.elem, x));
    case 'record': {
      const rec = value as Record<string, unknown>;
      const out: Record<string, Normalized> = {};
      for (const f of l.fields) out[f.name] = normalize(f.layout, rec[f.name]);
      return out;
    }
  }
}

/** Lowercase hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** Bytes from hex. */
export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

const RECORDS = 1024;

/** Decodes `RECORDS` events per pass until `ms` have passed; returns records per second. */
export function measureDecode(
  decodeAt: (buf: Uint8Array, offset: number) => unknown,
  buf: Uint8Array,
  ms = 300,
): number {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink ^= (decodeAt(buf, (i % RECORDS) * 64) as { pid: number }).pid;
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < RECORDS; i++) sink ^= (decodeAt(buf, i * 64) as { pid: number }).pid;
    n += RECORDS;
    now = process.hrtime.bigint();
  }
  assert.ok(Number.isInteger(sink));
  return (n * 1e9) / Number(now - start);
}

/** A buffer of `RECORDS` random (valid) lt_event records. */
export function eventBuffer(type: Type): Uint8Array {
  const layout = codecFor(type).layout;
  const rand = prng(64);
  const buf = new Uint8Array(RECORDS * 64);
  for (let i = 0; i < RECORDS; i++) buf.set(randomBytes(layout, rand, 'little', true), i * 64);
  return buf;
}
