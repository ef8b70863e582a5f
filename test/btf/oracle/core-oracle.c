// CO-RE oracle: loads a BPF object with the system libbpf (which applies CO-RE relocations against
// the running kernel's BTF) and prints every program's instructions as libbpf passed them to the
// kernel. Used by test/btf/core-oracle.test.ts.
//   core-oracle <object.bpf.o>
// Output, one line per instruction:  insn <section> <index> <code> <dst> <src> <off> <imm>
// libbpf's log goes to stderr.
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int print_log(enum libbpf_print_level level, const char *fmt, va_list args) {
  return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <object>\n", argv[0]);
    return 2;
  }
  libbpf_set_print(print_log);
  struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
  long err = libbpf_get_error(obj);
  if (err) {
    fprintf(stderr, "open %s: %s\n", argv[1], strerror((int)-err));
    return 1;
  }
  err = bpf_object__load(obj);
  if (err) {
    fprintf(stderr, "load %s: %s\n", argv[1], strerror((int)-err));
    bpf_object__close(obj);
    return 1;
  }
  struct bpf_program *prog;
  bpf_object__for_each_program(prog, obj) {
    const struct bpf_insn *insns = bpf_program__insns(prog);
    size_t n = bpf_program__insn_cnt(prog);
    for (size_t i = 0; i < n; i++) {
      const struct bpf_insn *in = &insns[i];
      printf("insn %s %zu %u %u %u %d %d\n", bpf_program__section_name(prog), i, in->code, in->dst_reg,
             in->src_reg, in->off, in->imm);
    }
  }
  bpf_object__close(obj);
  return 0;
}
