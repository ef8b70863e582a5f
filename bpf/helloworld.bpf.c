// SPDX-License-Identifier: (MIT OR GPL-2.0)
// helloworld: bpf_printk on every write(2), optionally only for one process.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Set before loading (spec.rewriteConstants): only report this process id (0: every process). */
const volatile int pid_filter = 0;
/* The loader's own pid, never reported (its writes of trace lines would otherwise feed back). */
const volatile int self_pid = 0;

SEC("tp/syscalls/sys_enter_write")
int handle_tp(void *ctx)
{
	int pid = bpf_get_current_pid_tgid() >> 32;

	if (pid_filter && pid != pid_filter)
		return 0;
	if (pid == self_pid)
		return 0;
	bpf_printk("BPF triggered sys_enter_write from PID %d.", pid);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
