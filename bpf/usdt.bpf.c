// SPDX-License-Identifier: GPL-2.0
// usdt (the javagc lesson): times garbage collections through the HotSpot USDT probes hotspot:gc__begin
// (argument: whether the collection is full) and hotspot:gc__end, per thread, and submits one record per
// completed collection to a ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "usdt.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct gc_start {
	__u64 start_ns;
	__u32 full;
};

struct gc_event {
	__u32 pid;
	__u32 tid;
	__u32 cpu;
	__u32 full;
	__u64 duration_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32); /* thread id */
	__type(value, struct gc_start);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct gc_event *unused_gc_event __attribute__((unused));

SEC("usdt")
int BPF_USDT(gc_begin, long full)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct gc_start s = { .start_ns = bpf_ktime_get_ns(), .full = full != 0 };
	bpf_map_update_elem(&starts, &tid, &s, BPF_ANY);
	return 0;
}

SEC("usdt")
int BPF_USDT(gc_end)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct gc_start *s = bpf_map_lookup_elem(&starts, &tid);
	if (!s)
		return 0; /* began before we attached */
	struct gc_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = id >> 32;
		e->tid = tid;
		e->cpu = bpf_get_smp_processor_id();
		e->full = s->full;
		e->duration_ns = bpf_ktime_get_ns() - s->start_ns;
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&starts, &tid);
	return 0;
}
