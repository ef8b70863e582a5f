// A small object exercising the ELF features the reader must handle: several program
// sections, BTF-defined maps, global data (.data/.bss/.rodata), relocations and subprograms.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 128);
  __type(key, __u32);
  __type(value, __u64);
} counts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u32);
} settings SEC(".maps");

volatile const __u32 filter_pid = 0;
__u64 total_events = 0;
__u32 last_cpu = 7;

static __noinline __u64 bump(__u32 key) {
  __u64 one = 1, *v = bpf_map_lookup_elem(&counts, &key);
  if (v) {
    __sync_fetch_and_add(v, 1);
    return *v;
  }
  bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
  return 1;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(void *ctx) {
  __u32 pid = bpf_get_current_pid_tgid() >> 32;
  if (filter_pid && pid != filter_pid) return 0;
  total_events += bump(pid);
  last_cpu = bpf_get_smp_processor_id();
  return 0;
}

SEC("xdp")
int pass_all(struct xdp_md *ctx) {
  __u32 k = 0, *mode = bpf_map_lookup_elem(&settings, &k);
  if (mode && *mode == 1) return XDP_DROP;
  bump(k);
  return XDP_PASS;
}
