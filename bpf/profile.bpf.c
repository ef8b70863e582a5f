// SPDX-License-Identifier: GPL-2.0
// profile: a perf_event program run by a cpu-clock sampling event on every CPU. Each sample records the
// interrupted task and the ids of its kernel and user stacks (kept in a STACK_TRACE map) in a ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_STACK_DEPTH 127

/* Only sample this process when non-zero (rewritten by user space before load). */
const volatile __u32 target_pid = 0;

struct profile_sample {
	__u32 pid;
	__u32 cpu;
	__s32 kernel_stack_id; /* negative: no kernel stack (user mode) or an error */
	__s32 user_stack_id;   /* negative: no user stack (kernel thread) or an error */
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, __u64[MAX_STACK_DEPTH]);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} samples SEC(".maps");

const struct profile_sample *unused_profile_sample __attribute__((unused));

SEC("perf_event")
int profile_cpu(struct bpf_perf_event_data *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	if (pid == 0)
		return 0; /* idle */
	if (target_pid != 0 && pid != target_pid)
		return 0;

	struct profile_sample *s = bpf_ringbuf_reserve(&samples, sizeof(*s), 0);
	if (!s)
		return 0;
	s->pid = pid;
	s->cpu = bpf_get_smp_processor_id();
	s->kernel_stack_id = bpf_get_stackid(ctx, &stacks, 0);
	s->user_stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	bpf_get_current_comm(s->comm, sizeof(s->comm));
	bpf_ringbuf_submit(s, 0);
	return 0;
}
