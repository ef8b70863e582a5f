/**
 * `ebpf-ts gen` on the layout fixture: the generated module type-checks under the repository's strict
 * flags, passes Biome lint, is byte-for-byte deterministic, and its codecs agree with the runtime
 * codecs (and with gcc, through the layout oracle) on seeded random values in both byte orders. Also
 * prints the decoding throughput of the generated `struct lt_event` codec.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { codecFor } from '../../src/btf/codec.js';
import { generateFromArgs } from '../../src/cli/gen.js';
import { readGenSource } from '../../src/cli/gen-input.js';
import { buildModel, type GenRoot } from '../../src/cli/gen-model.js';
import { generateModule } from '../../src/cli/gen-module.js';
import { loadCollectionSpec } from '../../src/collection/load-collection-spec.js';
import type { ByteOrder } from '../../src/internal/bytes.js';

import {
  eventBuffer,
  LayoutOracle,
  layoutObject,
  measureDecode,
  type Normalized,
  normalize,
  ORACLE_TYPES,
  prng,
  randomBytes,
  toHex,
} from '../btf/codec-fixture.js';
import { GenProject } from './gen-fixture.js';

const TYPES = ['lt_event', 'lt_scalars', 'lt_padding', 'lt_packed', 'lt_enums', 'struct lt_anon'];
const RANDOM_CASES = 100;

type TypedCodec = {
  size: number;
  decode(b: Uint8Array): unknown;
  encode(v: unknown, out: Uint8Array): void;
  decodeAt(b: Uint8Array, o: number): unknown;
};

function generate(order: ByteOrder, objects: boolean): { text: string; roots: readonly GenRoot[] } {
  const bytes = new Uint8Array(readFileSync(layoutObject(order)));
  const file = order === 'little' ? 'layout_types.bpf.o' : 'layout_types.bpfeb.o';
  const src = readGenSource(bytes, file);
  const text = generateModule(src, {
    name: 'layoutTypes',
    types: TYPES,
    source: { kind: 'embed', bytes },
    command: `ebpf-ts gen ${file}`,
    objects,
  });
  return { text, roots: buildModel(src, TYPES).codecs };
}

/** Every committed fixture object (both byte orders): gen must handle them all. */
const FIXTURES = readdirSync(join(process.cwd(), 'bpf', 'test'))
  .filter((f) => f.endsWith('.o'))
  .sort();

let project: GenProject;
let oracle: LayoutOracle;
const generated = new Map<
  ByteOrder,
  { text: string; roots: readonly GenRoot[]; module: Record<string, unknown> }
>();

before(async () => {
  project = new GenProject();
  oracle = new LayoutOracle();
  for (const order of ['little', 'big'] as ByteOrder[]) {
    const { text, roots } = generate(order, true);
    project.write(order === 'little' ? 'layout' : 'layout-be', text);
    const module = await project.import(order === 'little' ? 'layout' : 'layout-be', text);
    generated.set(order, { text, roots, module });
  }
  for (const f of FIXTURES) {
    const args = {
      object: join('bpf', 'test', f),
      out: undefined,
      name: 'fixture',
      types: [],
      mode: 'embed' as const,
    };
    project.write(fixtureModule(f), generateFromArgs(args));
  }
});

function fixtureModule(file: string): string {
  return `fixture-${file.replace(/\W+/g, '-')}`;
}
after(() => {
  project?.dispose();
  oracle?.dispose();
});

function gen(order: ByteOrder): { text: string; roots: readonly GenRoot[]; module: Record<string, unknown> } {
  return generated.get(order) as { text: string; roots: readonly GenRoot[]; module: Record<string, unknown> };
}

describe('ebpf-ts gen module', () => {
  it('is deterministic', () => {
    for (const order of ['little', 'big'] as ByteOrder[])
      assert.equal(generate(order, true).text, gen(order).text);
  });

  it('declares the expected names (PascalCase types, collision-safe, camelCase members)', () => {
    const text = gen('little').text;
    for (const decl of [
      'export interface LtEvent {',
      'export interface LtNameClash {',
      'export interface LtNameClash2 {',
      'export interface LtAnonPoint {',
      'export interface LtTypedefT {',
      'export const LtState = {',
      'export type LtState = (typeof LtState)[keyof typeof LtState];',
      'export const LtE64 = {\n  LT_E64_SMALL: 1n,',
      'export const ltEventCodec: TypedCodec<LtEvent> =',
      'export function loadLayoutTypesSpec(): CollectionSpec {',
      'export function loadLayoutTypesObjects(options?: CollectionOptions): LayoutTypesObjects {',
      'readonly ltPercpu: BpfMap<LtWithUnion, bigint[]>;',
      'readonly ltHash: BpfMap<LtNested, LtArrays>;',
      'readonly ltEvents: BpfMap;',
      'readonly ltOnGetpid: Program;',
      'readonly ltMinState: TypedVariable<LtState>;',
      '  as_u32?: number;',
    ]) {
      assert.ok(text.includes(decl), `missing: ${decl}`);
    }
  });

  it('type-checks with tsc --strict (repository flags), with code using it and for every fixture object', () => {
    project.write(
      'usage',
      `import { type LayoutTypesObjects, type LtArrays, type LtEvent, LtState, loadLayoutTypesSpec, ltEventCodec } from './layout.js';

const event: LtEvent = ltEventCodec.decode(new Uint8Array(64));
const state: LtState = LtState.LT_STATE_STOPPED;
// @ts-expect-error pid is a number, not a bigint
const wrong: LtEvent = { ...event, pid: 1n };
export function names(a: LtArrays): string[] {
  return [...a.names, a.name];
}
export function use(objects: LayoutTypesObjects): bigint | undefined {
  objects.variables.ltTargetPid.get().toFixed();
  objects.maps.ltArray.update(0, objects.maps.ltArray.lookup(0));
  return objects.maps.ltPercpu.get({ family: 2, addr: { v4: 1 }, port: 80 })?.[0];
}
export const all = [event, state, wrong, loadLayoutTypesSpec];
`,
    );
    assert.equal(project.typecheck(), '');
  });

  it('passes biome lint with the repository rules (every fixture object)', () => {
    assert.ok(FIXTURES.length >= 20, `${FIXTURES.length} fixtures`);
    assert.equal(project.lint(['layout', 'layout-be', ...FIXTURES.map(fixtureModule)]), '');
  });

  it('embeds the object: load<Name>Spec parses the same maps, programs and variables', () => {
    for (const order of ['little', 'big'] as ByteOrder[]) {
      const load = gen(order).module.loadLayoutTypesSpec as () => ReturnType<typeof loadCollectionSpec>;
      const got = load();
      const want = loadCollectionSpec(layoutObject(order));
      assert.deepEqual(Object.keys(got.maps).sort(), Object.keys(want.maps).sort());
      assert.deepEqual(Object.keys(got.programs), Object.keys(want.programs));
      assert.deepEqual(Object.keys(got.variables).sort(), Object.keys(want.variables).sort());
      assert.equal(got.byteOrder, order);
    }
  });
});

describe('ebpf-ts gen codecs', () => {
  for (const order of ['little', 'big'] as ByteOrder[]) {
    it(`agree with runtime codecs on ${RANDOM_CASES} seeded random values per codec (${order}-endian)`, () => {
      const { roots, module } = gen(order);
      const rand = prng(order === 'little' ? 11 : 12);
      assert.ok(roots.length >= 15);
      for (const root of roots) {
        const generatedCodec = module[root.codec] as TypedCodec;
        const runtime = codecFor(root.type, { byteOrder: order });
        assert.equal(generatedCodec.size, runtime.size, root.codec);
        for (let i = 0; i < RANDOM_CASES; i++) {
          const bytes = randomBytes(runtime.layout, rand, order, true);
          const value = runtime.decode(bytes);
          assert.deepEqual(generatedCodec.decode(bytes), value, `${root.codec} #${i}`);
          const a = new Uint8Array(runtime.size);
          const b = new Uint8Array(runtime.size + 3).subarray(3);
          runtime.encode(value, a);
          generatedCodec.encode(value, b);
          assert.equal(toHex(b), toHex(a), `${root.codec} #${i}`);
        }
      }
    });
  }

  it('read the same values gcc reads from random bytes', () => {
    const { roots, module } = gen('little');
    const rand = prng(99);
    const input: string[] = [];
    const cases: { root: GenRoot; bytes: Uint8Array }[] = [];
    for (const name of ORACLE_TYPES) {
      const root = roots.find((r) => r.cType === name || r.cType === `struct ${name}`);
      if (root === undefined) continue;
      for (let i = 0; i < 40; i++) {
        const bytes = randomBytes(root.layout, rand, 'little', true);
        input.push(`${name} ${toHex(bytes)}`);
        cases.push({ root, bytes });
      }
    }
    assert.ok(cases.length >= 40 * 8, `${cases.length} cases`);
    const lines = oracle.run('check', `${input.join('\n')}\n`);
    lines.forEach((line, i) => {
      const [, json, normalized] = line.split(' ') as [string, string, string];
      const { root, bytes } = cases[i] as { root: GenRoot; bytes: Uint8Array };
      const c = module[root.codec] as TypedCodec;
      const value = c.decode(bytes);
      assert.deepEqual(normalize(root.layout, value), JSON.parse(json) as Normalized, `${root.cType} #${i}`);
      const out = new Uint8Array(c.size);
      c.encode(value, out);
      assert.equal(toHex(out), normalized, `${root.cType} #${i}`);
    });
  });

  it('reject bad values like the runtime codecs', () => {
    const c = gen('little').module.ltEventCodec as TypedCodec;
    const good = c.decode(new Uint8Array(64)) as Record<string, unknown>;
    assert.throws(
      () => c.encode({ ...good, pid: -1 }, new Uint8Array(64)),
      /codec struct lt_event: field pid: expected u32, got -1/,
    );
    assert.throws(
      () => c.encode({ ...good, comm: 'x'.repeat(17) }, new Uint8Array(64)),
      /field comm: expected a string of at most 16 UTF-8 bytes/,
    );
    assert.throws(() => c.decode(new Uint8Array(63)), /decode needs 64 bytes at offset 0, buffer has 63/);
  });

  it('decoding throughput of struct lt_event (records/s)', (t) => {
    const c = gen('little').module.ltEventCodec as TypedCodec;
    const buf = eventBuffer(
      loadCollectionSpec(layoutObject('little')).types?.typeByName('lt_event') as never,
    );
    const rate = measureDecode((b, o) => c.decodeAt(b, o), buf);
    const line = `generated ltEventCodec: ${Math.round(rate).toLocaleString('en-US')} records/s`;
    t.diagnostic(line);
    console.log(line);
    assert.ok(rate > 100_000, line);
  });
});

describe('ebpf-ts gen --path', () => {
  it('loads the object relative to the generated module', async () => {
    const out = join(project.dir, 'run', 'by-path.ts');
    const text = generateFromArgs({
      object: layoutObject('little'),
      out,
      name: 'byPath',
      types: [],
      mode: 'path',
    });
    assert.match(text, /new URL\("(\.\.\/)+.*bpf\/test\/layout_types\.bpf\.o", import\.meta\.url\)/);
    assert.doesNotMatch(text, /new URL\("\//, 'no absolute path');
    const module = await project.import('by-path', text);
    const spec = (module.loadByPathSpec as () => ReturnType<typeof loadCollectionSpec>)();
    assert.ok('lt_hash' in spec.maps);
  });
});
