import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as attrs from '../../src/syscall/attr-layouts.js';
import * as infos from '../../src/syscall/info-layouts.js';
import { evalCExpressions, kernelHasMember } from '../helpers/kernel-headers.js';

type Layout = Readonly<Record<string, number>>;

const UNION_PREFIXES = [
  'perf_event',
  'kprobe_multi',
  'tracing',
  'netfilter',
  'tcx',
  'uprobe_multi',
  'netkit',
  'raw_tracepoint',
  'cgroup',
  'netns',
  'xdp',
];

/** Our flattened field name → the C member path (`kprobe_multi_cnt` → `kprobe_multi.cnt`). */
function cPath(field: string, unions: boolean): string {
  if (!unions) return field;
  for (const p of UNION_PREFIXES) if (field.startsWith(`${p}_`)) return `${p}.${field.slice(p.length + 1)}`;
  return field;
}

const CASES: Array<{
  name: string;
  layout: Layout;
  type: string;
  prefix: string;
  skip?: string[];
  unions?: boolean;
}> = [
  { name: 'map create', layout: attrs.MapCreateAttr, type: 'union bpf_attr', prefix: '' },
  { name: 'map elem', layout: attrs.MapElemAttr, type: 'union bpf_attr', prefix: '' },
  { name: 'map batch', layout: attrs.MapBatchAttr, type: 'union bpf_attr', prefix: 'batch.' },
  { name: 'prog load', layout: attrs.ProgLoadAttr, type: 'union bpf_attr', prefix: '' },
  { name: 'obj pin', layout: attrs.ObjPinAttr, type: 'union bpf_attr', prefix: '' },
  { name: 'prog attach', layout: attrs.ProgAttachAttr, type: 'union bpf_attr', prefix: '' },
  { name: 'prog test run', layout: attrs.ProgTestRunAttr, type: 'union bpf_attr', prefix: 'test.' },
  { name: 'get id', layout: attrs.GetIdAttr, type: 'union bpf_attr', prefix: '' },
  { name: 'obj info', layout: attrs.ObjInfoAttr, type: 'union bpf_attr', prefix: 'info.' },
  { name: 'prog query', layout: attrs.ProgQueryAttr, type: 'union bpf_attr', prefix: 'query.' },
  {
    name: 'raw tracepoint',
    layout: attrs.RawTracepointAttr,
    type: 'union bpf_attr',
    prefix: 'raw_tracepoint.',
  },
  { name: 'btf load', layout: attrs.BtfLoadAttr, type: 'union bpf_attr', prefix: '' },
  { name: 'task fd query', layout: attrs.TaskFdQueryAttr, type: 'union bpf_attr', prefix: 'task_fd_query.' },
  {
    name: 'link create',
    layout: attrs.LinkCreateAttr,
    type: 'union bpf_attr',
    prefix: 'link_create.',
    unions: true,
  },
  { name: 'link update', layout: attrs.LinkUpdateAttr, type: 'union bpf_attr', prefix: 'link_update.' },
  { name: 'link detach', layout: attrs.LinkDetachAttr, type: 'union bpf_attr', prefix: 'link_detach.' },
  { name: 'enable stats', layout: attrs.EnableStatsAttr, type: 'union bpf_attr', prefix: 'enable_stats.' },
  { name: 'iter create', layout: attrs.IterCreateAttr, type: 'union bpf_attr', prefix: 'iter_create.' },
  { name: 'prog bind map', layout: attrs.ProgBindMapAttr, type: 'union bpf_attr', prefix: 'prog_bind_map.' },
  { name: 'map info', layout: infos.MapInfoLayout, type: 'struct bpf_map_info', prefix: '' },
  {
    name: 'prog info',
    layout: infos.ProgInfoLayout,
    type: 'struct bpf_prog_info',
    prefix: '',
    skip: ['gpl_compatible_word'],
  },
  { name: 'btf info', layout: infos.BtfInfoLayout, type: 'struct bpf_btf_info', prefix: '' },
  {
    name: 'link info',
    layout: infos.LinkInfoLayout,
    type: 'struct bpf_link_info',
    prefix: '',
    skip: ['union'],
    unions: true,
  },
];

describe('bpf_attr and info layouts match the running kernel (offsetof via gcc + vmlinux.h)', () => {
  // One compile for every field of every layout.
  // Only members the running kernel has: an older kernel (the kernel-matrix guests) lacks the newest fields.
  const exprs: string[] = [];
  const index: Array<{ c: number; field: string; kind: 'offset' | 'end' | 'sizeof' }> = [];
  const absent = new Map<number, string[]>();
  let fields = 0;
  for (const [c, tc] of CASES.entries()) {
    for (const field of Object.keys(tc.layout)) {
      if (field === 'SIZE' || tc.skip?.includes(field)) continue;
      const member = `${tc.prefix}${cPath(field, tc.unions === true)}`;
      fields++;
      if (!kernelHasMember(tc.type, member)) {
        absent.set(c, [...(absent.get(c) ?? []), field]);
        continue;
      }
      exprs.push(`__builtin_offsetof(${tc.type}, ${member})`);
      index.push({ c, field, kind: 'offset' });
      exprs.push(`__builtin_offsetof(${tc.type}, ${member}) + sizeof(((${tc.type} *)0)->${member})`);
      index.push({ c, field, kind: 'end' });
    }
    exprs.push(`sizeof(${tc.type})`);
    index.push({ c, field: 'SIZE', kind: 'sizeof' });
  }
  const values = evalCExpressions(exprs);

  const missing = [...absent.values()].flat().length;
  it('the running kernel has nearly all the fields (only the newest may be missing)', (t) => {
    if (missing > 0)
      t.diagnostic(
        `absent here: ${[...absent].map(([c, f]) => `${CASES[c]?.name}: ${f.join(' ')}`).join('; ')}`,
      );
    assert.ok(missing <= fields * 0.1, `${missing} of ${fields} fields absent`);
  });

  for (const [c, tc] of CASES.entries()) {
    it(tc.name, () => {
      let maxEnd = 0;
      for (const [i, entry] of index.entries()) {
        if (entry.c !== c) continue;
        const v = Number(values[i]);
        if (entry.kind === 'offset') assert.equal(tc.layout[entry.field], v, `${tc.type} ${entry.field}`);
        else if (entry.kind === 'end') maxEnd = Math.max(maxEnd, v);
        else {
          const size = tc.layout.SIZE as number;
          assert.ok(size >= maxEnd, `${tc.name}: SIZE ${size} < end of last field ${maxEnd}`);
          // with fields the kernel lacks, our struct may be the bigger one
          if (!absent.has(c)) assert.ok(size <= v, `${tc.name}: SIZE ${size} > sizeof ${v}`);
        }
      }
    });
  }
});
