// SPDX-License-Identifier: GPL-2.0
// tcpstates: one ring buffer record per TCP state transition (IPv4 and IPv6), with the time the socket
// spent in the state it leaves.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define TCP_CLOSE 7

struct tcp_state_event {
	__u64 skaddr;
	__u64 delta_us; /* time in oldstate; 0 when the socket was not seen before */
	__u32 pid;
	__s32 oldstate;
	__s32 newstate;
	__u16 family;
	__u16 sport; /* host byte order (the tracepoint converts) */
	__u16 dport;
	__u8 saddr[16]; /* first 4 bytes for IPv4 */
	__u8 daddr[16];
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u64);   /* socket address */
	__type(value, __u64); /* ktime of the last transition */
} timestamps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

const struct tcp_state_event *unused_tcp_state_event __attribute__((unused));

SEC("tp/sock/inet_sock_set_state")
int handle_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	__u16 family = ctx->family;
	if (family != AF_INET && family != AF_INET6)
		return 0;

	__u64 sk = (__u64)ctx->skaddr;
	__u64 now = bpf_ktime_get_ns();
	__u64 *last = bpf_map_lookup_elem(&timestamps, &sk);
	__u64 delta_us = last ? (now - *last) / 1000 : 0;

	struct tcp_state_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->skaddr = sk;
		e->delta_us = delta_us;
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->oldstate = ctx->oldstate;
		e->newstate = ctx->newstate;
		e->family = family;
		e->sport = ctx->sport;
		e->dport = ctx->dport;
		if (family == AF_INET) {
			__builtin_memset(e->saddr, 0, sizeof(e->saddr));
			__builtin_memset(e->daddr, 0, sizeof(e->daddr));
			bpf_probe_read_kernel(e->saddr, 4, ctx->saddr);
			bpf_probe_read_kernel(e->daddr, 4, ctx->daddr);
		} else {
			bpf_probe_read_kernel(e->saddr, 16, ctx->saddr_v6);
			bpf_probe_read_kernel(e->daddr, 16, ctx->daddr_v6);
		}
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, 0);
	}

	if (ctx->newstate == TCP_CLOSE)
		bpf_map_delete_elem(&timestamps, &sk);
	else
		bpf_map_update_elem(&timestamps, &sk, &now, BPF_ANY);
	return 0;
}
