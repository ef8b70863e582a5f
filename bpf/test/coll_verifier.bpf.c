// Collection fixture: programs the verifier rejects, in `?` sections (not loaded unless asked for).
// `null_deref` dereferences a map lookup without a NULL check (the error points at its source line);
// `core_unguarded` reads a field no kernel has (its CO-RE relocation is poisoned). `fine` loads.
// `dump_task` and `enter_unlinkat` need their attach target's kernel BTF id.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} values SEC(".maps");

struct task_struct___missing {
  int ebpf_ts_no_such_field;
} __attribute__((preserve_access_index));

SEC("?syscall")
int null_deref(void *ctx) {
  __u32 key = 0;
  __u64 *value = bpf_map_lookup_elem(&values, &key);
  return *value == 42; /* null_deref: unchecked lookup */
}

SEC("?syscall")
int core_unguarded(void *ctx) {
  struct task_struct___missing *task = (void *)bpf_get_current_task();
  return BPF_CORE_READ(task, ebpf_ts_no_such_field);
}

SEC("syscall")
int fine(void *ctx) {
  __u32 key = 0;
  return bpf_map_lookup_elem(&values, &key) ? 1 : 0;
}

// Attach targets resolved from the kernel BTF at load: bpf_iter_task and do_unlinkat.
SEC("?iter/task")
int dump_task(void *ctx) {
  return 0;
}

SEC("?fentry/do_unlinkat")
int enter_unlinkat(void *ctx) {
  return 0;
}
