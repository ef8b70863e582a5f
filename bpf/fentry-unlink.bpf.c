// SPDX-License-Identifier: GPL-2.0
// fentry-unlink: fentry and fexit on the kernel's unlinkat worker (do_unlinkat, or filename_unlinkat on
// kernels that renamed it; user space picks the target from kernel BTF before load) — the file name on entry,
// the return value on exit.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct unlink_event {
	__u32 pid;
	__u32 is_exit;
	__s64 ret; /* fexit only */
	char comm[16];
	char filename[128];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

const struct unlink_event *unused_unlink_event __attribute__((unused));

static __always_inline int report(struct filename *name, __u32 is_exit, long ret)
{
	struct unlink_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->is_exit = is_exit;
	e->ret = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(name, name));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink_entry, int dfd, struct filename *name)
{
	return report(name, 0, 0);
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlink_exit, int dfd, struct filename *name, int ret)
{
	return report(name, 1, ret);
}
