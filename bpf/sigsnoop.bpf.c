// SPDX-License-Identifier: MIT
/*
 * sigsnoop: reports kill(2) calls with their result. The entry tracepoint stores the target and signal in
 * a hash keyed by thread id; the exit tracepoint takes them out, adds the return value and sends the event.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define TASK_COMM_LEN 16
#define MAX_ENTRIES 10240

struct signal_event {
	__u32 pid;
	__s32 target_pid;
	__s32 sig;
	__s32 ret;
	char comm[TASK_COMM_LEN];
};

/* Keeps `struct signal_event` in the object's BTF for the generated module. */
const struct signal_event *unused_signal_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct signal_event);
} in_flight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_kill")
int kill_entry(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct signal_event e = {};

	e.pid = id >> 32;
	e.target_pid = (__s32)ctx->args[0];
	e.sig = (__s32)ctx->args[1];
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	bpf_map_update_elem(&in_flight, &tid, &e, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_kill")
int kill_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct signal_event *stored = bpf_map_lookup_elem(&in_flight, &tid);
	if (!stored)
		return 0;
	struct signal_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		*e = *stored;
		e->ret = (__s32)ctx->ret;
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&in_flight, &tid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
