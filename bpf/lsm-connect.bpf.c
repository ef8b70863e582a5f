// SPDX-License-Identifier: GPL-2.0
// lsm-connect: a BPF LSM program on socket_connect that refuses (EPERM) IPv4 connects to one address, set by
// user space as a constant before load, and reports each refusal through a ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2
#define EPERM 1

/* IPv4 address to block, in network byte order (rewritten before load; 0 blocks nothing). */
const volatile __u32 blocked_addr = 0;

struct blocked_event {
	__u32 pid;
	__u32 daddr; /* network order */
	__u16 dport; /* host order */
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct blocked_event *unused_blocked_event __attribute__((unused));

SEC("lsm/socket_connect")
int BPF_PROG(restrict_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret != 0)
		return ret; /* an earlier LSM already decided */
	if (blocked_addr == 0 || address->sa_family != AF_INET)
		return 0;
	struct sockaddr_in *in = (struct sockaddr_in *)address;
	__u32 daddr = BPF_CORE_READ(in, sin_addr.s_addr);
	if (daddr != blocked_addr)
		return 0;
	struct blocked_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->daddr = daddr;
		e->dport = bpf_ntohs(BPF_CORE_READ(in, sin_port));
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		bpf_ringbuf_submit(e, 0);
	}
	return -EPERM;
}
