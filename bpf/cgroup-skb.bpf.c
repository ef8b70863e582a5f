// SPDX-License-Identifier: (MIT OR GPL-2.0)
// cgroup-skb: counts packets and bytes leaving the sockets of a cgroup (and its descendants).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

enum { SLOT_PACKETS = 0, SLOT_BYTES = 1 };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 2);
} egress_stats SEC(".maps");

static __always_inline void add(__u32 slot, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&egress_stats, &slot);

	if (v)
		__sync_fetch_and_add(v, n);
}

SEC("cgroup_skb/egress")
int count_egress_packets(struct __sk_buff *skb)
{
	add(SLOT_PACKETS, 1);
	add(SLOT_BYTES, skb->len);
	return 1; /* allow the packet */
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
