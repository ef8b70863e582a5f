// libbpf baseline for bench/readers.ts: ring buffer and perf buffer consumer throughput.
//
// usage: reader-bench <reader-producer.bpf.o> <ring|perf> <record-bytes> <records> <warmups> <reps>
//                     <perf-pages> <wall|cpu>
// Loads the object, opens the consumer (ring_buffer__new on map "ring", or perf_buffer__new_raw on map
// "events" with <perf-pages> pages per CPU, woken at half a buffer), then for <warmups> untimed and <reps>
// timed repetitions: runs program "<kind><bytes>" once with BPF_PROG_TEST_RUN repeat=<records> (one record per run, so
// <records> records are waiting), then drains them with ring_buffer__consume / perf_buffer__consume.
// The sample callback counts records and bytes and sums the low 32 bits of each record's sequence
// number, which is checked afterwards (the ebpf-ts side does the same work per record).
// Prints one JSON line: per repetition, the ns of the drain alone and of produce + drain.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tally {
	uint64_t records;
	uint64_t bytes;
	uint64_t seq_sum;
	uint64_t lost;
};

static clockid_t clock_id = CLOCK_MONOTONIC;

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(clock_id, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int print_warnings(enum libbpf_print_level level, const char *fmt, va_list args) {
	if (level == LIBBPF_DEBUG || level == LIBBPF_INFO) return 0;
	return vfprintf(stderr, fmt, args);
}

static inline void count(struct tally *t, const void *data, size_t size) {
	uint32_t seq;
	memcpy(&seq, data, sizeof(seq));
	t->records++;
	t->bytes += size;
	t->seq_sum += seq;
}

static int on_ring_sample(void *ctx, void *data, size_t size) {
	count(ctx, data, size);
	return 0;
}

// What libbpf's own perf_buffer__new callback does with each record (perf_buffer__process_record): a
// sample goes to the sample callback, a PERF_RECORD_LOST adds to the loss count.
struct perf_sample_raw {
	struct perf_event_header header;
	uint32_t size;
	char data[];
};

struct perf_lost {
	struct perf_event_header header;
	uint64_t id;
	uint64_t lost;
};

static enum bpf_perf_event_ret on_perf_event(void *ctx, int cpu, struct perf_event_header *e) {
	(void)cpu;
	if (e->type == PERF_RECORD_SAMPLE) {
		struct perf_sample_raw *s = (struct perf_sample_raw *)e;
		count(ctx, s->data, s->size);
	} else if (e->type == PERF_RECORD_LOST) {
		((struct tally *)ctx)->lost += ((struct perf_lost *)e)->lost;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

static int fail(const char *what, int err) {
	fprintf(stderr, "reader-bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

int main(int argc, char **argv) {
	if (argc != 9) {
		fprintf(stderr,
			"usage: %s <object> <ring|perf> <record-bytes> <records> <warmups> <reps> <perf-pages> "
			"<wall|cpu>\n",
			argv[0]);
		return 2;
	}
	const char *path = argv[1];
	const char *kind = argv[2];
	int record_bytes = atoi(argv[3]);
	long records = atol(argv[4]);
	int warmups = atoi(argv[5]);
	int reps = atoi(argv[6]);
	long pages = atol(argv[7]);
	int ring = strcmp(kind, "ring") == 0;
	if (!ring && strcmp(kind, "perf") != 0) return fprintf(stderr, "kind must be ring or perf\n"), 2;
	if (records < 1 || records > 100000000 || warmups < 0 || warmups > 10000 || reps < 1 || reps > 10000 ||
	    pages < 1)
		return fprintf(stderr, "argument out of range\n"), 2;
	if (strcmp(argv[8], "cpu") == 0) clock_id = CLOCK_THREAD_CPUTIME_ID;
	else if (strcmp(argv[8], "wall") != 0) return fprintf(stderr, "clock must be wall or cpu\n"), 2;
	libbpf_set_print(print_warnings);

	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) return fail("open object", errno);
	int err = bpf_object__load(obj);
	if (err) return fail("load object", err);
	char prog_name[32];
	snprintf(prog_name, sizeof(prog_name), "%s%d", kind, record_bytes);
	struct bpf_program *prog = bpf_object__find_program_by_name(obj, prog_name);
	if (!prog) return fail(prog_name, ENOENT);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ring ? "ring" : "events");
	if (!map) return fail("map", ENOENT);

	struct tally tally = {0};
	struct ring_buffer *rb = NULL;
	struct perf_buffer *pb = NULL;
	if (ring) rb = ring_buffer__new(bpf_map__fd(map), on_ring_sample, &tally, NULL);
	else {
		// perf_buffer__new's attr, except that readers are woken by a byte watermark (half a buffer)
		// instead of after every sample: on a VM each wakeup costs tens of microseconds of producer time.
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.size = sizeof(attr),
			.config = PERF_COUNT_SW_BPF_OUTPUT,
			.sample_period = 1,
			.sample_type = PERF_SAMPLE_RAW,
			.watermark = 1,
			.wakeup_watermark = (uint32_t)(pages * (long)sysconf(_SC_PAGESIZE) / 2),
		};
		pb = perf_buffer__new_raw(bpf_map__fd(map), (size_t)pages, &attr, on_perf_event, &tally, NULL);
	}
	if (!rb && !pb) return fail(ring ? "ring_buffer__new" : "perf_buffer__new", errno);

	unsigned char packet[64] = {0};
	LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = packet, .data_size_in = sizeof(packet),
		    .repeat = (int)records);
	long long *drain_ns = calloc((size_t)reps, sizeof(long long));
	long long *total_ns = calloc((size_t)reps, sizeof(long long));
	if (!drain_ns || !total_ns) return 1;
	uint64_t next_seq = 0;
	for (int r = -warmups; r < reps; r++) {
		memset(&tally, 0, sizeof(tally));
		long long t0 = now_ns();
		err = bpf_prog_test_run_opts(bpf_program__fd(prog), &run);
		if (err) return fail("test run", err);
		long long t1 = now_ns();
		err = ring ? ring_buffer__consume(rb) : perf_buffer__consume(pb);
		long long t2 = now_ns();
		if (err < 0) return fail("consume", err);
		uint64_t want_sum = 0;
		for (long i = 0; i < records; i++) want_sum += (uint32_t)(next_seq + (uint64_t)i);
		next_seq += (uint64_t)records;
		if (tally.records != (uint64_t)records || tally.seq_sum != want_sum || tally.lost != 0) {
			fprintf(stderr, "reader-bench: got %llu records (lost %llu, sum %llu, want %llu), want %ld\n",
				(unsigned long long)tally.records, (unsigned long long)tally.lost,
				(unsigned long long)tally.seq_sum, (unsigned long long)want_sum, records);
			return 1;
		}
		if (r >= 0) {
			drain_ns[r] = t2 - t1;
			total_ns[r] = t2 - t0;
		}
	}
	printf("{\"kind\":\"%s\",\"recordBytes\":%d,\"records\":%ld,\"sampleBytes\":%llu,\"drainNs\":[", kind,
	       record_bytes, records, (unsigned long long)tally.bytes);
	for (int r = 0; r < reps; r++) printf("%s%lld", r ? "," : "", drain_ns[r]);
	printf("],\"totalNs\":[");
	for (int r = 0; r < reps; r++) printf("%s%lld", r ? "," : "", total_ns[r]);
	printf("]}\n");
	ring_buffer__free(rb);
	perf_buffer__free(pb);
	bpf_object__close(obj);
	free(drain_ns);
	free(total_ns);
	return 0;
}
