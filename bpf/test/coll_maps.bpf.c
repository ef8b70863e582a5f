// Collection fixture: BTF-defined maps. Map-in-map with an inner template and static contents, a map
// pinned by name, a bloom filter with map_extra (libbpf's __ulong encoding), flags, key/value by size.
// `read_inner` (XDP: sleepable syscall programs cannot use map-in-maps) returns 0 when outer[1] is inner_b and inner_b[0] holds the value the test wrote, else
// the failing source line.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return __LINE__;                                                                             \
  } while (0)

// libbpf >= 1.3 spells 64-bit definition fields as an enum value.
#define ___concat(a, b) a##b
#define __ulong_impl(name, val, n) enum { ___concat(__unique_value, n) = val } name
#define __ulong(name, val) __ulong_impl(name, val, __COUNTER__)

struct inner_map {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 3);
  __type(key, __u32);
  __array(values, struct inner_map);
} outer_array SEC(".maps") = {
  .values = { [0] = &inner_a, [1] = &inner_b },
};

struct {
  __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
  __uint(max_entries, 4);
  __type(key, __u32);
  __array(values, struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
  });
} outer_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16);
  __uint(key_size, 8);
  __uint(value_size, 16);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
  __uint(max_entries, 64);
  __type(value, __u32);
  __ulong(map_extra, 3);
} bloom SEC(".maps");

SEC("xdp")
int read_inner(struct xdp_md *ctx) {
  __u32 key = 1, zero = 0;
  void *inner = bpf_map_lookup_elem(&outer_array, &key);
  CHECK(inner);
  __u32 *value = bpf_map_lookup_elem(inner, &zero);
  CHECK(value);
  CHECK(*value == 4242);
  key = 2;
  CHECK(!bpf_map_lookup_elem(&outer_array, &key));
  __u64 pin_key = 1;
  bpf_map_lookup_elem(&pinned_hash, &pin_key);
  __u32 x = 5;
  bpf_map_push_elem(&bloom, &x, 0);
  key = 0;
  bpf_map_lookup_elem(&outer_hash, &key);
  return 0;
}
