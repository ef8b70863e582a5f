// SPDX-License-Identifier: MIT
/*
 * kprobe-unlink: a kprobe on do_unlinkat(int dfd, struct filename *name) reads the path with CO-RE
 * (name->name) and keeps it by thread id; the kretprobe adds the return value and sends the event through
 * a ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define TASK_COMM_LEN 16
#define NAME_LEN 256

struct unlink_event {
	__u32 pid;
	__s32 ret;
	char comm[TASK_COMM_LEN];
	char filename[NAME_LEN];
};

/* Keeps `struct unlink_event` in the object's BTF for the generated module. */
const struct unlink_event *unused_unlink_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct unlink_event);
} in_flight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Too big for the stack next to the rest: the entry is built in a per-CPU slot, then copied to the hash. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unlink_event);
} scratch SEC(".maps");

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(do_unlinkat_entry, int dfd, struct filename *name)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u32 zero = 0;
	struct unlink_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	e->pid = id >> 32;
	e->ret = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	const char *path = BPF_CORE_READ(name, name);
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), path);
	bpf_map_update_elem(&in_flight, &tid, e, BPF_ANY);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(do_unlinkat_exit, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct unlink_event *stored = bpf_map_lookup_elem(&in_flight, &tid);
	if (!stored)
		return 0;
	struct unlink_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		__builtin_memcpy(e, stored, sizeof(*e));
		e->ret = (__s32)ret;
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&in_flight, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
