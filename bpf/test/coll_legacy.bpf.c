// Collection fixture: legacy map definitions (libbpf's old `struct bpf_map_def` in the `maps` section)
// used by a syscall program that counts its runs in `legacy_counts[0]`; returns 0 or the failing line.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct bpf_map_def {
  unsigned int type;
  unsigned int key_size;
  unsigned int value_size;
  unsigned int max_entries;
  unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_counts = {
  .type = BPF_MAP_TYPE_ARRAY,
  .key_size = sizeof(__u32),
  .value_size = sizeof(__u64),
  .max_entries = 2,
};

struct bpf_map_def SEC("maps") legacy_hash = {
  .type = BPF_MAP_TYPE_HASH,
  .key_size = sizeof(__u32),
  .value_size = sizeof(__u32),
  .max_entries = 8,
  .map_flags = BPF_F_NO_PREALLOC,
};

SEC("syscall")
int count_runs(void *ctx) {
  __u32 key = 0, one = 1;
  __u64 *count = bpf_map_lookup_elem(&legacy_counts, &key);
  if (!count)
    return __LINE__;
  __sync_fetch_and_add(count, 1);
  bpf_map_update_elem(&legacy_hash, &key, &one, BPF_ANY);
  return 0;
}
