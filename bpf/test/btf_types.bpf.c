// Many BTF type shapes for the BTF parser, marshaller and C dumper tests: bitfields, unions,
// anonymous members, enums of several sizes (incl. 64-bit and signed), arrays, function pointers,
// typedefs, qualifiers, floats, forward declarations, decl tags and type tags, extern ksyms/kconfig,
// and CO-RE relocations of several kinds (so .BTF.ext has func_info, line_info and core_relo).
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __ttag(x) __attribute__((btf_type_tag(x)))

char LICENSE[] SEC("license") = "GPL";

enum __attribute__((packed)) bt_enum8 { BT_E8_A = 1, BT_E8_B = 200 };
enum __attribute__((packed)) bt_enum16 { BT_E16_A = 1, BT_E16_B = 40000 };
enum bt_enum32_signed { BT_E32_NEG = -5, BT_E32_POS = 7 };
enum bt_enum64 { BT_E64_SMALL = 1, BT_E64_BIG = 0x1234567890ULL, BT_E64_MAX = 0xffffffffffffffffULL };
enum bt_enum64_signed { BT_E64S_NEG = -0x100000000LL, BT_E64S_POS = 3 };

typedef int bt_int_t;
typedef bt_int_t bt_int2_t;
typedef unsigned long long bt_u64_t;

struct bt_opaque;
union bt_fwd_union;
struct bt_nested;

typedef int (*bt_handler_fn)(struct bt_nested *n, long arg);

struct bt_bits {
  unsigned int a : 3;
  unsigned int b : 5;
  int c : 10;
  unsigned long long d : 40;
  _Bool flag : 1;
  unsigned char tail;
  unsigned int : 0;
  unsigned short after_zero_width : 4;
};

struct __attribute__((packed)) bt_packed {
  char a;
  int b;
  short c;
};

struct bt_aligned {
  char c;
  long long v __attribute__((aligned(16)));
};

struct bt_empty {};

struct bt_flex {
  int len;
  char data[];
};

struct bt_nested {
  int kind;
  union {
    struct {
      unsigned short lo, hi;
    } parts;
    unsigned int whole;
  };
  struct {
    int x, y;
  } point;
  struct {
    char c;
    enum bt_enum8 small;
  };
  int arr2d[3][4];
  char name[16];
  void (*callback)(int, const char *);
  int (*ops[2])(void *ctx, ...);
  bt_handler_fn handler;
  const volatile int cv;
  struct bt_nested *next;
  struct bt_opaque *opaque_ptr;
  union bt_fwd_union *fwd_union_ptr;
  float f;
  double d;
  int __ttag("user") * user_ptr;
  int *__restrict rp;
  bt_int2_t typedefed;
  int tagged __tag("member_tag");
  const char *const *strings;
  struct bt_bits bits;
  struct bt_packed packed;
  struct bt_aligned aligned;
  struct bt_empty empty;
  enum bt_enum16 e16;
  enum bt_enum32_signed e32;
  enum bt_enum64 e64;
  enum bt_enum64_signed e64s;
  bt_u64_t big;
} __tag("struct_tag");

union bt_union {
  int i;
  float f;
  char bytes[4];
  struct bt_bits bits;
};

struct bt_nested bt_nested_var;
union bt_union bt_union_var;
struct bt_flex *bt_flex_ptr;
int bt_tagged_var __tag("var_tag") = 3;
const volatile int bt_rodata_var = 42;
int bt_custom_section_var SEC(".data.custom") = 1;

extern int LINUX_KERNEL_VERSION __kconfig;
extern const void bpf_prog_active __ksym;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

struct task_struct___flavor {
  int pid;
  struct task_struct___flavor *real_parent;
} __attribute__((preserve_access_index));

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bt_nested);
} bt_map SEC(".maps");

static __noinline int bt_helper(struct bt_nested *n __tag("param_tag"), long arg) {
  if (!n) return 0;
  return n->kind + n->bits.c + (int)arg;
}

__noinline int bt_global_func(int x) {
  return x * 2 + bt_rodata_var;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int bt_core_reads(void *ctx) {
  struct task_struct *task = (void *)bpf_get_current_task();
  int tgid = BPF_CORE_READ(task, real_parent, tgid);
  struct task_struct___flavor *f = (void *)task;
  int ppid = BPF_CORE_READ(f, real_parent, pid);
  int exists = bpf_core_field_exists(task->pid);
  int size = bpf_core_type_size(struct task_struct);
  int has = bpf_core_type_exists(struct bt_nested);
  long ev = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_ARRAY);
  int fsz = bpf_core_field_size(task->comm);
  __u32 key = 0;
  struct bt_nested *n = bpf_map_lookup_elem(&bt_map, &key);
  if (n) n->kind = tgid + ppid + exists + size + has + (int)ev + fsz;
  return bt_helper(n, LINUX_KERNEL_VERSION) + bt_global_func(bt_tagged_var);
}

SEC("tp_btf/sched_switch")
int bt_ksyms(void *ctx) {
  bpf_rcu_read_lock();
  bt_custom_section_var += (long)&bpf_prog_active & 1;
  bpf_rcu_read_unlock();
  return 0;
}
