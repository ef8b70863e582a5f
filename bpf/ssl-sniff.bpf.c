// SPDX-License-Identifier: MIT
/*
 * ssl-sniff: plaintext of OpenSSL SSL_write / SSL_read. The uprobe on entry remembers the buffer pointer in
 * a hash keyed by thread id; the uretprobe reads as many bytes as the call returned from it and sends them
 * through a ring buffer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define TASK_COMM_LEN 16
#define MAX_DATA 4096

enum ssl_direction {
	SSL_DIR_WRITE = 0,
	SSL_DIR_READ = 1,
};

struct ssl_event {
	__u32 pid;
	__u32 tid;
	enum ssl_direction direction;
	/* What the call returned (bytes written/read, or <= 0 on failure). */
	__s32 ret;
	/* Bytes of `data` that are valid (ret, capped at MAX_DATA). */
	__u32 captured;
	char comm[TASK_COMM_LEN];
	__u8 data[MAX_DATA];
};

/* Keeps `struct ssl_event` in the object's BTF for the generated module. */
const struct ssl_event *unused_ssl_event __attribute__((unused));

/* Buffer argument of the SSL_write / SSL_read call in progress, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} write_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} read_buf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

static __always_inline int remember(void *map, const void *buf)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 ptr = (__u64)buf;

	bpf_map_update_elem(map, &tid, &ptr, BPF_ANY);
	return 0;
}

static __always_inline int report(void *map, enum ssl_direction direction, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	__u64 *ptr = bpf_map_lookup_elem(map, &tid);
	if (!ptr)
		return 0;
	const void *buf = (const void *)*ptr;
	bpf_map_delete_elem(map, &tid);
	if (ret <= 0)
		return 0;

	struct ssl_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	__u32 n = ret;
	if (n > MAX_DATA)
		n = MAX_DATA;
	e->pid = id >> 32;
	e->tid = tid;
	e->direction = direction;
	e->ret = ret;
	e->captured = n;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (bpf_probe_read_user(e->data, n, buf) != 0)
		e->captured = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(ssl_write_entry, void *ssl, const void *buf, int num)
{
	return remember(&write_buf, buf);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_write_return, int ret)
{
	return report(&write_buf, SSL_DIR_WRITE, ret);
}

SEC("uprobe")
int BPF_KPROBE(ssl_read_entry, void *ssl, void *buf, int num)
{
	return remember(&read_buf, buf);
}

SEC("uretprobe")
int BPF_KRETPROBE(ssl_read_return, int ret)
{
	return report(&read_buf, SSL_DIR_READ, ret);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
