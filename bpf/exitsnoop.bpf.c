// SPDX-License-Identifier: GPL-2.0
// exitsnoop: one ring buffer record per process exit (thread-group leaders only) with its pid, parent pid,
// command, exit code and how long the process lived.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct exit_event {
	__u32 pid;
	__u32 ppid;
	__s32 exit_code;
	__u32 signal;
	__u64 duration_ns;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

// Puts the event type into the object's BTF so `ebpf-ts gen` can generate its decoder.
const struct exit_event *unused_exit_event __attribute__((unused));

SEC("tp/sched/sched_process_exit")
int handle_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = (__u32)id;
	if (pid != tid)
		return 0; /* a thread, not the process */

	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct exit_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	int code = BPF_CORE_READ(task, exit_code);
	e->pid = pid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->exit_code = (code >> 8) & 0xff;
	e->signal = code & 0x7f;
	e->duration_ns = bpf_ktime_get_ns() - BPF_CORE_READ(task, start_time);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
