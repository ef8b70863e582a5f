/**
 * CO-RE against the running kernel, with libbpf as the oracle: the fixture objects
 * bpf/test/core_*.bpf.o are loaded for real by a small C program linked with the system libbpf
 * (test/btf/oracle/core-oracle.c), which prints the instructions as libbpf relocated them. We
 * resolve the same relocations against /sys/kernel/btf/vmlinux, patch the same instructions and
 * compare every instruction. Field offsets are also checked against gcc's offsetof on the kernel's
 * vmlinux.h. Needs root, gcc and libbpf-dev (all part of this project's test setup).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { decodeInstructions, encodeInstructions } from '../../src/asm/index.js';
import {
  applyCoreResults,
  CORE_POISON_IMM,
  type CoreResult,
  coreFailureMessage,
  resolveCoreRelocations,
} from '../../src/btf/core.js';
import { coreReloKindName, parseExtInfo } from '../../src/btf/ext-info.js';
import { loadSpec, type Spec } from '../../src/btf/spec.js';
import type { ByteOrder } from '../../src/internal/bytes.js';
import { evalCExpressions } from '../helpers/kernel-headers.js';
import { extractSection, fixture, ROOT } from './helpers.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const FIXTURES = ['core_reads', 'core_types'];
const LD_IMM64 = 0x18;

/** One raw instruction slot. */
interface Slot {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

function slots(bytes: Uint8Array): Slot[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Slot[] = [];
  for (let at = 0; at < bytes.byteLength; at += 8) {
    const regs = view.getUint8(at + 1);
    out.push({
      code: view.getUint8(at),
      dst: regs & 0xf,
      src: regs >> 4,
      off: view.getInt16(at + 2, true),
      imm: view.getInt32(at + 4, true),
    });
  }
  return out;
}

let oracleBinary = '';
let kernel: Spec;

/** Loads `obj` with libbpf; returns the relocated instructions per program section. */
function libbpfInstructions(obj: string): Map<string, Slot[]> {
  const out = execFileSync(oracleBinary, [obj], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bySection = new Map<string, Slot[]>();
  for (const line of out.trim().split('\n')) {
    const [tag, section, index, code, dst, src, off, imm] = line.split(' ');
    assert.equal(tag, 'insn', `oracle output: ${line}`);
    let list = bySection.get(section as string);
    if (list === undefined) {
      list = [];
      bySection.set(section as string, list);
    }
    assert.equal(Number(index), list.length);
    list.push({ code: Number(code), dst: Number(dst), src: Number(src), off: Number(off), imm: Number(imm) });
  }
  return bySection;
}

interface Resolved {
  local: Spec;
  sections: Map<string, { results: CoreResult[]; code: Uint8Array }>;
}

function resolveObject(name: string, order: ByteOrder): Resolved {
  const obj = fixture(name, order);
  const btf = extractSection(obj, '.BTF');
  const ext = extractSection(obj, '.BTF.ext');
  assert.ok(btf && ext, `${obj}: no .BTF/.BTF.ext`);
  const local = loadSpec(btf);
  const info = parseExtInfo(ext, local.strings, { typeIDLimit: local.nextID });
  const sections = new Map<string, { results: CoreResult[]; code: Uint8Array }>();
  for (const [section, relos] of info.coreRelos) {
    const code = extractSection(obj, section);
    assert.ok(code, `${obj}: no section ${section}`);
    sections.set(section, { results: resolveCoreRelocations(local, relos, [kernel]), code });
  }
  return { local, sections };
}

function describeSlot(s: Slot | undefined): string {
  return s === undefined
    ? '(none)'
    : `code=0x${s.code.toString(16)} dst=${s.dst} src=${s.src} off=${s.off} imm=${s.imm}`;
}

before(() => {
  const dir = mkdtempSync(join(tmpdir(), 'ebpf-ts-core-oracle-'));
  oracleBinary = join(dir, 'core-oracle');
  execFileSync('gcc', [
    '-O1',
    '-Wall',
    '-Werror',
    '-o',
    oracleBinary,
    join(ROOT, 'test/btf/oracle/core-oracle.c'),
    '-lbpf',
  ]);
  kernel = loadSpec(new Uint8Array(readFileSync(VMLINUX)));
});

describe('CO-RE relocations match libbpf on the running kernel', () => {
  for (const name of FIXTURES) {
    it(`${name}.bpf.o: every instruction as libbpf loaded it`, () => {
      const theirs = libbpfInstructions(fixture(name));
      const ours = resolveObject(name, 'little');
      assert.deepEqual([...ours.sections.keys()].sort(), [...theirs.keys()].sort(), 'program sections');
      for (const [section, { results, code }] of ours.sections) {
        const patched = slots(
          encodeInstructions(applyCoreResults(decodeInstructions(code, 'little'), results), 'little'),
        );
        const expected = theirs.get(section) as Slot[];
        assert.equal(patched.length, expected.length, `${section}: instruction count`);
        const relocated = new Map(results.map((r) => [r.relo.insnOff / 8, r]));
        for (let i = 0; i < patched.length; i++) {
          const a = patched[i] as Slot;
          const b = expected[i] as Slot;
          // libbpf also turns map references into fds: skip those ld_imm64 pairs.
          if (b.code === LD_IMM64 && b.src !== 0 && !relocated.has(i)) {
            i++;
            continue;
          }
          const r = relocated.get(i) ?? relocated.get(i - 1);
          const what = r
            ? `${coreReloKindName(r.kind)} ${r.description} (${r.localValue} -> ${r.targetValue}${r.poisoned ? ', poisoned' : ''})`
            : 'not relocated';
          assert.deepEqual(
            a,
            b,
            `${section} insn ${i} [${what}]:\n ours:   ${describeSlot(a)}\n libbpf: ${describeSlot(b)}`,
          );
        }
      }
    });
  }

  it('the fixtures exercise every relocation kind, poisoning and a load resize', () => {
    const all = FIXTURES.flatMap((n) =>
      [...resolveObject(n, 'little').sections.values()].flatMap((s) => s.results),
    );
    const kinds = new Set(all.map((r) => r.kind));
    assert.deepEqual(
      [...kinds].sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    );
    const poisoned = all.filter((r) => r.poisoned);
    assert.deepEqual(poisoned.map(coreFailureMessage).sort(), [
      'byte_off struct task_struct___missing.no_such_field: no match in kernel BTF: struct task_struct [' +
        `${kernel.typeID(kernel.typeByName('task_struct'))}]: no field .no_such_field`,
      'byte_off struct task_struct___missing.no_such_field: no match in kernel BTF: struct task_struct [' +
        `${kernel.typeID(kernel.typeByName('task_struct'))}]: no field .no_such_field`,
      'enumval_value enum pid_type___local::PIDTYPE_NONE___local: no match in kernel BTF: enum pid_type [' +
        `${kernel.typeID(kernel.typeByName('pid_type'))}]: no enumerator PIDTYPE_NONE___local`,
    ]);
    assert.ok(
      all.some((r) => r.newInsnSize === 4 && r.localSize === 8),
      'task_struct___wide.flags shrinks to 4 bytes',
    );
    assert.ok(
      all.some((r) => r.poisoned && r.relo.insnOff > 0 && r.description.startsWith('enumval_value')),
      'poisoned ld_imm64',
    );
    assert.equal(CORE_POISON_IMM, 195896080);
  });
});

describe('CO-RE field offsets match gcc offsetof on the kernel headers', () => {
  it('every byte_off of a kernel struct field', () => {
    const checks: Array<{ expr: string; got: bigint }> = [];
    for (const name of FIXTURES) {
      for (const { results } of resolveObject(name, 'little').sections.values()) {
        for (const r of results) {
          const m = /^byte_off (struct \w+)\.(.+)$/.exec(r.description);
          // Kernel types only (no flavors), non-bitfields (they have a load size).
          if (r.kind !== 0 || r.poisoned || !m || m[1]?.includes('___') || r.targetSize === 0) continue;
          checks.push({ expr: `__builtin_offsetof(${m[1]}, ${m[2]})`, got: r.targetValue });
        }
      }
    }
    assert.ok(checks.length >= 10, `only ${checks.length} offsets to check`);
    const want = evalCExpressions(checks.map((c) => c.expr));
    assert.deepEqual(
      checks.map((c) => `${c.expr} = ${c.got}`),
      checks.map((c, i) => `${c.expr} = ${want[i]}`),
    );
  });
});

describe('CO-RE in big-endian objects', () => {
  for (const name of FIXTURES) {
    it(`${name}.bpfeb.o resolves like ${name}.bpf.o`, () => {
      // Code generation differs between the byte orders (instruction positions, how often a
      // bitfield's size is relocated), so compare the distinct relocations and their outcomes.
      const summary = (order: ByteOrder) =>
        [
          ...new Set(
            [...resolveObject(name, order).sections].flatMap(([section, { results }]) =>
              results.map(
                (r) => `${section} ${r.description} -> ${r.targetValue}${r.poisoned ? ' poisoned' : ''}`,
              ),
            ),
          ),
        ].sort();
      assert.deepEqual(summary('big'), summary('little'));
    });

    for (const order of ['little', 'big'] as const) {
      it(`${name} (${order}-endian): instructions hold the local values clang computed`, () => {
        for (const [section, { results, code }] of resolveObject(name, order).sections) {
          const insns = decodeInstructions(code, order);
          const byRaw = new Map<number, (typeof insns)[number]>();
          let raw = 0;
          for (const insn of insns) {
            byRaw.set(raw, insn);
            raw += insn.rawSize;
          }
          for (const r of results) {
            const insn = byRaw.get(r.relo.insnOff / 8);
            assert.ok(insn, `${section}: no instruction at ${r.relo.insnOff}`);
            // What libbpf validates: not type IDs (they move when linking), not bitfield offsets
            // and sizes (the compiler may pick another load).
            if (!r.validate) continue;
            const cls = insn.opcode & 7;
            const held =
              cls === 1 || cls === 2 || cls === 3
                ? BigInt(insn.offset)
                : insn.isLoadImm64
                  ? insn.constant
                  : BigInt(insn.imm);
            assert.equal(
              BigInt.asUintN(64, held),
              r.localValue,
              `${section} insn ${r.relo.insnOff / 8}: ${r.description}`,
            );
          }
        }
      });
    }
  }
});
