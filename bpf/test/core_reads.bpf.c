// CO-RE fixture: field relocations. Reads of task_struct, sk_buff and sock fields (through
// BPF_CORE_READ, i.e. ALU offsets, and directly in tp_btf programs, i.e. load offsets), array
// elements, bitfields, nested anonymous members, field sizes/existence/signedness, flavors, a load
// whose size changes, and a relocation that cannot resolve, guarded by an existence check.
// test/btf/core-oracle.test.ts compares our relocations with libbpf's on the running kernel.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 out[32];

// A flavor: matches task_struct by essential name, with a subset of its fields.
struct task_struct___flavor {
  int pid;
  int tgid;
  struct task_struct___flavor *real_parent;
} __attribute__((preserve_access_index));

// Declares `flags` wider than the kernel's `unsigned int`: the load shrinks to 4 bytes.
struct task_struct___wide {
  unsigned long flags;
} __attribute__((preserve_access_index));

// Bitfield flavor laid out differently from the kernel's (shifts and offsets change).
struct task_struct___bits {
  unsigned int pad : 5;
  unsigned int sched_reset_on_fork : 1;
} __attribute__((preserve_access_index));

// A small flavor of sk_buff: offsets change, pkt_type sits in a nested anonymous struct.
struct sk_buff___small {
  unsigned int len;
  struct {
    __u8 pad : 2;
    __u8 pkt_type : 3;
  };
} __attribute__((preserve_access_index));

// Fields no kernel has: their relocations cannot resolve.
struct task_struct___missing {
  int no_such_field;
} __attribute__((preserve_access_index));

SEC("tracepoint/syscalls/sys_enter_getpid")
int probe_reads(void *ctx) {
  struct task_struct *task = (void *)bpf_get_current_task();
  struct task_struct___flavor *flavor = (void *)task;
  struct task_struct___missing *missing = (void *)task;
  char c = 0;

  out[0] = BPF_CORE_READ(task, pid);
  out[1] = BPF_CORE_READ(task, real_parent, tgid);
  bpf_core_read(&c, 1, &task->comm[3]);
  out[2] = c;
  out[3] = bpf_core_field_size(task->comm);
  out[4] = bpf_core_field_offset(task->tgid);
  out[5] = bpf_core_field_exists(task->pid);
  out[6] = BPF_CORE_READ_BITFIELD_PROBED(task, sched_reset_on_fork);
  out[7] = BPF_CORE_READ(flavor, real_parent, pid);
  out[8] = __builtin_preserve_field_info(task->pid, BPF_FIELD_SIGNED);
  out[9] = __builtin_preserve_field_info(task->flags, BPF_FIELD_SIGNED);
  out[10] = bpf_core_field_exists(missing->no_such_field);
  out[27] = BPF_CORE_READ_BITFIELD_PROBED((struct task_struct___bits *)task, sched_reset_on_fork);
  if (bpf_core_field_exists(missing->no_such_field))
    out[11] = BPF_CORE_READ(missing, no_such_field);
  return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(direct_reads, bool preempt, struct task_struct *prev, struct task_struct *next) {
  struct task_struct___wide *wide = (void *)prev;
  struct task_struct___missing *missing = (void *)prev;

  out[12] = prev->pid;
  out[13] = next->tgid;
  out[14] = prev->comm[1];
  out[15] = wide->flags;
  out[16] = BPF_CORE_READ_BITFIELD(prev, sched_reset_on_fork);
  out[17] = prev->se.load.weight;
  if (bpf_core_field_exists(missing->no_such_field))
    out[18] = missing->no_such_field;
  return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(skb_reads, struct sk_buff *skb, void *location) {
  struct sock *sk = skb->sk;

  out[19] = skb->len;
  out[20] = BPF_CORE_READ_BITFIELD(skb, pkt_type);
  out[21] = skb->protocol;
  out[22] = bpf_core_field_offset(skb->pkt_type);
  out[23] = bpf_core_field_size(skb->cb);
  out[28] = ((struct sk_buff___small *)skb)->len;
  out[29] = BPF_CORE_READ_BITFIELD((struct sk_buff___small *)skb, pkt_type);
  if (sk) {
    out[24] = sk->__sk_common.skc_family;
    out[25] = sk->sk_protocol;
    out[26] = BPF_CORE_READ_BITFIELD(sk, sk_userlocks);
  }
  return 0;
}
