// SPDX-License-Identifier: MIT
/*
 * ringbuffer: sends one `struct event` per execve through a BPF ring buffer. The cilium/ebpf example probes
 * sys_execve with a kprobe; this one uses the syscalls/sys_enter_execve tracepoint so it runs on kernels
 * without kprobes too.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define TASK_COMM_LEN 16
#define NAME_LEN 128

struct event {
	__u32 pid;
	__u32 uid;
	char comm[TASK_COMM_LEN];
	char filename[NAME_LEN];
};

/* Keeps `struct event` in the object's BTF for `ebpf-ts gen --type event`. */
const struct event *unused_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} events SEC(".maps");

SEC("tp/syscalls/sys_enter_execve")
int execve_entry(struct trace_event_raw_sys_enter *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const void *)ctx->args[0]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
