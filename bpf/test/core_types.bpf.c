// CO-RE fixture: type and enumerator relocations. Local and kernel type IDs, type existence, size
// and matching (for kernel types, flavors that do and do not match, and a type no kernel has),
// enumerator existence and values (kernel enums, a flavored enum whose values differ from the
// kernel's, a missing enumerator behind an existence check).
// test/btf/core-oracle.test.ts compares our relocations with libbpf's on the running kernel.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 out[32];

// Matches the kernel's struct (a subset of its members with the same types).
struct list_head___subset {
  struct list_head___subset *next;
} __attribute__((preserve_access_index));

// Same name, but `next` is an int: exists, does not match.
struct list_head___wrong {
  int next;
} __attribute__((preserve_access_index));

// No kernel has this type.
struct no_such_type___x {
  int a;
};

// Kernel enum with different local values, one enumerator the kernel lacks.
enum pid_type___local {
  PIDTYPE_TGID___local = 7,
  PIDTYPE_MAX___local = 9,
  PIDTYPE_NONE___local = 42,
};

typedef struct task_struct task_alias___x;

SEC("tracepoint/syscalls/sys_enter_getppid")
int type_relos(void *ctx) {
  out[0] = bpf_core_type_id_local(struct task_struct);
  out[1] = bpf_core_type_id_kernel(struct task_struct);
  out[2] = bpf_core_type_exists(struct task_struct);
  out[3] = bpf_core_type_exists(struct no_such_type___x);
  out[4] = bpf_core_type_size(struct sk_buff);
  out[5] = bpf_core_type_size(struct list_head___subset);
  out[6] = bpf_core_type_matches(struct list_head___subset);
  out[7] = bpf_core_type_matches(struct list_head___wrong);
  out[8] = bpf_core_type_exists(struct list_head___wrong);
  out[9] = bpf_core_type_matches(struct no_such_type___x);
  out[10] = bpf_core_type_id_kernel(struct no_such_type___x);
  out[11] = bpf_core_type_size(enum pid_type);
  out[12] = bpf_core_type_exists(task_alias___x);
  out[13] = bpf_core_type_matches(struct task_struct);
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_gettid")
int enum_relos(void *ctx) {
  out[16] = bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_map_lookup_elem);
  out[17] = bpf_core_enum_value(enum bpf_func_id, BPF_FUNC_ktime_get_ns);
  out[18] = bpf_core_enum_value(enum pid_type, PIDTYPE_SID);
  out[19] = bpf_core_enum_value(enum pid_type___local, PIDTYPE_TGID___local);
  out[20] = bpf_core_enum_value(enum pid_type___local, PIDTYPE_MAX___local);
  out[21] = bpf_core_enum_value_exists(enum pid_type___local, PIDTYPE_NONE___local);
  if (bpf_core_enum_value_exists(enum pid_type___local, PIDTYPE_NONE___local))
    out[22] = bpf_core_enum_value(enum pid_type___local, PIDTYPE_NONE___local);
  out[23] = bpf_core_enum_value(enum skb_drop_reason, SKB_DROP_REASON_NOT_SPECIFIED);
  return 0;
}
