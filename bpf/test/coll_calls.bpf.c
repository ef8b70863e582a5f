// Collection fixture: bpf-to-bpf calls. Static and global subprograms in .text, a call into a function
// of another program section, callbacks passed to bpf_loop and bpf_for_each_map_elem, and a tail call
// through a prog array whose slot 1 is filled statically. Programs return 0 on success, else the
// failing source line (tail_caller returns XDP_TX from tail_target).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return __LINE__;                                                                             \
  } while (0)

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} numbers SEC(".maps");

__u64 loop_sum;
__u64 each_sum;

static __noinline __u64 add_static(__u64 a, __u64 b) {
  return a + b + loop_sum * 0;
}

__noinline __u64 mul_global(__u64 a, __u64 b) {
  // A global function: the verifier checks it on its own, with its BTF signature.
  return a * b;
}

static __noinline __u64 nested(__u64 x) {
  return add_static(x, 1) + mul_global(x, 2);
}

static long loop_step(__u64 index, void *ctx) {
  loop_sum += index;
  return 0;
}

static long each_elem(void *map, __u32 *key, __u64 *value, void *ctx) {
  each_sum += *value;
  return 0;
}

SEC("syscall")
int calls_main(void *ctx) {
  CHECK(add_static(2, 3) == 5);
  CHECK(mul_global(4, 5) == 20);
  CHECK(nested(10) == 31);
  loop_sum = 0;
  CHECK(bpf_loop(5, loop_step, NULL, 0) == 5);
  CHECK(loop_sum == 10);
  each_sum = 0;
  bpf_for_each_map_elem(&numbers, each_elem, NULL, 0);
  CHECK(each_sum == 4 + 5 + 6 + 7);
  return 0;
}

// A program (global function of section "tc") that a program of another section calls.
SEC("tc")
__noinline int shared_tc(struct __sk_buff *skb) {
  return skb ? 7 : 8;
}

SEC("tc")
int tc_calls_shared(struct __sk_buff *skb) {
  return shared_tc(skb) == 7 ? 0 : __LINE__;
}

// Same program type, another section: the call crosses ELF sections.
SEC("classifier")
int classifier_calls_tc(struct __sk_buff *skb) {
  return shared_tc(skb) == 7 ? 0 : __LINE__;
}

SEC("xdp")
int tail_target(struct xdp_md *ctx) {
  return XDP_TX;
}

struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, 4);
  __uint(key_size, sizeof(__u32));
  __array(values, int(void *));
} jump_table SEC(".maps") = {
  .values = { [1] = (void *)&tail_target },
};

SEC("xdp")
int tail_caller(struct xdp_md *ctx) {
  bpf_tail_call(ctx, &jump_table, 1);
  return XDP_ABORTED;
}
