// SPDX-License-Identifier: (MIT OR GPL-2.0)
// tracepoint: counts kmem/mm_page_alloc events (page allocations) in a one-slot ARRAY map.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} counting_map SEC(".maps");

SEC("tracepoint/kmem/mm_page_alloc")
int mm_page_alloc(void *ctx)
{
	__u32 key = 0;
	__u64 initval = 1, *valp;

	valp = bpf_map_lookup_elem(&counting_map, &key);
	if (!valp) {
		bpf_map_update_elem(&counting_map, &key, &initval, BPF_ANY);
		return 0;
	}
	__sync_fetch_and_add(valp, 1);
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
