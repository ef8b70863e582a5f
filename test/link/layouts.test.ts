/**
 * The link layer's own kernel struct layouts (`bpf_link_info` union members, `bpf_iter_link_info`) and enum
 * values, checked with gcc against the running kernel's definitions (vmlinux.h from its BTF).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CgroupAttachFlags } from '../../src/link/cgroup.js';
import { IterLinkInfoLayout } from '../../src/link/iter.js';
import { KPROBE_MULTI_RETURN } from '../../src/link/kprobe-multi.js';
import { LinkInfoOffsets, PerfEventLinkType } from '../../src/link/link-info-layout.js';
import { MprogFlags, XdpFlags } from '../../src/link/network.js';
import { UPROBE_MULTI_RETURN } from '../../src/link/uprobe-multi.js';
import { AttachFlags } from '../../src/syscall/uapi-enums.js';
import { evalCExpressions, kernelHasMember } from '../helpers/kernel-headers.js';
import { evalWithHeaders } from './c-oracle.js';

/** Key prefix → C member path (`perf_event_uprobe_file_name` → `perf_event.uprobe.file_name`); longest first. */
const PREFIXES: Array<[string, string]> = [
  ['perf_event_uprobe', 'perf_event.uprobe'],
  ['perf_event_kprobe', 'perf_event.kprobe'],
  ['perf_event_tracepoint', 'perf_event.tracepoint'],
  ['perf_event_event', 'perf_event.event'],
  ['perf_event', 'perf_event'],
  ['raw_tracepoint', 'raw_tracepoint'],
  ['kprobe_multi', 'kprobe_multi'],
  ['uprobe_multi', 'uprobe_multi'],
  ['struct_ops', 'struct_ops'],
  ['iter_task', 'iter.task'],
  ['iter_cgroup', 'iter.cgroup'],
  ['iter', 'iter'],
  ['tracing', 'tracing'],
  ['cgroup', 'cgroup'],
  ['netns', 'netns'],
  ['xdp', 'xdp'],
  ['netfilter', 'netfilter'],
  ['tcx', 'tcx'],
  ['netkit', 'netkit'],
  ['sockmap', 'sockmap'],
];

function memberPath(key: string): string {
  if (key === 'iter_map_id') return 'iter.map.map_id';
  if (key === 'iter_cgroup_id') return 'iter.cgroup.cgroup_id';
  for (const [prefix, path] of PREFIXES) {
    if (key.startsWith(`${prefix}_`)) return `${path}.${key.slice(prefix.length + 1)}`;
  }
  return key;
}

describe('bpf_link_info', () => {
  const keys = Object.keys(LinkInfoOffsets).filter((k) => k !== 'SIZE');
  it('maps keys to member paths as intended', () => {
    assert.equal(memberPath('perf_event_uprobe_file_name'), 'perf_event.uprobe.file_name');
    assert.equal(memberPath('perf_event_type'), 'perf_event.type');
    assert.equal(memberPath('iter_task_pid'), 'iter.task.pid');
    assert.equal(memberPath('kprobe_multi_count'), 'kprobe_multi.count');
    assert.equal(memberPath('prog_id'), 'prog_id');
  });

  it('every offset matches the running kernel (members it has; older kernels lack the newest)', (t) => {
    const present = keys.filter((k) => kernelHasMember('struct bpf_link_info', memberPath(k)));
    const absent = keys.filter((k) => !present.includes(k));
    if (absent.length > 0) t.diagnostic(`the kernel's bpf_link_info lacks ${absent.join(', ')}`);
    // what an older kernel lacks are the newest fields, never most of them: the lookup itself must work
    assert.ok(present.length >= keys.length * 0.75, `only ${present.length} of ${keys.length} members found`);
    const got = evalCExpressions([
      ...present.map((k) => `__builtin_offsetof(struct bpf_link_info, ${memberPath(k)})`),
      'sizeof(struct bpf_link_info)',
    ]);
    assert.deepEqual(
      Object.fromEntries(present.map((k, i) => [k, got[i]])),
      Object.fromEntries(present.map((k) => [k, BigInt(LinkInfoOffsets[k as keyof typeof LinkInfoOffsets])])),
    );
    const kernelSize = got[present.length] ?? -1n;
    if (absent.length === 0) assert.equal(kernelSize, BigInt(LinkInfoOffsets.SIZE));
    else assert.ok(kernelSize <= BigInt(LinkInfoOffsets.SIZE), `kernel size ${kernelSize}`);
  });

  it('perf event link types match enum bpf_perf_event_type', () => {
    const names = Object.keys(PerfEventLinkType);
    const got = evalCExpressions(names.map((n) => `BPF_PERF_EVENT_${n}`));
    assert.deepEqual(
      got,
      names.map((n) => BigInt(PerfEventLinkType[n as keyof typeof PerfEventLinkType])),
    );
  });
});

describe('bpf_iter_link_info and flags', () => {
  it('iter link info offsets match', () => {
    const paths: Record<string, string> = {
      map_fd: 'map.map_fd',
      cgroup_order: 'cgroup.order',
      cgroup_fd: 'cgroup.cgroup_fd',
      cgroup_id: 'cgroup.cgroup_id',
      task_tid: 'task.tid',
      task_pid: 'task.pid',
      task_pid_fd: 'task.pid_fd',
    };
    const keys = Object.keys(paths);
    const got = evalCExpressions([
      ...keys.map((k) => `__builtin_offsetof(union bpf_iter_link_info, ${paths[k]})`),
      'sizeof(union bpf_iter_link_info)',
    ]);
    assert.deepEqual(got, [
      ...keys.map((k) => BigInt(IterLinkInfoLayout[k as keyof typeof IterLinkInfoLayout])),
      BigInt(IterLinkInfoLayout.SIZE),
    ]);
  });

  it('multi-probe and mprog flags match', () => {
    const got = evalCExpressions(['BPF_F_KPROBE_MULTI_RETURN', 'BPF_F_UPROBE_MULTI_RETURN', 'BPF_F_LINK']);
    assert.deepEqual(got, [
      BigInt(KPROBE_MULTI_RETURN),
      BigInt(UPROBE_MULTI_RETURN),
      BigInt(MprogFlags.LINK),
    ]);
  });

  it('legacy attach and XDP flags match the UAPI headers', () => {
    const got = evalWithHeaders(
      ['linux/bpf.h', 'linux/if_link.h'],
      [
        'BPF_F_ALLOW_OVERRIDE',
        'BPF_F_ALLOW_MULTI',
        'BPF_F_REPLACE',
        'XDP_FLAGS_SKB_MODE',
        'XDP_FLAGS_DRV_MODE',
        'XDP_FLAGS_HW_MODE',
        'XDP_FLAGS_REPLACE',
      ],
    );
    assert.deepEqual(
      got,
      [
        CgroupAttachFlags.ALLOW_OVERRIDE,
        CgroupAttachFlags.ALLOW_MULTI,
        AttachFlags.REPLACE,
        XdpFlags.SKB_MODE,
        XdpFlags.DRV_MODE,
        XdpFlags.HW_MODE,
        XdpFlags.REPLACE,
      ].map(BigInt),
    );
    assert.equal(MprogFlags.REPLACE, AttachFlags.REPLACE);
  });
});
