// Collection fixture: global data. .data, .bss, .rodata and custom .data.*/.rodata.* sections become
// ARRAY maps; the syscall program `globals_roundtrip` checks values written before load and writes
// results that the test reads back. It returns 0 on success, else the failing source line.
// `rodata_prunes` only verifies because .rodata is frozen before verification (dead branch).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return __LINE__;                                                                             \
  } while (0)

struct config {
  __u32 magic;
  __u16 small;
  __s8 negative;
  __u8 flag;
  __u64 big;
};

volatile const __u32 const_u32 = 7;
volatile const __s64 const_s64 = -5;
volatile const struct config const_cfg = { .magic = 0xfeed, .small = 3, .negative = -2, .flag = 1, .big = 1ULL << 40 };
volatile const __u32 enable_bad_code = 0;

__u64 data_counter = 100;
__u32 data_array[4] = { 1, 2, 3, 4 };
__u64 bss_result;
__u32 bss_seen_const;
static volatile __u32 static_bss;

__u32 custom_data SEC(".data.custom") = 11;
volatile const __u32 custom_rodata SEC(".rodata.custom") = 22;

SEC("syscall")
int globals_roundtrip(void *ctx) {
  CHECK(const_cfg.magic == 0xfeed || const_cfg.magic == 0xbeef);
  bss_seen_const = const_u32;
  bss_result = (__u64)const_s64 + const_cfg.big + const_cfg.negative;
  data_counter += 1;
  for (int i = 0; i < 4; i++)
    data_array[i] *= 10;
  custom_data += custom_rodata;
  static_bss = 5;
  CHECK(static_bss == 5);
  return 0;
}

SEC("syscall")
int rodata_prunes(void *ctx) {
  if (enable_bad_code) {
    // Reachable only if the verifier cannot see that enable_bad_code is 0.
    *(volatile __u32 *)(long)const_u32 = 1;
  }
  return 0;
}
