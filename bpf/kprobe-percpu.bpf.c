// SPDX-License-Identifier: MIT
/* kprobe-percpu: counts sys_execve calls per CPU in a PERCPU_ARRAY (each CPU adds to its own slot, no atomics). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} kprobe_map SEC(".maps");

/* The section names the generic symbol; user space adds the arch's syscall wrapper prefix (__x64_...). */
SEC("kprobe/sys_execve")
int kprobe_execve(struct pt_regs *ctx)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&kprobe_map, &key);
	if (count)
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
