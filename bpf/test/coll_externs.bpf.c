// Collection fixture: externs. __kconfig values (from the kernel config and libbpf's LINUX_* specials),
// a typeless __ksym (an address from /proc/kallsyms), a typed per-CPU __ksym, kfunc calls, and weak
// externs the kernel lacks. `read_externs` copies what it sees into .bss for the test to compare; it
// returns 0 on success, else the failing source line.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      return __LINE__;                                                                             \
  } while (0)

// libbpf >= 1.2 helper, spelled out for the older headers installed here.
#define ksym_exists(sym) (!!&(sym))

extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_TUN __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig;
extern unsigned long long CONFIG_NR_CPUS __kconfig;
extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern int CONFIG_EBPF_TS_NO_SUCH_OPTION __kconfig __weak;
extern enum libbpf_tristate CONFIG_EBPF_TS_NO_SUCH_TRISTATE __kconfig __weak;

extern const void schedule __ksym;
extern const void ebpf_ts_no_such_symbol __ksym __weak;
extern const struct rq runqueues __ksym;

// weak: these kfuncs came in 6.2; on older kernels the program still loads and reports -1
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern void ebpf_ts_no_such_kfunc(void) __ksym __weak;

int seen_hz;
bool seen_bpf_syscall;
int seen_tun;
char seen_hostname[16];
__u64 seen_nr_cpus;
__u32 seen_version;
bool seen_wrapper;
bool seen_cookie;
int seen_missing;
int seen_missing_tristate;
__u64 seen_schedule;
__u64 seen_missing_ksym;
int seen_rq_cpu;
int seen_cpu;
int seen_task_pid;
int want_pid;

SEC("syscall")
int read_externs(void *ctx) {
  seen_hz = CONFIG_HZ;
  seen_bpf_syscall = CONFIG_BPF_SYSCALL;
  seen_tun = CONFIG_TUN;
  __builtin_memcpy(seen_hostname, CONFIG_DEFAULT_HOSTNAME, sizeof(seen_hostname));
  seen_nr_cpus = CONFIG_NR_CPUS;
  seen_version = LINUX_KERNEL_VERSION;
  seen_wrapper = LINUX_HAS_SYSCALL_WRAPPER;
  seen_cookie = LINUX_HAS_BPF_COOKIE;
  seen_missing = CONFIG_EBPF_TS_NO_SUCH_OPTION;
  seen_missing_tristate = CONFIG_EBPF_TS_NO_SUCH_TRISTATE;
  seen_schedule = (__u64)&schedule;
  seen_missing_ksym = (__u64)&ebpf_ts_no_such_symbol;

  seen_task_pid = -1;
  if (ksym_exists(bpf_task_from_pid) && ksym_exists(bpf_task_release)) {
    struct task_struct *task = bpf_task_from_pid(want_pid);
    CHECK(task);
    seen_task_pid = task->pid;
    bpf_task_release(task);
  }

  if (ksym_exists(ebpf_ts_no_such_kfunc)) {
    ebpf_ts_no_such_kfunc();
    return __LINE__;
  }
  return 0;
}

// A typed per-CPU ksym. The kernel resolves its address through kallsyms, which lists per-CPU
// variables only with CONFIG_KALLSYMS_ALL; hence a `?` section, loaded on request.
SEC("?syscall")
int typed_ksym(void *ctx) {
  struct rq *rq = bpf_this_cpu_ptr(&runqueues);
  seen_rq_cpu = rq->cpu;
  seen_cpu = bpf_get_smp_processor_id();
  return 0;
}
