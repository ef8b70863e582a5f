/**
 * Helpers for the kernel BTF tests: an object's `.BTF` made loadable the way libbpf finalizes it
 * (DATASEC sizes and variable offsets from the ELF, `.ksyms` externs turned into allocated ints, extern
 * functions made global), bpftool's view of vmlinux (type ids by kind and name), and temp directories.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alignof,
  FuncLinkage,
  Int,
  loadSpec,
  type Spec,
  sizeof,
  Var,
  VarLinkage,
  type VarSecinfo,
} from '../../src/btf/index.js';
import { ElfFile, STV } from '../../src/elf/index.js';

/** The `.BTF` of a BPF object as a spec, plus the parsed ELF. */
export function objectBtf(path: string): { elf: ElfFile; spec: Spec } {
  const elf = ElfFile.parse(new Uint8Array(readFileSync(path)));
  const section = elf.sectionByName('.BTF');
  if (section === undefined) throw new Error(`${path}: no .BTF`);
  return { elf, spec: loadSpec(elf.sectionData(section), { section: `${path}: .BTF` }) };
}

/**
 * Rewrites an object's BTF in place as libbpf does before BPF_BTF_LOAD: DATASEC sizes and variable
 * offsets from the ELF sections and symbols, hidden globals made static, variables sorted by offset;
 * `.ksyms` externs become 4-byte allocated variables (functions are swapped for a dummy variable and
 * made global), `.kconfig` externs are laid out by alignment and size.
 */
export function finalizeObjectBtf(spec: Spec, elf: ElfFile): void {
  const symbols = elf.symbols();
  let int32: Int | undefined;
  for (const t of spec.types()) if (t instanceof Int && t.size === 4 && t.bits === 32) int32 ??= t;
  for (const t of spec.types()) {
    if (t.kind !== 'datasec') continue;
    if (t.name === '.ksyms') {
      if (int32 === undefined) throw new Error('.ksyms externs need a 32-bit int type');
      const dummy = new Var('dummy_ksym', int32, VarLinkage.Global);
      t.vars.forEach((v, i) => {
        const target = v.type;
        if (target.kind === 'func') {
          target.linkage = FuncLinkage.Global;
          v.type = dummy;
        } else if (target.kind === 'var') {
          target.linkage = VarLinkage.Global;
          target.type = int32 as Int;
        }
        v.offset = i * 4;
        v.size = 4;
      });
      t.size = t.vars.length * 4;
      continue;
    }
    if (t.name === '.kconfig') {
      // libbpf lays kconfig externs out by alignment (descending), size (ascending), then name.
      const key = (v: VarSecinfo): [number, number, string] => [alignof(v.type), sizeof(v.type), v.type.name];
      const order = [...t.vars].sort((a, b) => {
        const [aa, as, an] = key(a);
        const [ba, bs, bn] = key(b);
        return ba - aa || as - bs || (an < bn ? -1 : an > bn ? 1 : 0);
      });
      let off = 0;
      for (const v of order) {
        const [align, size] = key(v);
        off = Math.ceil(off / align) * align;
        v.offset = off;
        v.size = size;
        off += size;
        if (v.type.kind === 'var') v.type.linkage = VarLinkage.Global;
      }
      t.size = off;
      continue;
    }
    const section = elf.sectionByName(t.name);
    if (section === undefined) throw new Error(`DATASEC ${t.name}: no such ELF section`);
    const fixOffsets = t.size === 0;
    if (fixOffsets) t.size = section.size;
    for (const v of t.vars) {
      const variable = v.type;
      if (variable.kind !== 'var' || variable.linkage === VarLinkage.Static) continue;
      const sym = symbols.find((s) => s.name === variable.name && s.sectionIndex === section.index);
      if (sym === undefined) throw new Error(`DATASEC ${t.name}: no symbol for ${variable.name}`);
      if (fixOffsets) v.offset = Number(sym.value);
      if (sym.visibility === STV.HIDDEN || sym.visibility === STV.INTERNAL)
        variable.linkage = VarLinkage.Static;
    }
    t.vars.sort((a, b) => a.offset - b.offset);
  }
}

/** bpftool's view of vmlinux: type ids by `KIND name` (first id for repeated names) and the last id. */
export function bpftoolVmlinuxIds(): { ids: Map<string, number>; lastId: number } {
  const out = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'], {
    maxBuffer: 512 * 1024 * 1024,
    encoding: 'utf8',
  });
  const ids = new Map<string, number>();
  let lastId = 0;
  for (const m of out.matchAll(/^\[(\d+)\] ([A-Z_0-9]+) '([^']*)'/gm)) {
    const key = `${m[2]} ${m[3]}`;
    lastId = Number(m[1]);
    if (!ids.has(key)) ids.set(key, lastId);
  }
  return { ids, lastId };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
