// Layout oracle for the BTF codecs: gcc compiles the structs of bpf/test/layout_types.h for the host
// and this program reports what C makes of them. Used by test/btf/codec-oracle.test.ts.
//   layout-types layout    one line per struct: {"type":..,"size":..,"offsets":{member:offset,...}}
//   layout-types samples   one line per sample value: <type> <hex of the value>
//   layout-types check     reads lines "<type> <hex>" on stdin; for each prints
//                          <type> <fields as JSON> <hex of a zeroed copy with every member copied>
// JSON conventions: 64-bit integers and pointers as decimal strings, bools as true/false, every array
// (including char[]) as a list, anonymous members flattened into their parent, unions with every member.
#include <linux/types.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_types.h"

static int first;

static void key(const char *name) {
  printf(first ? "\"%s\":" : ",\"%s\":", name);
  first = 0;
}
static void begin(void) {
  putchar('{');
  first = 1;
}
static void end(void) {
  putchar('}');
  first = 0;
}
static void item(int i) {
  if (i > 0) putchar(',');
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define P_U(f) (key(#f), printf("%llu", (unsigned long long)(x->f)))
#define P_I(f) (key(#f), printf("%lld", (long long)(x->f)))
#define P_U64(f) (key(#f), printf("\"%llu\"", (unsigned long long)(x->f)))
#define P_I64(f) (key(#f), printf("\"%lld\"", (long long)(x->f)))
#define P_PTR(f) (key(#f), printf("\"%llu\"", (unsigned long long)(unsigned long)(x->f)))
#define P_B(f) (key(#f), printf("%s", (x->f) ? "true" : "false"))
#define P_F(f) (key(#f), printf("%.17g", (double)(x->f)))
#define P_OBJ(f, fn) (key(#f), fn(&x->f))
#define P_LIST(f, fmt, cast)                                                                                   \
  do {                                                                                                        \
    key(#f);                                                                                                  \
    putchar('[');                                                                                             \
    for (size_t i = 0; i < N(x->f); i++) {                                                                    \
      item(i);                                                                                                \
      printf(fmt, cast(x->f[i]));                                                                             \
    }                                                                                                         \
    putchar(']');                                                                                             \
  } while (0)
#define AS_ULL (unsigned long long)
#define AS_LL (long long)
#define AS_D (double)
#define AS_PTR (unsigned long long)(unsigned long)
#define AS_BOOL(v) ((v) ? "true" : "false")

static void print_bytes(const void *p, size_t n) {
  const unsigned char *b = p;
  putchar('[');
  for (size_t i = 0; i < n; i++) printf(i ? ",%u" : "%u", b[i]);
  putchar(']');
}
#define P_BYTES(f) (key(#f), print_bytes(&x->f, sizeof(x->f)))

static void print_inner(const struct lt_inner *x) {
  begin();
  P_U(a);
  P_U(b);
  end();
}

static void print_scalars(const struct lt_scalars *x) {
  begin();
  P_U(u8);
  P_I(s8);
  P_U(u16);
  P_I(s16);
  P_U(u32);
  P_I(s32);
  P_U64(u64);
  P_I64(s64);
  P_B(flag);
  P_F(f32);
  P_F(f64);
  P_PTR(ptr);
  end();
}

static void print_padding(const struct lt_padding *x) {
  begin();
  P_I(c);
  P_U64(x);
  P_I(s);
  P_I(i);
  P_I(tail);
  end();
}

static void print_nested(const struct lt_nested *x) {
  begin();
  P_U(tag);
  P_OBJ(in, print_inner);
  key("pair");
  putchar('[');
  for (size_t i = 0; i < N(x->pair); i++) {
    item(i);
    print_inner(&x->pair[i]);
  }
  putchar(']');
  first = 0;
  P_U64(after);
  end();
}

static void print_addr(const union lt_addr *x) {
  begin();
  P_U(v4);
  P_BYTES(v6);
  P_LIST(words, "%llu", AS_ULL);
  end();
}

static void print_with_union(const struct lt_with_union *x) {
  begin();
  P_U(family);
  P_OBJ(addr, print_addr);
  P_U(port);
  end();
}

static void print_bits(const struct lt_bits *x) {
  begin();
  P_U(a);
  P_U(b);
  P_I(c);
  P_U64(d);
  P_B(flag);
  P_U(tail);
  P_U(z);
  P_I(neg);
  P_U(st);
  P_U64(wide);
  P_I64(swide);
  P_U(full);
  end();
}

static void print_packed(const struct lt_packed *x) {
  begin();
  P_I(a);
  P_U(b);
  P_U(c);
  P_U64(d);
  P_U(e);
  P_U(f);
  P_U64(g);
  P_I(h);
  end();
}

static void print_arrays(const struct lt_arrays *x) {
  begin();
  P_BYTES(name);
  P_BYTES(mac);
  P_LIST(sb, "%lld", AS_LL);
  P_LIST(ports, "%llu", AS_ULL);
  P_LIST(sh, "%lld", AS_LL);
  P_LIST(ids, "%llu", AS_ULL);
  P_LIST(deltas, "%lld", AS_LL);
  P_LIST(big, "\"%llu\"", AS_ULL);
  P_LIST(sbig, "\"%lld\"", AS_LL);
  P_LIST(fl, "%.17g", AS_D);
  P_LIST(db, "%.17g", AS_D);
  key("grid");
  putchar('[');
  for (size_t i = 0; i < N(x->grid); i++) {
    item(i);
    putchar('[');
    for (size_t j = 0; j < N(x->grid[i]); j++) printf(j ? ",%u" : "%u", x->grid[i][j]);
    putchar(']');
  }
  putchar(']');
  key("names");
  putchar('[');
  for (size_t i = 0; i < N(x->names); i++) {
    item(i);
    print_bytes(x->names[i], sizeof(x->names[i]));
  }
  putchar(']');
  P_LIST(states, "%llu", AS_ULL);
  P_LIST(bools, "%s", AS_BOOL);
  key("inners");
  putchar('[');
  for (size_t i = 0; i < N(x->inners); i++) {
    item(i);
    print_inner(&x->inners[i]);
  }
  putchar(']');
  first = 0;
  P_LIST(ptrs, "\"%llu\"", AS_PTR);
  end();
}

static void print_enums(const struct lt_enums *x) {
  begin();
  P_U(e8);
  P_U(e16);
  P_I(e32);
  P_U64(e64);
  end();
}

static void print_point(const void *p) {
  const struct lt_anon *a = 0;
  const __typeof__(a->point) *x = p;
  begin();
  P_U(x);
  P_U(y);
  end();
}

static void print_anon(const struct lt_anon *x) {
  begin();
  P_I(kind);
  P_U(as_u32);
  P_F(as_f32);
  P_U(lo);
  P_U(hi);
  P_OBJ(point, print_point);
  P_U(p);
  P_U(q);
  end();
}

static void print_typedef(const lt_typedef_t *x) {
  begin();
  P_U(id);
  P_U64(stamp);
  end();
}

static void print_event(const struct lt_event *x) {
  begin();
  P_U(pid);
  P_U(tgid);
  P_U64(ts);
  P_BYTES(comm);
  P_U64(cgroup);
  P_U(uid);
  P_U(state);
  P_U(flags);
  P_U(cpu);
  P_U(prio);
  P_I(ret);
  P_U64(latency_ns);
  end();
}

// Copies every member (unions: each member in declaration order, as the codecs encode them).
#define C(f) (y->f = x->f)
#define CM(f) memcpy(&y->f, &x->f, sizeof(x->f))
static void copy_inner(struct lt_inner *y, const struct lt_inner *x) {
  C(a);
  C(b);
}
static void copy_scalars(struct lt_scalars *y, const struct lt_scalars *x) {
  C(u8), C(s8), C(u16), C(s16), C(u32), C(s32), C(u64), C(s64), C(flag), C(f32), C(f64), C(ptr);
}
static void copy_padding(struct lt_padding *y, const struct lt_padding *x) {
  C(c), C(x), C(s), C(i), C(tail);
}
static void copy_nested(struct lt_nested *y, const struct lt_nested *x) {
  C(tag);
  copy_inner(&y->in, &x->in);
  for (size_t i = 0; i < N(x->pair); i++) copy_inner(&y->pair[i], &x->pair[i]);
  C(after);
}
static void copy_addr(union lt_addr *y, const union lt_addr *x) {
  C(v4);
  CM(v6);
  CM(words);
}
static void copy_with_union(struct lt_with_union *y, const struct lt_with_union *x) {
  C(family);
  copy_addr(&y->addr, &x->addr);
  C(port);
}
static void copy_bits(struct lt_bits *y, const struct lt_bits *x) {
  C(a), C(b), C(c), C(d), C(flag), C(tail), C(z), C(neg), C(st), C(wide), C(swide), C(full);
}
static void copy_packed(struct lt_packed *y, const struct lt_packed *x) {
  C(a), C(b), C(c), C(d), C(e), C(f), C(g), C(h);
}
static void copy_arrays(struct lt_arrays *y, const struct lt_arrays *x) {
  CM(name), CM(mac), CM(sb), CM(ports), CM(sh), CM(ids), CM(deltas), CM(big), CM(sbig), CM(fl), CM(db);
  CM(grid), CM(names), CM(states), CM(bools);
  for (size_t i = 0; i < N(x->inners); i++) copy_inner(&y->inners[i], &x->inners[i]);
  CM(ptrs);
}
static void copy_enums(struct lt_enums *y, const struct lt_enums *x) {
  C(e8), C(e16), C(e32), C(e64);
}
static void copy_anon(struct lt_anon *y, const struct lt_anon *x) {
  C(kind), C(as_u32), C(as_f32), C(lo), C(hi), C(point.x), C(point.y), C(p), C(q);
}
static void copy_typedef(lt_typedef_t *y, const lt_typedef_t *x) {
  y->id = x->id;
  *(__u64 *)&y->stamp = x->stamp;
}
static void copy_event(struct lt_event *y, const struct lt_event *x) {
  C(pid), C(tgid), C(ts), CM(comm), C(cgroup), C(uid), C(state), C(flags), C(cpu), C(prio), C(ret);
  C(latency_ns);
}

struct kind {
  const char *name;
  size_t size;
  const void *sample;
  void (*print)(const void *);
  void (*copy)(void *, const void *);
};

static struct lt_scalars s_scalars = LT_SCALARS_SAMPLE;
static struct lt_padding s_padding = LT_PADDING_SAMPLE;
static struct lt_nested s_nested = LT_NESTED_SAMPLE;
static struct lt_with_union s_with_union = LT_WITH_UNION_SAMPLE;
static struct lt_bits s_bits = LT_BITS_SAMPLE;
static struct lt_packed s_packed = LT_PACKED_SAMPLE;
static struct lt_arrays s_arrays = LT_ARRAYS_SAMPLE;
static struct lt_enums s_enums = LT_ENUMS_SAMPLE;
static struct lt_anon s_anon = LT_ANON_SAMPLE;
static lt_typedef_t s_typedef = LT_TYPEDEF_SAMPLE;
static struct lt_event s_event = LT_EVENT_SAMPLE;

#define KIND(name, type, sample, suffix)                                                                       \
  { name, sizeof(type), &sample, (void (*)(const void *))print_##suffix, (void (*)(void *, const void *))copy_##suffix }

static const struct kind kinds[] = {
    KIND("lt_scalars", struct lt_scalars, s_scalars, scalars),
    KIND("lt_padding", struct lt_padding, s_padding, padding),
    KIND("lt_nested", struct lt_nested, s_nested, nested),
    KIND("lt_with_union", struct lt_with_union, s_with_union, with_union),
    KIND("lt_bits", struct lt_bits, s_bits, bits),
    KIND("lt_packed", struct lt_packed, s_packed, packed),
    KIND("lt_arrays", struct lt_arrays, s_arrays, arrays),
    KIND("lt_enums", struct lt_enums, s_enums, enums),
    KIND("lt_anon", struct lt_anon, s_anon, anon),
    KIND("lt_typedef_t", lt_typedef_t, s_typedef, typedef),
    KIND("lt_event", struct lt_event, s_event, event),
};

static void print_hex(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

#define OFF(type, m) printf(",\"" #m "\":%zu", offsetof(type, m))
static void layout(void) {
  printf("{\"type\":\"lt_scalars\",\"size\":%zu,\"offsets\":{\"u8\":0", sizeof(struct lt_scalars));
  OFF(struct lt_scalars, s8), OFF(struct lt_scalars, u16), OFF(struct lt_scalars, s16), OFF(struct lt_scalars, u32);
  OFF(struct lt_scalars, s32), OFF(struct lt_scalars, u64), OFF(struct lt_scalars, s64), OFF(struct lt_scalars, flag);
  OFF(struct lt_scalars, f32), OFF(struct lt_scalars, f64), OFF(struct lt_scalars, ptr);
  printf("}}\n{\"type\":\"lt_padding\",\"size\":%zu,\"offsets\":{\"c\":0", sizeof(struct lt_padding));
  OFF(struct lt_padding, x), OFF(struct lt_padding, s), OFF(struct lt_padding, i), OFF(struct lt_padding, tail);
  printf("}}\n{\"type\":\"lt_inner\",\"size\":%zu,\"offsets\":{\"a\":0", sizeof(struct lt_inner));
  OFF(struct lt_inner, b);
  printf("}}\n{\"type\":\"lt_nested\",\"size\":%zu,\"offsets\":{\"tag\":0", sizeof(struct lt_nested));
  OFF(struct lt_nested, in), OFF(struct lt_nested, pair), OFF(struct lt_nested, after);
  printf("}}\n{\"type\":\"lt_addr\",\"size\":%zu,\"offsets\":{\"v4\":0", sizeof(union lt_addr));
  OFF(union lt_addr, v6), OFF(union lt_addr, words);
  printf("}}\n{\"type\":\"lt_with_union\",\"size\":%zu,\"offsets\":{\"family\":0", sizeof(struct lt_with_union));
  OFF(struct lt_with_union, addr), OFF(struct lt_with_union, port);
  printf("}}\n{\"type\":\"lt_bits\",\"size\":%zu,\"offsets\":{\"tail\":%zu", sizeof(struct lt_bits),
         offsetof(struct lt_bits, tail));
  printf("}}\n{\"type\":\"lt_packed\",\"size\":%zu,\"offsets\":{\"a\":0", sizeof(struct lt_packed));
  OFF(struct lt_packed, b), OFF(struct lt_packed, c), OFF(struct lt_packed, d);
  printf("}}\n{\"type\":\"lt_arrays\",\"size\":%zu,\"offsets\":{\"name\":0", sizeof(struct lt_arrays));
  OFF(struct lt_arrays, mac), OFF(struct lt_arrays, sb), OFF(struct lt_arrays, ports), OFF(struct lt_arrays, sh);
  OFF(struct lt_arrays, ids), OFF(struct lt_arrays, deltas), OFF(struct lt_arrays, big), OFF(struct lt_arrays, sbig);
  OFF(struct lt_arrays, fl), OFF(struct lt_arrays, db), OFF(struct lt_arrays, grid), OFF(struct lt_arrays, names);
  OFF(struct lt_arrays, states), OFF(struct lt_arrays, bools), OFF(struct lt_arrays, inners);
  OFF(struct lt_arrays, ptrs);
  printf("}}\n{\"type\":\"lt_enums\",\"size\":%zu,\"offsets\":{\"e8\":0", sizeof(struct lt_enums));
  OFF(struct lt_enums, e16), OFF(struct lt_enums, e32), OFF(struct lt_enums, e64);
  printf("}}\n{\"type\":\"lt_anon\",\"size\":%zu,\"offsets\":{\"kind\":0", sizeof(struct lt_anon));
  OFF(struct lt_anon, as_u32), OFF(struct lt_anon, as_f32), OFF(struct lt_anon, lo), OFF(struct lt_anon, hi);
  OFF(struct lt_anon, point), OFF(struct lt_anon, p), OFF(struct lt_anon, q);
  printf("}}\n{\"type\":\"lt_typedef_t\",\"size\":%zu,\"offsets\":{\"id\":0", sizeof(lt_typedef_t));
  OFF(lt_typedef_t, stamp);
  printf("}}\n{\"type\":\"lt_event\",\"size\":%zu,\"offsets\":{\"pid\":0", sizeof(struct lt_event));
  OFF(struct lt_event, tgid), OFF(struct lt_event, ts), OFF(struct lt_event, comm), OFF(struct lt_event, cgroup);
  OFF(struct lt_event, uid), OFF(struct lt_event, state), OFF(struct lt_event, flags), OFF(struct lt_event, cpu);
  OFF(struct lt_event, prio), OFF(struct lt_event, ret), OFF(struct lt_event, latency_ns);
  printf("}}\n");
}

static int unhex(const char *s, unsigned char *out, size_t n) {
  if (strlen(s) != 2 * n) return -1;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1;
    out[i] = (unsigned char)v;
  }
  return 0;
}

static int check(void) {
  static char line[1 << 16];
  static unsigned char x[4096], y[4096];
  while (fgets(line, sizeof(line), stdin)) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] == 0) continue;
    char *sp = strchr(line, ' ');
    if (!sp) return fprintf(stderr, "bad line: %s\n", line), 1;
    *sp = 0;
    const struct kind *k = 0;
    for (size_t i = 0; i < N(kinds); i++)
      if (strcmp(kinds[i].name, line) == 0) k = &kinds[i];
    if (!k) return fprintf(stderr, "unknown type %s\n", line), 1;
    if (unhex(sp + 1, x, k->size)) return fprintf(stderr, "bad hex for %s\n", line), 1;
    memset(y, 0, sizeof(y));
    k->copy(y, x);
    printf("%s ", k->name);
    k->print(x);
    putchar(' ');
    print_hex(y, k->size);
    putchar('\n');
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "layout") == 0) {
    layout();
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "samples") == 0) {
    for (size_t i = 0; i < N(kinds); i++) {
      printf("%s ", kinds[i].name);
      print_hex(kinds[i].sample, kinds[i].size);
      putchar(' ');
      kinds[i].print(kinds[i].sample);
      putchar('\n');
    }
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "check") == 0) return check();
  fprintf(stderr, "usage: %s layout|samples|check\n", argv[0]);
  return 2;
}
