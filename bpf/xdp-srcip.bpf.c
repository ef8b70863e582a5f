// SPDX-License-Identifier: (MIT OR GPL-2.0)
// xdp-srcip: counts received IPv4 packets per source address in an LRU hash (oldest sources evicted).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP 0x0800
#define MAX_SOURCES 16384

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);   /* IPv4 source address, network byte order */
	__type(value, __u64); /* packet count */
	__uint(max_entries, MAX_SOURCES);
} xdp_stats_map SEC(".maps");

/* The IPv4 source address of the packet, or 0 when it is not IPv4 or too short. */
static __always_inline __u32 parse_ip_src_addr(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;

	if ((void *)(eth + 1) > data_end)
		return 0;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return 0;
	return ip->saddr;
}

SEC("xdp")
int xdp_prog_func(struct xdp_md *ctx)
{
	__u32 ip = parse_ip_src_addr(ctx);
	__u64 one = 1, *count;

	if (!ip)
		return XDP_PASS;
	count = bpf_map_lookup_elem(&xdp_stats_map, &ip);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&xdp_stats_map, &ip, &one, BPF_NOEXIST);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
