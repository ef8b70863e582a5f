// SPDX-License-Identifier: MIT
/* opensnoop: reports openat(2) calls (pid, comm, filename) through a ring buffer, optionally for one pid. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define TASK_COMM_LEN 16
#define NAME_LEN 256

/* Only report this process (tgid); 0 reports every process. Set from --pid before loading. */
const volatile __u32 pid_target = 0;

struct open_event {
	__u32 pid;
	__u32 tid;
	__s32 flags;
	char comm[TASK_COMM_LEN];
	char filename[NAME_LEN];
};

/* Keeps `struct open_event` in the object's BTF for the user-space decoder. */
const struct open_event *unused_open_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int trace_openat(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;

	if (pid_target && pid != pid_target)
		return 0;
	struct open_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->tid = (__u32)id;
	e->flags = (__s32)ctx->args[2];
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const void *)ctx->args[1]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
