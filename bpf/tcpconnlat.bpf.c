// SPDX-License-Identifier: GPL-2.0
// tcpconnlat: connect latency. fentry on tcp_v4_connect / tcp_v6_connect remembers when and who started a
// connect per socket; fentry on tcp_rcv_state_process sees the SYN-ACK while the socket is still in SYN_SENT
// and submits the elapsed time with the endpoints to a ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define TCP_SYN_SENT 2

struct start_info {
	__u64 ts_ns;
	__u32 pid;
	char comm[16];
};

struct connlat_event {
	__u64 latency_ns;
	__u32 pid;
	__u16 family;
	__u16 sport; /* host order */
	__u16 dport; /* host order */
	__u8 saddr[16];
	__u8 daddr[16];
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64); /* struct sock * */
	__type(value, struct start_info);
} starts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct connlat_event *unused_connlat_event __attribute__((unused));

static __always_inline int trace_connect(struct sock *sk)
{
	__u64 key = (__u64)sk;
	struct start_info s = { .ts_ns = bpf_ktime_get_ns(), .pid = bpf_get_current_pid_tgid() >> 32 };
	bpf_get_current_comm(s.comm, sizeof(s.comm));
	bpf_map_update_elem(&starts, &key, &s, BPF_ANY);
	return 0;
}

SEC("fentry/tcp_v4_connect")
int BPF_PROG(on_tcp_v4_connect, struct sock *sk)
{
	return trace_connect(sk);
}

SEC("fentry/tcp_v6_connect")
int BPF_PROG(on_tcp_v6_connect, struct sock *sk)
{
	return trace_connect(sk);
}

SEC("fentry/tcp_rcv_state_process")
int BPF_PROG(on_tcp_rcv_state_process, struct sock *sk)
{
	if (sk->__sk_common.skc_state != TCP_SYN_SENT)
		return 0;
	__u64 key = (__u64)sk;
	struct start_info *s = bpf_map_lookup_elem(&starts, &key);
	if (!s)
		return 0;
	struct connlat_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		__builtin_memset(e, 0, sizeof(*e));
		e->latency_ns = bpf_ktime_get_ns() - s->ts_ns;
		e->pid = s->pid;
		__builtin_memcpy(e->comm, s->comm, sizeof(e->comm));
		e->family = sk->__sk_common.skc_family;
		e->sport = sk->__sk_common.skc_num;
		e->dport = bpf_ntohs(sk->__sk_common.skc_dport);
		if (e->family == AF_INET) {
			__builtin_memcpy(e->saddr, &sk->__sk_common.skc_rcv_saddr, 4);
			__builtin_memcpy(e->daddr, &sk->__sk_common.skc_daddr, 4);
		} else {
			BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
			BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		}
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&starts, &key);
	return 0;
}
