import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttachType, BpfCmd, LinkType, MapType, ProgramType } from '../../src/syscall/uapi-enums.js';
import { evalCExpressions, kernelEnumerators } from '../helpers/kernel-headers.js';

const CASES = [
  { name: 'bpf_cmd', values: BpfCmd, cName: (k: string) => `BPF_${k}`, max: '__MAX_BPF_CMD' },
  {
    name: 'bpf_map_type',
    values: MapType,
    cName: (k: string) => `BPF_MAP_TYPE_${k}`,
    max: '__MAX_BPF_MAP_TYPE',
  },
  {
    name: 'bpf_prog_type',
    values: ProgramType,
    cName: (k: string) => `BPF_PROG_TYPE_${k}`,
    max: '__MAX_BPF_PROG_TYPE',
  },
  {
    name: 'bpf_attach_type',
    values: AttachType,
    cName: (k: string) => `BPF_${k}`,
    max: '__MAX_BPF_ATTACH_TYPE',
  },
  {
    name: 'bpf_link_type',
    values: LinkType,
    cName: (k: string) => `BPF_LINK_TYPE_${k}`,
    max: '__MAX_BPF_LINK_TYPE',
  },
];

describe('UAPI enums equal the running kernel (vmlinux.h from its BTF)', () => {
  // Only the names the running kernel has: an older kernel (the kernel-matrix guests) lacks the newest ones.
  const present = CASES.map((c) => {
    const kernel = kernelEnumerators(c.name);
    return Object.entries(c.values).filter(([k]) => kernel.has(c.cName(k)));
  });
  const exprs = CASES.flatMap((c, n) => [...(present[n] ?? []).map(([k]) => c.cName(k)), c.max]);
  const values = evalCExpressions(exprs);
  let i = 0;
  for (const [n, c] of CASES.entries()) {
    const start = i;
    const ours = present[n] ?? [];
    i += ours.length + 1;
    it(`${c.name}: every value matches and none is missing`, (t) => {
      for (const [j, [k, v]] of ours.entries()) assert.equal(v, Number(values[start + j]), `${c.cName(k)}`);
      const kernelMax = Number(values[start + ours.length]);
      const covered = new Set<number>(ours.map(([, v]) => v));
      for (let v = 0; v < kernelMax; v++)
        assert.ok(covered.has(v), `${c.name} value ${v} has no name in ebpf-ts`);
      // what the kernel lacks must be newer than everything it has
      const newer = Object.entries(c.values).filter(([k]) => !ours.some(([o]) => o === k));
      if (newer.length > 0) t.diagnostic(`newer than this kernel: ${newer.map(([k]) => k).join(' ')}`);
      for (const [k, v] of newer)
        assert.ok(v >= kernelMax, `${c.cName(k)} = ${v} is missing from the kernel`);
    });
  }
});
