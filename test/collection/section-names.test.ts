import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { needsAttachBtf, parseSectionName } from '../../src/collection/section-names.js';
import { AttachType as A, ProgramType as P } from '../../src/syscall/uapi-enums.js';

const TYPE_CASES: Array<[string, number, number | undefined]> = [
  ['socket', P.SOCKET_FILTER, undefined],
  ['kprobe/do_unlinkat', P.KPROBE, undefined],
  ['kretprobe/do_unlinkat', P.KPROBE, undefined],
  ['kprobe', P.KPROBE, undefined],
  ['uprobe//bin/bash:readline', P.KPROBE, undefined],
  ['uretprobe.s//usr/lib/libssl.so.3:SSL_read', P.KPROBE, undefined],
  ['kprobe.multi/tcp_*', P.KPROBE, A.TRACE_KPROBE_MULTI],
  ['uprobe.multi//bin/bash:read*', P.KPROBE, A.TRACE_UPROBE_MULTI],
  ['ksyscall/execve', P.KPROBE, undefined],
  ['usdt/libc.so.6:libc:setjmp', P.KPROBE, undefined],
  ['tc', P.SCHED_CLS, undefined],
  ['tcx/ingress', P.SCHED_CLS, A.TCX_INGRESS],
  ['tc/egress', P.SCHED_CLS, A.TCX_EGRESS],
  ['classifier', P.SCHED_CLS, undefined],
  ['tracepoint/syscalls/sys_enter_openat', P.TRACEPOINT, undefined],
  ['tp/kmem/mm_page_alloc', P.TRACEPOINT, undefined],
  ['raw_tp/sched_switch', P.RAW_TRACEPOINT, undefined],
  ['raw_tracepoint.w/bpf_test_finish', P.RAW_TRACEPOINT_WRITABLE, undefined],
  ['tp_btf/sched_switch', P.TRACING, A.TRACE_RAW_TP],
  ['fentry/tcp_connect', P.TRACING, A.TRACE_FENTRY],
  ['fexit/do_unlinkat', P.TRACING, A.TRACE_FEXIT],
  ['fmod_ret/security_file_open', P.TRACING, A.MODIFY_RETURN],
  ['fentry.s/do_sys_open', P.TRACING, A.TRACE_FENTRY],
  ['freplace/handler', P.EXT, undefined],
  ['lsm/socket_connect', P.LSM, A.LSM_MAC],
  ['lsm_cgroup/socket_bind', P.LSM, A.LSM_CGROUP],
  ['iter/task', P.TRACING, A.TRACE_ITER],
  ['syscall', P.SYSCALL, undefined],
  ['xdp', P.XDP, A.XDP],
  ['xdp.frags', P.XDP, A.XDP],
  ['xdp/devmap', P.XDP, A.XDP_DEVMAP],
  ['perf_event', P.PERF_EVENT, undefined],
  ['sockops', P.SOCK_OPS, A.CGROUP_SOCK_OPS],
  ['sk_skb/stream_verdict', P.SK_SKB, A.SK_SKB_STREAM_VERDICT],
  ['sk_msg', P.SK_MSG, A.SK_MSG_VERDICT],
  ['cgroup_skb/egress', P.CGROUP_SKB, A.CGROUP_INET_EGRESS],
  ['cgroup_skb/ingress', P.CGROUP_SKB, A.CGROUP_INET_INGRESS],
  ['cgroup/connect4', P.CGROUP_SOCK_ADDR, A.CGROUP_INET4_CONNECT],
  ['cgroup/sock', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_CREATE],
  ['cgroup/sock_release', P.CGROUP_SOCK, A.CGROUP_INET_SOCK_RELEASE],
  ['cgroup/dev', P.CGROUP_DEVICE, A.CGROUP_DEVICE],
  ['cgroup/getsockopt', P.CGROUP_SOCKOPT, A.CGROUP_GETSOCKOPT],
  ['sk_lookup', P.SK_LOOKUP, A.SK_LOOKUP],
  ['netfilter', P.NETFILTER, A.NETFILTER],
  ['struct_ops/test_1', P.STRUCT_OPS, undefined],
];

describe('parseSectionName', () => {
  for (const [section, type, attach] of TYPE_CASES) {
    it(`${section} → type ${type}, attach ${attach}`, () => {
      const info = parseSectionName(section);
      assert.equal(info.programType, type);
      assert.equal(info.expectedAttachType, attach);
    });
  }

  it('unknown or malformed names give an unspecified program, not an error', () => {
    for (const s of ['.text', 'foo', 'kprobex/bar', 'xdpfoo', 'tracepointfoo/a/b', '']) {
      const info = parseSectionName(s);
      assert.equal(info.programType, P.UNSPEC, s);
      assert.equal(info.definition, undefined);
    }
  });

  it('? turns autoload off; .s marks sleepable; .frags marks xdp frags', () => {
    assert.equal(parseSectionName('?tp/a/b').autoload, false);
    assert.equal(parseSectionName('?tp/a/b').programType, P.TRACEPOINT);
    assert.equal(parseSectionName('tp/a/b').autoload, true);
    assert.equal(parseSectionName('lsm.s/bprm_committed_creds').sleepable, true);
    assert.equal(parseSectionName('syscall').sleepable, true);
    assert.equal(parseSectionName('xdp.frags').xdpFrags, true);
  });

  it('parses attach targets', () => {
    assert.deepEqual(parseSectionName('tracepoint/syscalls/sys_enter_openat').attach, {
      kind: 'tracepoint',
      group: 'syscalls',
      name: 'sys_enter_openat',
    });
    assert.deepEqual(parseSectionName('kprobe/do_sys_open+0x10').attach, {
      kind: 'kprobe',
      function: 'do_sys_open',
      offset: 16,
      retprobe: false,
    });
    assert.deepEqual(parseSectionName('kretprobe/do_unlinkat').attach, {
      kind: 'kprobe',
      function: 'do_unlinkat',
      offset: 0,
      retprobe: true,
    });
    assert.deepEqual(parseSectionName('uretprobe//bin/bash:readline').attach, {
      kind: 'uprobe',
      path: '/bin/bash',
      func: 'readline',
      offset: 0,
      retprobe: true,
    });
    assert.deepEqual(parseSectionName('uprobe/libc.so.6:malloc+8').attach, {
      kind: 'uprobe',
      path: 'libc.so.6',
      func: 'malloc',
      offset: 8,
      retprobe: false,
    });
    assert.deepEqual(parseSectionName('uprobe//bin/true:0x1234').attach, {
      kind: 'uprobe',
      path: '/bin/true',
      func: undefined,
      offset: 0x1234,
      retprobe: false,
    });
    assert.deepEqual(parseSectionName('usdt/libc.so.6:libc:setjmp').attach, {
      kind: 'usdt',
      path: 'libc.so.6',
      provider: 'libc',
      name: 'setjmp',
    });
    assert.deepEqual(parseSectionName('ksyscall/execve').attach, {
      kind: 'ksyscall',
      syscall: 'execve',
      retprobe: false,
    });
    assert.deepEqual(parseSectionName('kretsyscall/execve').attach, {
      kind: 'ksyscall',
      syscall: 'execve',
      retprobe: true,
    });
    assert.deepEqual(parseSectionName('raw_tp/sched_switch').attach, {
      kind: 'raw-tracepoint',
      name: 'sched_switch',
    });
    assert.deepEqual(parseSectionName('fentry/tcp_connect').attach, { kind: 'btf', name: 'tcp_connect' });
    assert.deepEqual(parseSectionName('iter/task').attach, { kind: 'iter', name: 'task' });
    assert.deepEqual(parseSectionName('kprobe.multi/tcp_*').attach, {
      kind: 'kprobe-multi',
      pattern: 'tcp_*',
      retprobe: false,
      session: false,
    });
    assert.deepEqual(parseSectionName('uretprobe.multi//bin/bash:read*').attach, {
      kind: 'uprobe-multi',
      path: '/bin/bash',
      pattern: 'read*',
      retprobe: true,
      session: false,
    });
  });

  it('sections without a complete target have no attach info', () => {
    for (const s of ['kprobe', 'uprobe', 'tp/syscalls', 'usdt/a:b', 'fentry', 'raw_tp']) {
      assert.equal(parseSectionName(s).attach, undefined, s);
    }
  });

  it('knows which programs need an attach BTF id', () => {
    assert.equal(needsAttachBtf(parseSectionName('fentry/x')), true);
    assert.equal(needsAttachBtf(parseSectionName('tp_btf/x')), true);
    assert.equal(needsAttachBtf(parseSectionName('iter/task')), true);
    assert.equal(needsAttachBtf(parseSectionName('tp/a/b')), false);
    assert.equal(needsAttachBtf(parseSectionName('xdp')), false);
  });
});
