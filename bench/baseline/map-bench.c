// SPDX-License-Identifier: MIT
/*
 * map-bench: the libbpf baseline for ebpf-ts's map benchmarks (bench/run.ts).
 *
 * Usage: map-bench <case> <iterations> <reps> <entries> <batch> [wall|cpu]
 *
 *   case        syscall-floor | array-lookup | array-update | hash-lookup | hash-update |
 *               hash-iterate | hash-batch-lookup
 *   iterations  single-op cases: operations per repetition;
 *               per-element cases (hash-iterate, hash-batch-lookup): full passes over the map per repetition
 *   reps        timed repetitions (one untimed warmup repetition runs first); the median is reported
 *   entries     max_entries of the maps, and the number of elements put in the HASH map
 *   batch       elements per BPF_MAP_LOOKUP_BATCH call
 *   clock       wall (default): CLOCK_MONOTONIC; cpu: CLOCK_THREAD_CPUTIME_ID, the CPU time of this thread
 *               (user + kernel), which time spent preempted by other processes does not inflate
 *
 * Prints one JSON object on stdout:
 *   {"case":..., "clock":..., "iterations":..., "reps":..., "entries":..., "opsPerRep":..., "nsPerOp":<median>,
 *    "samplesNs":[...per-op ns of each rep...], "checksum":"..."}
 * For the per-element cases an "op" is one element. Exits 1 with a message on stderr on any failure.
 *
 * Every case uses the same key pattern as bench/run.ts: u32 keys, u64 values, and "hot" keys
 * (i & HOT_MASK) for the single-element operations, so both sides touch the same cache lines.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HOT_MASK 1023u
#define MAX_REPS 1000

/* A command number the kernel does not know: bpf() copies the attr in and returns EINVAL. */
#define INVALID_BPF_CMD 0x7fff

static uint64_t checksum;

static void die(const char *what, int err)
{
	fprintf(stderr, "map-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static clockid_t bench_clock = CLOCK_MONOTONIC;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(bench_clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int create_map(enum bpf_map_type type, const char *name, uint32_t entries)
{
	int fd = bpf_map_create(type, name, sizeof(uint32_t), sizeof(uint64_t), entries, NULL);
	if (fd < 0)
		die("bpf_map_create", errno);
	return fd;
}

/* Fills keys 0..entries-1 with value key*3 (the same content run.ts writes). */
static void fill_map(int fd, uint32_t entries)
{
	for (uint32_t k = 0; k < entries; k++) {
		uint64_t v = (uint64_t)k * 3;
		if (bpf_map_update_elem(fd, &k, &v, BPF_ANY) < 0)
			die("fill: bpf_map_update_elem", errno);
	}
}

struct bench_ctx {
	int fd;
	uint32_t entries;
	uint32_t batch;
	uint32_t *keys;
	uint64_t *values;
};

typedef void (*bench_fn)(struct bench_ctx *ctx, uint64_t iterations);

static void run_syscall_floor(struct bench_ctx *ctx, uint64_t iterations)
{
	union bpf_attr attr;
	(void)ctx;
	memset(&attr, 0, sizeof(attr));
	for (uint64_t i = 0; i < iterations; i++) {
		long r = syscall(__NR_bpf, INVALID_BPF_CMD, &attr, 32u);
		checksum += (uint64_t)r;
	}
}

static void run_lookup(struct bench_ctx *ctx, uint64_t iterations)
{
	uint64_t v;
	for (uint64_t i = 0; i < iterations; i++) {
		uint32_t k = (uint32_t)i & HOT_MASK;
		if (bpf_map_lookup_elem(ctx->fd, &k, &v) < 0)
			die("bpf_map_lookup_elem", errno);
		checksum += v;
	}
}

static void run_update(struct bench_ctx *ctx, uint64_t iterations)
{
	for (uint64_t i = 0; i < iterations; i++) {
		uint32_t k = (uint32_t)i & HOT_MASK;
		uint64_t v = i;
		if (bpf_map_update_elem(ctx->fd, &k, &v, BPF_ANY) < 0)
			die("bpf_map_update_elem", errno);
	}
}

/* What ebpf-ts's entries() does: get_next_key from "before the first key", then a lookup per key. */
static void run_iterate(struct bench_ctx *ctx, uint64_t passes)
{
	for (uint64_t p = 0; p < passes; p++) {
		uint32_t key, next;
		uint64_t v, seen = 0;
		void *prev = NULL;
		for (;;) {
			if (bpf_map_get_next_key(ctx->fd, prev, &next) < 0) {
				if (errno == ENOENT)
					break;
				die("bpf_map_get_next_key", errno);
			}
			if (bpf_map_lookup_elem(ctx->fd, &next, &v) < 0)
				die("iterate: bpf_map_lookup_elem", errno);
			checksum += v;
			key = next;
			prev = &key;
			seen++;
		}
		if (seen != ctx->entries) {
			fprintf(stderr, "map-bench: iterate saw %llu of %u elements\n", (unsigned long long)seen,
				ctx->entries);
			exit(1);
		}
	}
}

static void run_batch_lookup(struct bench_ctx *ctx, uint64_t passes)
{
	DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
	for (uint64_t p = 0; p < passes; p++) {
		uint32_t in_batch = 0, out_batch = 0;
		void *in = NULL;
		uint64_t seen = 0;
		for (;;) {
			uint32_t count = ctx->batch;
			int r = bpf_map_lookup_batch(ctx->fd, in, &out_batch, ctx->keys, ctx->values, &count,
						     &opts);
			int err = r < 0 ? errno : 0;
			if (r < 0 && err != ENOENT)
				die("bpf_map_lookup_batch", err);
			for (uint32_t i = 0; i < count; i++)
				checksum += ctx->values[i];
			seen += count;
			if (err == ENOENT)
				break;
			in_batch = out_batch;
			in = &in_batch;
		}
		if (seen != ctx->entries) {
			fprintf(stderr, "map-bench: batch lookup saw %llu of %u elements\n",
				(unsigned long long)seen, ctx->entries);
			exit(1);
		}
	}
}

static uint64_t parse_u64(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0) {
		fprintf(stderr, "map-bench: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: %s <case> <iterations> <reps> <entries> <batch> [wall|cpu]\n", argv[0]);
		return 2;
	}
	if (argc == 7) {
		if (strcmp(argv[6], "cpu") == 0) {
			bench_clock = CLOCK_THREAD_CPUTIME_ID;
		} else if (strcmp(argv[6], "wall") != 0) {
			fprintf(stderr, "map-bench: bad clock: %s\n", argv[6]);
			return 2;
		}
	}
	const char *name = argv[1];
	uint64_t iterations = parse_u64(argv[2], "iterations");
	uint64_t reps = parse_u64(argv[3], "reps");
	uint64_t entries = parse_u64(argv[4], "entries");
	uint64_t batch = parse_u64(argv[5], "batch");
	if (reps > MAX_REPS || entries > UINT32_MAX || batch > UINT32_MAX || entries <= HOT_MASK) {
		fprintf(stderr, "map-bench: out of range (reps <= %d, %u < entries < 2^32)\n", MAX_REPS,
			HOT_MASK);
		return 2;
	}

	struct bench_ctx ctx = { .fd = -1, .entries = (uint32_t)entries, .batch = (uint32_t)batch };
	bench_fn fn;
	uint64_t ops_per_rep = iterations;

	if (strcmp(name, "syscall-floor") == 0) {
		fn = run_syscall_floor;
	} else if (strcmp(name, "array-lookup") == 0 || strcmp(name, "array-update") == 0) {
		ctx.fd = create_map(BPF_MAP_TYPE_ARRAY, "bench_array", ctx.entries);
		fill_map(ctx.fd, ctx.entries);
		fn = name[6] == 'l' ? run_lookup : run_update;
	} else if (strcmp(name, "hash-lookup") == 0 || strcmp(name, "hash-update") == 0) {
		ctx.fd = create_map(BPF_MAP_TYPE_HASH, "bench_hash", ctx.entries);
		fill_map(ctx.fd, ctx.entries);
		fn = name[5] == 'l' ? run_lookup : run_update;
	} else if (strcmp(name, "hash-iterate") == 0 || strcmp(name, "hash-batch-lookup") == 0) {
		ctx.fd = create_map(BPF_MAP_TYPE_HASH, "bench_hash", ctx.entries);
		fill_map(ctx.fd, ctx.entries);
		ctx.keys = calloc(ctx.batch, sizeof(uint32_t));
		ctx.values = calloc(ctx.batch, sizeof(uint64_t));
		if (!ctx.keys || !ctx.values)
			die("calloc", ENOMEM);
		fn = name[5] == 'i' ? run_iterate : run_batch_lookup;
		ops_per_rep = iterations * entries;
	} else {
		fprintf(stderr, "map-bench: unknown case %s\n", name);
		return 2;
	}

	double samples[MAX_REPS], sorted[MAX_REPS];
	fn(&ctx, iterations); /* warmup: faults pages in, warms caches and branch predictors */
	for (uint64_t r = 0; r < reps; r++) {
		uint64_t t0 = now_ns();
		fn(&ctx, iterations);
		uint64_t t1 = now_ns();
		samples[r] = (double)(t1 - t0) / (double)ops_per_rep;
	}
	memcpy(sorted, samples, sizeof(double) * reps);
	qsort(sorted, reps, sizeof(double), cmp_double);
	double median = reps % 2 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;

	printf("{\"case\":\"%s\",\"clock\":\"%s\",\"iterations\":%llu,\"reps\":%llu,\"entries\":%llu,\"opsPerRep\":%llu,"
	       "\"nsPerOp\":%.3f,\"samplesNs\":[",
	       name, bench_clock == CLOCK_MONOTONIC ? "wall" : "cpu", (unsigned long long)iterations,
	       (unsigned long long)reps, (unsigned long long)entries, (unsigned long long)ops_per_rep, median);
	for (uint64_t r = 0; r < reps; r++)
		printf("%s%.3f", r ? "," : "", samples[r]);
	printf("],\"checksum\":\"%llu\"}\n", (unsigned long long)checksum);

	free(ctx.keys);
	free(ctx.values);
	if (ctx.fd >= 0)
		close(ctx.fd);
	return 0;
}
