// SPDX-License-Identifier: GPL-2.0
// tcp-close: fentry on tcp_close — one ring buffer record per closed TCP socket (IPv4 and IPv6) with its
// endpoints and connection statistics from struct tcp_sock.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define AF_INET6 10

struct close_event {
	__u64 bytes_received;
	__u64 bytes_acked;
	__u32 pid;
	__u32 srtt_us;
	__u32 total_retrans;
	__u32 segs_in;
	__u32 segs_out;
	__u16 family;
	__u16 sport; /* host order */
	__u16 dport; /* host order */
	__u8 state;
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct close_event *unused_close_event __attribute__((unused));

SEC("fentry/tcp_close")
int BPF_PROG(on_tcp_close, struct sock *sk, long timeout)
{
	__u16 family = sk->__sk_common.skc_family;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct close_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->family = family;
	e->sport = sk->__sk_common.skc_num;
	e->dport = bpf_ntohs(sk->__sk_common.skc_dport);
	e->state = sk->__sk_common.skc_state;
	e->bytes_received = BPF_CORE_READ(tp, bytes_received);
	e->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	e->srtt_us = BPF_CORE_READ(tp, srtt_us) >> 3;
	e->total_retrans = BPF_CORE_READ(tp, total_retrans);
	e->segs_in = BPF_CORE_READ(tp, segs_in);
	e->segs_out = BPF_CORE_READ(tp, segs_out);
	if (family == AF_INET) {
		__builtin_memcpy(e->saddr, &sk->__sk_common.skc_rcv_saddr, 4);
		__builtin_memcpy(e->daddr, &sk->__sk_common.skc_daddr, 4);
	} else {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
