// CO-RE reads of the current task, for test/btf/kernel-dumpc.test.ts: the test compiles this file against
// the vmlinux.h that ebpf-ts's dumpC() writes from the running kernel's BTF, loads the object with the
// collection loader and runs it with BPF_PROG_TEST_RUN, which executes a raw_tp program in the calling
// thread. Returns the task's tgid; the globals hold what else it read. (scripts/build-bpf.sh builds it
// against bpftool's vmlinux.h like every fixture; those objects are not what the test loads.)
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u32 seen_pid;
__u32 seen_tgid;
__u32 seen_ppid;
char seen_comm[16];
__u32 task_size;
__u32 hash_map_type;
__u32 has_pid;

SEC("raw_tp/sys_enter")
int read_current(void *ctx) {
  struct task_struct *task = (struct task_struct *)bpf_get_current_task();

  seen_pid = BPF_CORE_READ(task, pid);
  seen_tgid = BPF_CORE_READ(task, tgid);
  seen_ppid = BPF_CORE_READ(task, real_parent, tgid);
  BPF_CORE_READ_STR_INTO(&seen_comm, task, comm);
  task_size = bpf_core_type_size(struct task_struct);
  hash_map_type = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_HASH);
  has_pid = bpf_core_field_exists(task->pid);
  return seen_tgid;
}
