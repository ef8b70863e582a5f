// libbpf baseline for bench/kernel-btf.ts: parse the kernel's BTF and look up common types by name.
//
// usage: btf-bench [--clock=wall|cpu] <btf-path> <reps> <name>...
//   --clock  wall (default): CLOCK_MONOTONIC; cpu: CLOCK_THREAD_CPUTIME_ID (this thread's user + system
//            time, steadier on a busy machine), as bench/lib/clock.ts measures the ebpf-ts side.
// Each repetition runs btf__parse(path) then btf__find_by_name_kind(name, BTF_KIND_STRUCT) for every
// name (each must be found), then btf__free. Prints one JSON line: the median ns of a repetition, every
// repetition's ns (the first one is the cold run of this process), and the ids found.
#include <bpf/btf.h>
#include <errno.h>
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

int main(int argc, char **argv) {
	if (argc > 1 && strncmp(argv[1], "--clock=", 8) == 0) {
		if (strcmp(argv[1] + 8, "cpu") == 0) {
			bench_clock = CLOCK_THREAD_CPUTIME_ID;
		} else if (strcmp(argv[1] + 8, "wall") != 0) {
			fprintf(stderr, "btf-bench: bad clock: %s\n", argv[1] + 8);
			return 2;
		}
		argv++;
		argc--;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: %s [--clock=wall|cpu] <btf-path> <reps> <name>...\n", argv[0]);
		return 2;
	}
	const char *path = argv[1];
	int reps = atoi(argv[2]);
	int nnames = argc - 3;
	char **names = argv + 3;
	if (reps < 1 || reps > 100000) {
		fprintf(stderr, "reps out of range\n");
		return 2;
	}
	long long *samples = calloc((size_t)reps, sizeof(*samples));
	int *ids = calloc((size_t)nnames, sizeof(*ids));
	if (!samples || !ids) return 1;
	for (int r = 0; r < reps; r++) {
		long long t0 = now_ns();
		struct btf *btf = btf__parse(path, NULL);
		if (!btf) {
			fprintf(stderr, "btf__parse %s: %s\n", path, strerror(errno));
			return 1;
		}
		for (int i = 0; i < nnames; i++) {
			ids[i] = btf__find_by_name_kind(btf, names[i], BTF_KIND_STRUCT);
			if (ids[i] < 0) {
				fprintf(stderr, "struct %s not found\n", names[i]);
				return 1;
			}
		}
		long long t1 = now_ns();
		btf__free(btf);
		samples[r] = t1 - t0;
	}
	printf("{\"case\":\"kernel-btf\",\"clock\":\"%s\",\"firstNs\":%lld,\"samplesNs\":[",
	       bench_clock == CLOCK_MONOTONIC ? "wall" : "cpu", samples[0]);
	for (int r = 0; r < reps; r++) printf("%s%lld", r ? "," : "", samples[r]);
	printf("],\"ids\":[");
	for (int i = 0; i < nnames; i++) printf("%s%d", i ? "," : "", ids[i]);
	qsort(samples, (size_t)reps, sizeof(*samples), cmp_ll);
	long long med = reps % 2 ? samples[reps / 2] : (samples[reps / 2 - 1] + samples[reps / 2]) / 2;
	printf("],\"nsPerOp\":%lld}\n", med);
	free(samples);
	free(ids);
	return 0;
}
