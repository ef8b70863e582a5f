// SPDX-License-Identifier: MIT
/*
 * kprobepin: counts sys_execve calls like kprobe.bpf.c, in a map pinned by name (LIBBPF_PIN_BY_NAME) so
 * other tools can read it at <pin path>/kprobe_map while the example runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kprobe_map SEC(".maps");

SEC("kprobe/sys_execve")
int kprobe_execve(struct pt_regs *ctx)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&kprobe_map, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
