// SPDX-License-Identifier: (MIT OR GPL-2.0)
// loading: an object with two independent programs and their maps, to show full and selective loading.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} xdp_packets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1024);
} writes_by_pid SEC(".maps");

SEC("xdp")
int count_xdp(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&xdp_packets, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}

SEC("tracepoint/syscalls/sys_enter_write")
int count_writes(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	__u64 one = 1, *n = bpf_map_lookup_elem(&writes_by_pid, &pid);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&writes_by_pid, &pid, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
