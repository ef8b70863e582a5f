// libbpf baseline for bench/collection-load.ts: open, load and close a BPF object file.
//
// usage: load-bench <object.bpf.o> <reps> [wall|cpu]
//   clock  wall (default): CLOCK_MONOTONIC; cpu: CLOCK_THREAD_CPUTIME_ID (this thread's user + system time,
//          which includes the verifier's work in bpf(2); steadier on a busy machine)
// Each repetition runs bpf_object__open_file + bpf_object__load + bpf_object__close. libbpf parses the
// kernel's BTF (for CO-RE) inside every load and frees it at the end of it, so every repetition pays for
// the kernel BTF; its feature-probe results are process-wide and only the first repetition pays for them.
// Prints one JSON line: the median ns of a repetition, every repetition's ns (the first is the cold one
// of this process) and the number of programs loaded.
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static clockid_t bench_clock = CLOCK_MONOTONIC;

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(bench_clock, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_ll(const void *a, const void *b) {
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

// Only warnings and errors reach stderr (libbpf's default also prints info lines).
static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list args) {
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO) return 0;
	return vfprintf(stderr, fmt, args);
}

int main(int argc, char **argv) {
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s <object.bpf.o> <reps> [wall|cpu]\n", argv[0]);
		return 2;
	}
	if (argc == 4) {
		if (strcmp(argv[3], "cpu") == 0) {
			bench_clock = CLOCK_THREAD_CPUTIME_ID;
		} else if (strcmp(argv[3], "wall") != 0) {
			fprintf(stderr, "load-bench: bad clock: %s\n", argv[3]);
			return 2;
		}
	}
	const char *path = argv[1];
	int reps = atoi(argv[2]);
	if (reps < 1 || reps > 100000) {
		fprintf(stderr, "reps out of range\n");
		return 2;
	}
	libbpf_set_print(print_warnings);
	long long *samples = calloc((size_t)reps, sizeof(*samples));
	if (!samples) return 1;
	int programs = 0;
	for (int r = 0; r < reps; r++) {
		long long t0 = now_ns();
		struct bpf_object *obj = bpf_object__open_file(path, NULL);
		if (!obj) {
			fprintf(stderr, "bpf_object__open_file %s: %s\n", path, strerror(errno));
			return 1;
		}
		int err = bpf_object__load(obj);
		if (err) {
			fprintf(stderr, "bpf_object__load %s: %s\n", path, strerror(-err));
			return 1;
		}
		if (r == 0) {
			struct bpf_program *prog;
			bpf_object__for_each_program(prog, obj) if (bpf_program__fd(prog) >= 0) programs++;
		}
		bpf_object__close(obj);
		samples[r] = now_ns() - t0;
	}
	printf("{\"case\":\"collection-load\",\"clock\":\"%s\",\"programs\":%d,\"firstNs\":%lld,\"samplesNs\":[",
	       bench_clock == CLOCK_MONOTONIC ? "wall" : "cpu", programs, samples[0]);
	for (int r = 0; r < reps; r++) printf("%s%lld", r ? "," : "", samples[r]);
	qsort(samples, (size_t)reps, sizeof(*samples), cmp_ll);
	long long med = reps % 2 ? samples[reps / 2] : (samples[reps / 2 - 1] + samples[reps / 2]) / 2;
	printf("],\"nsPerOp\":%lld}\n", med);
	free(samples);
	return 0;
}
