import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  dumpC,
  Enum,
  Int,
  IntEncoding,
  loadSpec,
  Member,
  marshalTypes,
  Pointer,
  type Spec,
  Struct,
  type Type,
  Typedef,
  Union,
} from '../../src/btf/index.js';
import { extractSection, fixture } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'btf-dumpc-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Compiles `source` (which may include `header.h`) for BPF; returns the object's .BTF when `debug`. */
function compile(header: string, source: string, debug = false): Spec | undefined {
  writeFileSync(join(tmp, 'header.h'), header);
  const c = join(tmp, 'use.c');
  const o = join(tmp, 'use.o');
  writeFileSync(c, source);
  const args = ['-target', 'bpf', '-O2', '-Wall', '-Werror', '-c', c, '-o', o];
  execFileSync('clang-19', debug ? ['-g', ...args] : args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (!debug) return undefined;
  const btf = extractSection(o, '.BTF');
  assert.ok(btf);
  return loadSpec(btf);
}

/** Tag names that occur once (struct, union, enum and fwd share C's tag namespace). */
function uniquelyNamed(spec: Spec): (Struct | Union)[] {
  const counts = new Map<string, number>();
  const out: (Struct | Union)[] = [];
  for (const t of spec) {
    if (t.name === '') continue;
    if (t.kind === 'struct' || t.kind === 'union' || t.kind === 'enum' || t.kind === 'fwd') {
      counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    }
    if (t instanceof Struct || t instanceof Union) out.push(t);
  }
  return out.filter((t) => counts.get(t.name) === 1);
}

function layout(t: Struct | Union): string {
  return JSON.stringify([t.size, t.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize])]);
}

/** Compiles the header with a global of each type and checks clang lays them out as the BTF says. */
function assertLayoutsRoundTrip(spec: Spec, header: string, types: (Struct | Union)[]): void {
  const vars = types.map((t, i) => `${t.kind} ${t.name} __layout_${i};`).join('\n');
  const compiled = compile(header, `#include "header.h"\n${vars}\n`, true) as Spec;
  for (const t of types) {
    const got = compiled.typesByName(t.name).find((x) => x.kind === t.kind) as Struct | Union | undefined;
    assert.ok(got, `${t.kind} ${t.name} missing from the compiled object`);
    assert.equal(layout(got), layout(t), `${t.kind} ${t.name}`);
  }
  void spec;
}

describe('dumpC of the btf_types fixture', () => {
  const spec = loadSpec(extractSection(fixture('btf_types'), '.BTF') as Uint8Array);
  const header = dumpC(spec);

  it('has the vmlinux.h framing', () => {
    assert.ok(
      header.startsWith(
        '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n',
      ),
    );
    assert.match(
      header,
      /#pragma clang attribute push \(__attribute__\(\(preserve_access_index\)\), apply_to = record\)/,
    );
    assert.ok(header.endsWith('#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n'));
  });

  it('declares the tricky shapes', () => {
    const expected = [
      'struct bt_opaque;',
      'union bt_fwd_union;',
      'typedef int (*bt_handler_fn)(struct bt_nested *, long);',
      '\tint (*ops[2])(void *, ...);',
      '\tvoid (*callback)(int, char const *);',
      '\tint arr2d[3][4];',
      '\tunsigned int a: 3;',
      '\tint c: 10;',
      '\tchar const *const *strings;',
      '\tint *restrict rp;',
      '\tint __attribute__((btf_type_tag("user"))) *user_ptr;',
      '} __attribute__((packed));',
      '} __attribute__((mode(QI)));',
      '} __attribute__((mode(HI)));',
      '\tBT_E64_MAX = 18446744073709551615ULL,',
      '\tBT_E64S_NEG = -4294967296LL,',
      '\tBT_E32_NEG = -5,',
      'struct bt_empty {};',
    ];
    for (const line of expected) assert.ok(header.includes(line), `missing: ${line}`);
    // Types used by value come before their users.
    assert.ok(header.indexOf('struct bt_bits {') < header.indexOf('struct bt_nested {'));
    assert.ok(header.indexOf('enum bt_enum8 {') < header.indexOf('struct bt_nested {'));
  });

  it('compiles, and clang lays out every struct and union exactly as the BTF says', () => {
    assertLayoutsRoundTrip(spec, header, uniquelyNamed(spec));
  });

  it('can dump a subset without the framing', () => {
    const bits = spec.typeByName('bt_bits', Struct);
    const part = dumpC(spec, { types: [bits], guard: false, preserveAccessIndex: false });
    assert.ok(part.startsWith('struct bt_bits {'), part.slice(0, 40));
    assert.ok(!part.includes('bt_nested'));
    compile(part, '#include "header.h"\nstruct bt_bits b;\n');
  });
});

describe('dumpC of synthetic types', () => {
  it('breaks pointer cycles with forward declarations and renames duplicates like libbpf', () => {
    const int = new Int('int', 4, IntEncoding.Signed);
    const a = new Struct('a', 16, []);
    const b = new Struct('b', 32, []);
    a.members.push(new Member('b', new Pointer(b), 0), new Member('x', int, 64));
    b.members.push(new Member('a', a, 0), new Member('self', new Pointer(b), 192));
    const dup1 = new Struct('dup', 4, [new Member('x', int, 0)]);
    const dup2 = new Struct('dup', 8, [new Member('y', int, 32)]);
    const e1 = new Enum('e1', 4, [{ name: 'SAME', value: 1n }]);
    const e2 = new Enum('e2', 4, [{ name: 'SAME', value: 2n }]);
    const anon = new Enum('', 4, [{ name: 'LONELY', value: 3n }]);
    const anonStruct = new Struct('', 4, [new Member('v', int, 0)]);
    const td = new Typedef('anon_t', anonStruct);
    const va = new Typedef('__builtin_va_list', new Pointer(int));
    const types: Type[] = [b, a, dup1, dup2, e1, e2, anon, td, va];
    const spec = loadSpec(marshalTypes(types).bytes);
    const header = dumpC(spec);
    for (const line of [
      'struct dup___2 {',
      '\tSAME___2 = 2,',
      'enum {\n\tLONELY = 3,\n};',
      'typedef struct {\n\tint v;\n} anon_t;',
      '\tlong: 64;',
    ]) {
      assert.ok(header.includes(line), `missing ${JSON.stringify(line)} in\n${header}`);
    }
    assert.ok(!header.includes('typedef int *__builtin_va_list'), 'compiler builtins are not redefined');
    assert.ok(header.indexOf('struct a {') < header.indexOf('struct b {'), 'b embeds a by value');
    compile(
      header,
      '#include "header.h"\nstruct b g_b; struct dup___2 g_d; anon_t g_t;\nint use(void) { return LONELY + SAME___2; }\n',
    );
  });
});

describe('dumpC of the running kernel', () => {
  const spec = loadSpec(new Uint8Array(readFileSync('/sys/kernel/btf/vmlinux')));
  let header = '';

  it('produces a vmlinux.h that compiles with clang -target bpf', (t) => {
    const start = performance.now();
    header = dumpC(spec);
    t.diagnostic(
      `dumpC(vmlinux): ${(header.length / 1e6).toFixed(1)} MB in ${(performance.now() - start).toFixed(0)} ms`,
    );
    compile(
      header,
      [
        '#include "header.h"',
        'int pid_of(struct task_struct *t) { return t->pid + t->real_parent->tgid; }',
        'unsigned int len_of(struct sk_buff *skb) { return skb->len; }',
        'int action(struct xdp_md *ctx) { return ctx->data_end > ctx->data ? XDP_PASS : XDP_DROP; }',
        '',
      ].join('\n'),
    );
  });

  it('lays out a sample of kernel structs exactly as the BTF says', () => {
    assert.ok(header !== '', 'previous test produced the header');
    // va_list is a compiler builtin whose size differs between targets (as in bpftool's vmlinux.h).
    const candidates = uniquelyNamed(spec).filter((t) => !/va_list|warn_args/.test(t.name));
    const sample = candidates.filter(
      (t, i) => i % 40 === 0 || ['task_struct', 'sk_buff', 'bpf_map'].includes(t.name),
    );
    assert.ok(sample.length > 200, `${sample.length} sampled`);
    assertLayoutsRoundTrip(spec, header, sample);
  });
});
