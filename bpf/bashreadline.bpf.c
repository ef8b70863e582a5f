// SPDX-License-Identifier: MIT
/*
 * bashreadline: the section name says where to attach (a uretprobe on readline in /bin/bash), so user space
 * attaches it with attachFromSection. Sends pid, comm and the returned line through a ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define TASK_COMM_LEN 16
#define MAX_LINE_SIZE 80

struct line_event {
	__u32 pid;
	char comm[TASK_COMM_LEN];
	char line[MAX_LINE_SIZE];
};

/* Keeps `struct line_event` in the object's BTF for the generated module. */
const struct line_event *unused_line_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

SEC("uretprobe//bin/bash:readline")
/* BPF_KRETPROBE reads the return register; this libbpf has no BPF_URETPROBE alias (same code). */
int BPF_KRETPROBE(printret, const void *ret)
{
	if (!ret)
		return 0;
	struct line_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(e->line, sizeof(e->line), ret);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
