/*
 * A stand-in for a JVM's garbage collector: fires the HotSpot-style USDT probes hotspot:gc__begin (with a
 * "full collection" flag) and hotspot:gc__end around a short sleep, forever (or `argv[1]` times).
 * Build: cc -O1 -o gc-probes examples/usdt/gc-probes.c   (needs <sys/sdt.h>, package systemtap-sdt-dev)
 */
#include <stdlib.h>
#include <sys/sdt.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : -1;
	for (long i = 0; rounds < 0 || i < rounds; i++) {
		long full = i % 4 == 3;
		DTRACE_PROBE1(hotspot, gc__begin, full);
		usleep(full ? 20000 : 5000); /* "collecting" */
		DTRACE_PROBE(hotspot, gc__end);
		usleep(100000);
	}
	return 0;
}
