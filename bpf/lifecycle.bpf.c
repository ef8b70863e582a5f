// SPDX-License-Identifier: (MIT OR GPL-2.0)
// lifecycle: counts execve(2) calls; the map, program and link get pinned so counting outlives the loader.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} exec_count SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_execve")
int count_execs(void *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&exec_count, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
