// Struct layouts for the BTF codec and `ebpf-ts gen` tests, shared by the BPF fixture
// (bpf/test/layout_types.bpf.c, clang -target bpf) and the host layout oracle
// (test/btf/oracle/layout-types.c, gcc), so both compilers lay out the same definitions.
// The includer provides __u8..__u64 and __s8..__s64 (vmlinux.h or <linux/types.h>).
#ifndef LAYOUT_TYPES_H
#define LAYOUT_TYPES_H

enum __attribute__((packed)) lt_e8 { LT_E8_A = 1, LT_E8_B = 200 };
enum __attribute__((packed)) lt_e16 { LT_E16_X = 1000, LT_E16_Y = 60000 };
enum lt_e32 { LT_E32_NEG = -2, LT_E32_ZERO = 0, LT_E32_BIG = 100000 };
enum lt_e64 { LT_E64_SMALL = 1, LT_E64_BIG = 0x123456789aULL };
enum lt_state { LT_STATE_RUNNING, LT_STATE_SLEEPING, LT_STATE_STOPPED };

struct lt_scalars {
  __u8 u8;
  __s8 s8;
  __u16 u16;
  __s16 s16;
  __u32 u32;
  __s32 s32;
  __u64 u64;
  __s64 s64;
  _Bool flag;
  float f32;
  double f64;
  void *ptr;
};

struct lt_padding {
  char c;
  __u64 x;
  short s;
  int i;
  char tail;
};

struct lt_inner {
  __u16 a;
  __u32 b;
};

struct lt_nested {
  __u8 tag;
  struct lt_inner in;
  struct lt_inner pair[2];
  __u64 after;
};

union lt_addr {
  __u32 v4;
  __u8 v6[16];
  __u16 words[8];
};

struct lt_with_union {
  __u16 family;
  union lt_addr addr;
  __u16 port;
};

struct lt_bits {
  unsigned int a : 3;
  unsigned int b : 5;
  int c : 10;
  unsigned long long d : 40;
  _Bool flag : 1;
  unsigned char tail;
  unsigned int : 0;
  unsigned short z : 4;
  int neg : 7;
  enum lt_state st : 3;
  __u64 wide : 60;
  __s64 swide : 33;
  unsigned int full : 32;
};

struct __attribute__((packed)) lt_packed {
  char a;
  __u32 b;
  __u16 c;
  __u64 d;
  unsigned int e : 20;
  unsigned int f : 17;
  unsigned long long g : 45;
  __s32 h : 30;
};

struct lt_arrays {
  char name[16];
  __u8 mac[6];
  __s8 sb[3];
  __u16 ports[4];
  __s16 sh[2];
  __u32 ids[3];
  __s32 deltas[2];
  __u64 big[2];
  __s64 sbig[2];
  float fl[2];
  double db[2];
  __u32 grid[2][3];
  char names[2][8];
  enum lt_state states[3];
  _Bool bools[2];
  struct lt_inner inners[2];
  void *ptrs[2];
};

struct lt_enums {
  enum lt_e8 e8;
  enum lt_e16 e16;
  enum lt_e32 e32;
  enum lt_e64 e64;
};

struct lt_anon {
  int kind;
  union {
    __u32 as_u32;
    float as_f32;
    struct {
      __u16 lo;
      __u16 hi;
    };
  };
  struct {
    __u8 x;
    __u8 y;
  } point;
  struct {
    __u8 p;
    __u8 q;
  };
};

typedef struct {
  __u32 id;
  const volatile __u64 stamp;
} lt_typedef_t;

// A 64-byte event record (the decoding throughput benchmark uses it).
struct lt_event {
  __u32 pid;
  __u32 tgid;
  __u64 ts;
  char comm[16];
  __u64 cgroup;
  __u32 uid;
  enum lt_state state;
  __u16 flags;
  __u8 cpu;
  __u8 prio;
  __s32 ret;
  __u64 latency_ns;
};

// Names that collide after PascalCase conversion (gen must keep them apart).
struct lt_name_clash {
  __u32 v;
};
struct LtNameClash {
  __u64 w;
};

// Sample values: the fixture stores them in .data (laid out by clang for either byte order), the host
// oracle prints them; the tests decode both and compare.
#define LT_SCALARS_SAMPLE                                                                                      \
  {                                                                                                           \
    .u8 = 250, .s8 = -7, .u16 = 65000, .s16 = -30000, .u32 = 4000000000u, .s32 = -2000000000,                  \
    .u64 = 18000000000000000000ull, .s64 = -9000000000000000000ll, .flag = 1, .f32 = 1.5f, .f64 = -2.25,        \
    .ptr = (void *)0x12345678abcdull                                                                          \
  }
#define LT_PADDING_SAMPLE { .c = 'x', .x = 0x0102030405060708ull, .s = -2, .i = 77, .tail = 'z' }
#define LT_NESTED_SAMPLE                                                                                       \
  { .tag = 9, .in = { 1, 2 }, .pair = { { 3, 4 }, { 5, 6 } }, .after = 0xfedcba9876543210ull }
#define LT_WITH_UNION_SAMPLE { .family = 10, .addr = { .v6 = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 } }, .port = 443 }
#define LT_BITS_SAMPLE                                                                                         \
  {                                                                                                           \
    .a = 5, .b = 17, .c = -300, .d = 0xabcdef0123ull, .flag = 1, .tail = 0xee, .z = 9, .neg = -64,              \
    .st = LT_STATE_STOPPED, .wide = 0xfedcba987654321ull, .swide = -4000000000ll, .full = 0xdeadbeefu           \
  }
#define LT_PACKED_SAMPLE                                                                                       \
  { .a = 'p', .b = 0x11223344u, .c = 0x5566, .d = 0x778899aabbccddeeull, .e = 0xabcde, .f = 0x1abcd,            \
    .g = 0x1abcdef01234ull, .h = -300000000 }
#define LT_ARRAYS_SAMPLE                                                                                       \
  {                                                                                                           \
    .name = "hello", .mac = { 1, 2, 3, 4, 5, 6 }, .sb = { -1, 0, 1 }, .ports = { 80, 443, 8080, 65535 },       \
    .sh = { -32768, 32767 }, .ids = { 1, 2, 4000000000u }, .deltas = { -1, 1 }, .big = { 1, 0xffffffffffffffffull }, \
    .sbig = { -1, 5 }, .fl = { 0.5f, -8.0f }, .db = { 3.25, -1e300 }, .grid = { { 1, 2, 3 }, { 4, 5, 6 } },     \
    .names = { "ab", "cdefghi" }, .states = { LT_STATE_RUNNING, LT_STATE_STOPPED, LT_STATE_SLEEPING },         \
    .bools = { 1, 0 }, .inners = { { 7, 8 }, { 9, 10 } }, .ptrs = { (void *)0x1000, (void *)0 }                \
  }
#define LT_ENUMS_SAMPLE { .e8 = LT_E8_B, .e16 = LT_E16_Y, .e32 = LT_E32_NEG, .e64 = LT_E64_BIG }
#define LT_ANON_SAMPLE { .kind = -3, .lo = 0x1234, .hi = 0xabcd, .point = { 1, 2 }, .p = 3, .q = 4 }
#define LT_TYPEDEF_SAMPLE { .id = 42, .stamp = 1234567890123ull }
#define LT_EVENT_SAMPLE                                                                                        \
  { .pid = 1234, .tgid = 1230, .ts = 987654321012345ull, .comm = "systemd-journal", .cgroup = 0x100000001ull,  \
    .uid = 1000, .state = LT_STATE_SLEEPING, .flags = 0x8001, .cpu = 3, .prio = 120, .ret = -11,              \
    .latency_ns = 15000 }

#endif
