/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * bench-memcpy: the physical limit of a software wire on this machine.
 * Copies SIZE bytes from one source buffer into a ring of 4096
 * destination buffers (2048-byte stride, or SIZE when larger), the access
 * pattern of hcasim-perf's soft HCA (one send buffer, a ring of receive
 * buffers), with plain memcpy(), for SECONDS per size.
 *
 *   bench-memcpy [-t SECONDS] SIZE...
 *
 * Prints one JSON line per size: copies per second and bytes per second.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BM_RING 4096
#define BM_STRIDE 2048
#define BM_MAX 65536

/** Seconds on the monotonic clock. */
static double
bm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/**
 * Copy size bytes into the ring for about seconds.
 *
 * @return copies per second, or a negative value when out of memory
 */
static double
bm_measure(size_t size, double seconds)
{
	size_t stride = size > BM_STRIDE ? size : BM_STRIDE;
	uint8_t *src = malloc(size), *dst = malloc(stride * BM_RING);
	volatile uint8_t sink = 0;
	uint64_t n = 0;
	double t0, t1;
	uint32_t i;

	if (src == NULL || dst == NULL) {
		free(src);
		free(dst);
		return -1;
	}
	memset(src, 0x5a, size);
	memset(dst, 0, stride * BM_RING);
	t0 = bm_now();
	do {
		for (i = 0; i < BM_RING; i++)
			memcpy(dst + (size_t)i * stride, src, size);
		sink = sink + dst[(n % BM_RING) * stride];
		n += BM_RING;
		t1 = bm_now();
	} while (t1 - t0 < seconds);
	free(src);
	free(dst);
	return (double)n / (t1 - t0);
}

/** Entry point: see the file comment. */
int
main(int argc, char **argv)
{
	double seconds = 0.5, pps;
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		seconds = strtod(argv[2], NULL);
		i = 3;
	}
	if (i >= argc || !(seconds > 0)) {
		fprintf(stderr, "usage: bench-memcpy [-t SECONDS] SIZE...\n");
		return 2;
	}
	for (; i < argc; i++) {
		long size = strtol(argv[i], NULL, 0);

		if (size < 1 || size > BM_MAX) {
			fprintf(stderr, "bench-memcpy: bad size \"%s\"\n",
				argv[i]);
			return 2;
		}
		pps = bm_measure((size_t)size, seconds);
		if (pps < 0) {
			fprintf(stderr, "bench-memcpy: out of memory\n");
			return 1;
		}
		printf("{\"size\": %ld, \"pps\": %.0f, \"bytes_per_s\": %.0f}\n",
		       size, pps, pps * (double)size);
	}
	return 0;
}
