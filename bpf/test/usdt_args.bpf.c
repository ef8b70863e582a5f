// USDT fixture for test/link/usdt.test.ts, using bpf/include/usdt.bpf.h.
// `record` (generic): for every hit submits the usdt cookie, the tgid, bpf_usdt_arg_cnt() and all 12
// argument slots with their bpf_usdt_arg() return codes to the `events` ring buffer.
// `typed_ints` (BPF_USDT with typed parameters, for ebpfts:ints) stores the 7 arguments, cast back through
// their C types, and a hit count in `typed`.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "usdt.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct usdt_event {
  __u64 cookie;
  __u32 tgid;
  __s32 arg_cnt;
  __s64 args[EBPF_TS_USDT_MAX_ARGS];
  __s32 errs[EBPF_TS_USDT_MAX_ARGS];
};

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct typed_ints {
  __u64 hits;
  __s64 values[7];
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct typed_ints);
} typed SEC(".maps");

SEC("usdt")
int record(struct pt_regs *ctx) {
  struct usdt_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e)
    return 0;
  e->cookie = bpf_usdt_cookie(ctx);
  e->tgid = bpf_get_current_pid_tgid() >> 32;
  e->arg_cnt = bpf_usdt_arg_cnt(ctx);
  for (int i = 0; i < EBPF_TS_USDT_MAX_ARGS; i++) {
    long v;
    e->errs[i] = bpf_usdt_arg(ctx, i, &v);
    e->args[i] = v;
  }
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("usdt")
int BPF_USDT(typed_ints, __u8 a, __s16 b, __s32 c, __s64 d, __u32 e, __s8 f, int g) {
  __u32 zero = 0;
  struct typed_ints *t = bpf_map_lookup_elem(&typed, &zero);
  if (!t)
    return 0;
  __sync_fetch_and_add(&t->hits, 1);
  t->values[0] = a;
  t->values[1] = b;
  t->values[2] = c;
  t->values[3] = d;
  t->values[4] = e;
  t->values[5] = f;
  t->values[6] = g;
  return 0;
}
