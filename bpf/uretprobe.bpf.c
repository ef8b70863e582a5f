// SPDX-License-Identifier: MIT
/* uretprobe: on return from bash's readline(), sends the pid and the returned line through a perf event array. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define LINE_LEN 80

struct readline_event {
	__u32 pid;
	char line[LINE_LEN];
};

/* Keeps `struct readline_event` in the object's BTF for the generated module. */
const struct readline_event *unused_readline_event __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

SEC("uretprobe/bash_readline")
int uretprobe_readline(struct pt_regs *ctx)
{
	struct readline_event e = {};
	const char *line = (const char *)PT_REGS_RC(ctx);

	if (!line)
		return 0;
	e.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_probe_read_user_str(e.line, sizeof(e.line), line);
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
