// Benchmark fixture for bench/collection-load.ts: ten programs of types that load on the CI kernel
// without an attach target (tracepoint, raw_tp, xdp), each with several CO-RE relocations against
// task_struct, sock and sk_buff (BPF_CORE_READ chains, field existence, type sizes), two maps and
// global data (.bss, .data, .rodata). Only opened and loaded by the benchmark, never attached.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct event_stats {
  __u64 count;
  __u64 last_value;
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1024);
  __type(key, __u32);
  __type(value, struct event_stats);
} stats_by_pid SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} counters SEC(".maps");

const volatile __u32 target_tgid = 0;
const volatile __u32 min_len = 0;
__u64 total_events = 0;
__u64 last_seen = 1;

static __always_inline void bump(__u32 slot, __u32 pid, __u64 value) {
  __u64 *c = bpf_map_lookup_elem(&counters, &slot);
  if (c) __sync_fetch_and_add(c, 1);
  struct event_stats *s = bpf_map_lookup_elem(&stats_by_pid, &pid);
  if (s) {
    s->count++;
    s->last_value = value;
  } else {
    struct event_stats init = {.count = 1, .last_value = value};
    bpf_map_update_elem(&stats_by_pid, &pid, &init, BPF_ANY);
  }
  total_events++;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int tp_execve(void *ctx) {
  struct task_struct *task = (void *)bpf_get_current_task();
  __u32 tgid = BPF_CORE_READ(task, tgid);
  if (target_tgid && tgid != target_tgid) return 0;
  __u32 ppid = BPF_CORE_READ(task, real_parent, tgid);
  __u32 uid = BPF_CORE_READ(task, cred, uid.val);
  __u64 start = BPF_CORE_READ(task, start_time);
  bump(0, BPF_CORE_READ(task, pid), ppid + uid + start);
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tp_openat(void *ctx) {
  struct task_struct *task = (void *)bpf_get_current_task();
  __u64 vm = BPF_CORE_READ(task, mm, total_vm);
  __u32 flags = BPF_CORE_READ(task, flags);
  __u32 nr_files = BPF_CORE_READ(task, files, next_fd);
  bump(1, BPF_CORE_READ(task, pid), vm + flags + nr_files);
  return 0;
}

SEC("tracepoint/sched/sched_process_exit")
int tp_exit(void *ctx) {
  struct task_struct *task = (void *)bpf_get_current_task();
  __u32 code = BPF_CORE_READ(task, exit_code);
  __u32 sig = BPF_CORE_READ(task, signal, group_exit_code);
  __u32 parent = BPF_CORE_READ(task, real_parent, pid);
  bump(2, BPF_CORE_READ(task, tgid), code + sig + parent);
  return 0;
}

SEC("tracepoint/sched/sched_switch")
int tp_switch(void *ctx) {
  struct task_struct *task = (void *)bpf_get_current_task();
  __u64 nvcsw = BPF_CORE_READ(task, nvcsw);
  __u64 nivcsw = BPF_CORE_READ(task, nivcsw);
  __u32 prio = BPF_CORE_READ(task, prio);
  __u32 cpu = BPF_CORE_READ(task, thread_info.cpu);
  bump(3, BPF_CORE_READ(task, pid), nvcsw + nivcsw + prio + cpu);
  return 0;
}

SEC("raw_tp/sched_process_fork")
int raw_fork(struct bpf_raw_tracepoint_args *ctx) {
  struct task_struct *parent = (void *)ctx->args[0];
  struct task_struct *child = (void *)ctx->args[1];
  __u32 ppid = BPF_CORE_READ(parent, tgid);
  __u32 cpid = BPF_CORE_READ(child, pid);
  __u32 pns = BPF_CORE_READ(parent, nsproxy, pid_ns_for_children, level);
  char comm[16];
  BPF_CORE_READ_STR_INTO(&comm, child, comm);
  bump(4, cpid, ppid + pns + comm[0]);
  return 0;
}

SEC("raw_tp/net_dev_queue")
int raw_dev_queue(struct bpf_raw_tracepoint_args *ctx) {
  struct sk_buff *skb = (void *)ctx->args[0];
  __u32 len = BPF_CORE_READ(skb, len);
  if (len < min_len) return 0;
  __u32 ifindex = BPF_CORE_READ(skb, dev, ifindex);
  __u16 family = BPF_CORE_READ(skb, sk, __sk_common.skc_family);
  __u16 proto = BPF_CORE_READ(skb, protocol);
  __u32 mark = BPF_CORE_READ(skb, mark);
  bump(5, ifindex, len + family + proto + mark);
  return 0;
}

SEC("raw_tp/inet_sock_set_state")
int raw_sock_state(struct bpf_raw_tracepoint_args *ctx) {
  struct sock *sk = (void *)ctx->args[0];
  __u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
  __u16 dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
  __u16 sport = BPF_CORE_READ(sk, __sk_common.skc_num);
  __u32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
  __u32 sndbuf = BPF_CORE_READ(sk, sk_sndbuf);
  __u16 proto = BPF_CORE_READ(sk, sk_protocol);
  bump(6, sport, family + dport + daddr + sndbuf + proto);
  return 0;
}

SEC("raw_tp/kfree_skb")
int raw_kfree_skb(struct bpf_raw_tracepoint_args *ctx) {
  struct sk_buff *skb = (void *)ctx->args[0];
  __u32 len = BPF_CORE_READ(skb, len);
  __u32 rcv_wnd = BPF_CORE_READ(skb, sk, sk_rcvbuf);
  __u32 owner = BPF_CORE_READ(skb, sk, sk_socket, file, f_inode, i_ino);
  __u32 mtu = BPF_CORE_READ(skb, dev, mtu);
  bump(7, len, rcv_wnd + owner + mtu);
  return 0;
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  __u32 len = data_end - data;
  __u32 skb_size = bpf_core_type_size(struct sk_buff);
  __u32 sock_size = bpf_core_type_size(struct sock);
  __u32 has_mark = bpf_core_field_exists(struct sk_buff, mark);
  __u32 off = bpf_core_field_offset(struct sk_buff, len);
  bump(8, ctx->ingress_ifindex, len + skb_size + sock_size + has_mark + off);
  last_seen = len;
  return XDP_PASS;
}

SEC("xdp")
int xdp_filter(struct xdp_md *ctx) {
  void *data = (void *)(long)ctx->data;
  void *data_end = (void *)(long)ctx->data_end;
  __u32 len = data_end - data;
  __u32 task_size = bpf_core_type_size(struct task_struct);
  __u32 has_pid = bpf_core_field_exists(struct task_struct, pid);
  __u32 has_family = bpf_core_field_exists(struct sock, __sk_common.skc_family);
  __u32 xdp_pass = bpf_core_enum_value(enum xdp_action, XDP_PASS);
  bump(9, ctx->rx_queue_index, len + task_size + has_pid + has_family);
  if (len < min_len) return XDP_DROP;
  return xdp_pass;
}
