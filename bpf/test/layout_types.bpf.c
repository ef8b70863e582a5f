// Layout fixture for the BTF codecs and `ebpf-ts gen`: the structs of layout_types.h as map keys and
// values, a ring buffer of struct lt_event, .data samples of every struct (clang lays them out for the
// object's byte order; tests decode them), a .rodata config and a .bss counter, and one program.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "layout_types.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, struct lt_nested);
  __type(value, struct lt_arrays);
} lt_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, struct lt_bits);
} lt_array SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, 16);
  __type(key, struct lt_with_union);
  __type(value, __u64);
} lt_percpu SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 8);
  __type(key, lt_typedef_t);
  __type(value, struct lt_name_clash);
} lt_clash_a SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct LtNameClash);
} lt_clash_b SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4096);
} lt_events SEC(".maps");

struct lt_scalars lt_scalars_sample = LT_SCALARS_SAMPLE;
struct lt_padding lt_padding_sample = LT_PADDING_SAMPLE;
struct lt_nested lt_nested_sample = LT_NESTED_SAMPLE;
struct lt_with_union lt_with_union_sample = LT_WITH_UNION_SAMPLE;
struct lt_bits lt_bits_sample = LT_BITS_SAMPLE;
struct lt_packed lt_packed_sample = LT_PACKED_SAMPLE;
struct lt_arrays lt_arrays_sample = LT_ARRAYS_SAMPLE;
struct lt_enums lt_enums_sample = LT_ENUMS_SAMPLE;
struct lt_anon lt_anon_sample = LT_ANON_SAMPLE;
lt_typedef_t lt_typedef_sample = LT_TYPEDEF_SAMPLE;
struct lt_event lt_event_sample = LT_EVENT_SAMPLE;

const volatile __u32 lt_target_pid = 0;
const volatile enum lt_state lt_min_state = LT_STATE_RUNNING;
__u64 lt_seen = 0;

SEC("tracepoint/syscalls/sys_enter_getpid")
int lt_on_getpid(void *ctx) {
  __u64 id = bpf_get_current_pid_tgid();
  __u32 pid = (__u32)id;
  if (lt_target_pid != 0 && pid != lt_target_pid) return 0;
  __sync_fetch_and_add(&lt_seen, 1);
  struct lt_event *e = bpf_ringbuf_reserve(&lt_events, sizeof(*e), 0);
  if (!e) return 0;
  __builtin_memset(e, 0, sizeof(*e));
  e->pid = pid;
  e->tgid = id >> 32;
  e->ts = bpf_ktime_get_ns();
  bpf_get_current_comm(e->comm, sizeof(e->comm));
  e->state = lt_min_state;
  bpf_ringbuf_submit(e, 0);
  __u32 zero = 0;
  struct lt_bits *bits = bpf_map_lookup_elem(&lt_array, &zero);
  if (bits) bits->a = 1;
  return 0;
}
