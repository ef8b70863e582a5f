import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { coreReloKindName, loadSpec, parseExtInfo, Struct } from '../../src/btf/index.js';
import { isParseError } from '../../src/errors.js';
import { ByteWriter } from '../../src/internal/bytes.js';
import { extractSection, fixture, ROOT } from './helpers.js';

const SOURCE_LINES = readFileSync(join(ROOT, 'bpf', 'test', 'btf_types.bpf.c'), 'utf8').split('\n');

function load(order: 'little' | 'big') {
  const obj = fixture('btf_types', order);
  const btf = extractSection(obj, '.BTF');
  const ext = extractSection(obj, '.BTF.ext');
  assert.ok(btf && ext);
  const spec = loadSpec(btf);
  return { obj, spec, ext: parseExtInfo(ext, spec.strings, { typeIDLimit: spec.nextID }), raw: ext };
}

/** Function symbols from `llvm-objdump -t`: `section offset name`. */
function functionSymbols(obj: string): string[] {
  const out = execFileSync('llvm-objdump-19', ['-t', obj], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^([0-9a-f]{16})\s.*\sF\s+(\S+)\s+[0-9a-f]+\s+(\S+)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[2]} ${Number.parseInt(m[1] as string, 16)} ${m[3]}`)
    .sort();
}

/** CO-RE annotations from `llvm-objdump -dr`: `offset kind typeID [access]`. */
function coreAnnotations(obj: string): string[] {
  const out = execFileSync('llvm-objdump-19', ['-dr', obj], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => /^\s*([0-9a-f]+):\s+CO-RE <(\w+)> \[(\d+)\][^(]*(?:\(([\d:]+)\))?/.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${Number.parseInt(m[1] as string, 16)} ${m[2]} ${m[3]}${m[4] ? ` ${m[4]}` : ''}`);
}

describe('.BTF.ext of the btf_types fixture', () => {
  const le = load('little');
  const be = load('big');

  it('reads the same records from LE and BE objects', () => {
    assert.equal(le.ext.byteOrder, 'little');
    assert.equal(be.ext.byteOrder, 'big');
    assert.deepEqual({ ...be.ext, byteOrder: 'little' }, le.ext);
    assert.deepEqual(le.ext.recordSizes, { funcInfo: 8, lineInfo: 16, coreRelo: 16 });
  });

  for (const { obj, spec, ext } of [le, be]) {
    const tag = obj.endsWith('eb.o') ? 'BE' : 'LE';
    it(`${tag}: func_info names the function at each offset, as the symbol table does`, () => {
      const ours: string[] = [];
      for (const [section, infos] of ext.funcInfos) {
        for (const f of infos) ours.push(`${section} ${f.insnOff} ${spec.typeByID(f.typeID).name}`);
      }
      assert.deepEqual(ours.sort(), functionSymbols(obj));
    });

    it(`${tag}: line_info points at the source lines it quotes`, () => {
      let n = 0;
      for (const [section, lines] of ext.lineInfos) {
        assert.ok(ext.funcInfos.has(section), section);
        for (const l of lines) {
          assert.ok(l.fileName.endsWith('bpf/test/btf_types.bpf.c'), l.fileName);
          assert.equal(l.line, SOURCE_LINES[l.lineNumber - 1], `line ${l.lineNumber}`);
          assert.ok(l.column <= l.line.length + 1, `column ${l.column}`);
          n++;
        }
      }
      assert.ok(n > 20, `${n} line records`);
    });

    it(`${tag}: CO-RE relocations match llvm-objdump's annotations`, () => {
      const ours: string[] = [];
      for (const [section, relos] of ext.coreRelos) {
        assert.equal(section, 'tracepoint/syscalls/sys_enter_openat');
        for (const r of relos) {
          const field =
            coreReloKindName(r.kind).startsWith('field') ||
            /^(byte_|signed|[lr]shift)/.test(coreReloKindName(r.kind));
          ours.push(`${r.insnOff} ${coreReloKindName(r.kind)} ${r.typeID}${field ? ` ${r.accessStr}` : ''}`);
        }
      }
      assert.deepEqual(ours, coreAnnotations(obj));
      assert.equal(ours.length, 9);
      // The accessors name the members the program reads.
      const task = spec.typeByName('task_struct', Struct);
      const fields = [...ext.coreRelos.values()]
        .flat()
        .filter((r) => spec.typeByID(r.typeID) === task && r.accessStr.includes(':'))
        .map((r) => task.members[Number(r.accessStr.split(':')[1])]?.name);
      assert.deepEqual(fields.sort(), ['comm', 'pid', 'real_parent', 'tgid']);
    });
  }

  it('bounds-checks type IDs and string offsets', () => {
    assert.throws(() => parseExtInfo(le.raw, le.spec.strings, { typeIDLimit: 5 }), isParseError);
    const tiny = loadSpec(extractSection(fixture('elf_basic'), '.BTF') as Uint8Array);
    assert.throws(() => parseExtInfo(le.raw, tiny.strings), isParseError);
  });
});

describe('.BTF.ext malformed headers and sections', () => {
  const strings = loadSpec(extractSection(fixture('btf_types'), '.BTF') as Uint8Array).strings;
  // header (32 bytes) + func_info section: rec_size, one block { name_off 0, count, records }.
  function ext(opts: { version?: number; hdrLen?: number; recSize?: number; count?: number; recs?: number }) {
    const w = new ByteWriter('little');
    const hdrLen = opts.hdrLen ?? 32;
    const recSize = opts.recSize ?? 8;
    const recs = opts.recs ?? 1;
    const funcLen = 4 + 8 + recs * recSize;
    w.u16(0xeb9f)
      .u8(opts.version ?? 1)
      .u8(0)
      .u32(hdrLen);
    w.u32(0).u32(funcLen).u32(funcLen).u32(0).u32(funcLen).u32(0);
    while (w.length < hdrLen) w.u8(0);
    w.u32(recSize)
      .u32(1)
      .u32(opts.count ?? recs);
    for (let i = 0; i < recs * recSize; i += 4) w.u32(0);
    return w.finish();
  }
  it('parses a well-formed minimal section', () => {
    const info = parseExtInfo(ext({}), strings);
    assert.equal(info.funcInfos.size, 1);
    assert.equal([...info.funcInfos.values()][0]?.length, 1);
  });
  const cases: [string, Uint8Array][] = [
    ['bad version', ext({ version: 3 })],
    ['short header', ext({ hdrLen: 16 })],
    ['record size too small', ext({ recSize: 4 })],
    ['record size not a multiple of 4', ext({ recSize: 10 })],
    ['zero records', ext({ count: 0 })],
    ['count overrunning the section', ext({ count: 1000 })],
    ['truncated', ext({}).subarray(0, 30)],
  ];
  for (const [name, blob] of cases)
    it(`rejects ${name}`, () => assert.throws(() => parseExtInfo(blob, strings), isParseError));
});
