// SPDX-License-Identifier: MIT
/*
 * reader-producer: the workload of bench/readers.ts. Each run of a program (BPF_PROG_TEST_RUN with
 * `repeat` = N runs it N times in one syscall) writes one record of a fixed size to the ring buffer or to
 * the current CPU's perf buffer, so the ebpf-ts and libbpf consumers drain byte-identical streams.
 *
 * A record is `payload`'s first SIZE bytes: a u64 sequence number (incremented per record) followed by a
 * fixed fill pattern. Socket filters, because their test runs accept `repeat` and they may call both
 * bpf_ringbuf_output and bpf_perf_event_output.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_RECORD 256

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20);
} ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct record {
	__u64 seq;
	__u8 fill[MAX_RECORD - sizeof(__u64)];
};

struct record payload = { .fill = { [0 ... MAX_RECORD - sizeof(__u64) - 1] = 0xa5 } };

/* Records written, and writes the helper refused (ring full: the bench sizes rings so this stays 0). */
__u64 produced;
__u64 failed;

static __always_inline int emit_ring(__u32 size)
{
	payload.seq = produced++;
	if (bpf_ringbuf_output(&ring, &payload, size, 0))
		failed++;
	return 0;
}

static __always_inline int emit_perf(struct __sk_buff *skb, __u32 size)
{
	payload.seq = produced++;
	if (bpf_perf_event_output(skb, &events, BPF_F_CURRENT_CPU, &payload, size))
		failed++;
	return 0;
}

SEC("socket") int ring16(struct __sk_buff *skb) { return emit_ring(16); }
SEC("socket") int ring64(struct __sk_buff *skb) { return emit_ring(64); }
SEC("socket") int ring256(struct __sk_buff *skb) { return emit_ring(256); }
SEC("socket") int perf16(struct __sk_buff *skb) { return emit_perf(skb, 16); }
SEC("socket") int perf64(struct __sk_buff *skb) { return emit_perf(skb, 64); }
SEC("socket") int perf256(struct __sk_buff *skb) { return emit_perf(skb, 256); }

char LICENSE[] SEC("license") = "GPL";
