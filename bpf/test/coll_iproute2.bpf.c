// Collection fixture: iproute2's `struct bpf_elf_map` definitions in the `maps` section (pinning in the
// global namespace, and a map-in-map whose inner map names the outer one with inner_id/inner_idx).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct bpf_elf_map {
  __u32 type;
  __u32 size_key;
  __u32 size_value;
  __u32 max_elem;
  __u32 flags;
  __u32 id;
  __u32 pinning;
  __u32 inner_id;
  __u32 inner_idx;
};

#define PIN_GLOBAL_NS 2

struct bpf_elf_map SEC("maps") tc_counts = {
  .type = BPF_MAP_TYPE_ARRAY,
  .size_key = sizeof(__u32),
  .size_value = sizeof(__u64),
  .max_elem = 4,
  .pinning = PIN_GLOBAL_NS,
};

struct bpf_elf_map SEC("maps") tc_outer = {
  .type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
  .size_key = sizeof(__u32),
  .size_value = sizeof(__u32),
  .max_elem = 2,
  .id = 7,
};

struct bpf_elf_map SEC("maps") tc_inner = {
  .type = BPF_MAP_TYPE_ARRAY,
  .size_key = sizeof(__u32),
  .size_value = sizeof(__u32),
  .max_elem = 1,
  .inner_id = 7,
  .inner_idx = 1,
};

SEC("classifier")
int tc_count(struct __sk_buff *skb) {
  __u32 key = 0;
  __u64 *count = bpf_map_lookup_elem(&tc_counts, &key);
  if (count)
    __sync_fetch_and_add(count, 1);
  return bpf_map_lookup_elem(&tc_outer, &key) ? 1 : 0;
}
