/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FUZZ_H
#define IPOIB_FUZZ_H

/**
 * @file
 * What every fuzz harness shares: the libFuzzer entry point (also called
 * by fuzz_replay.c when the harness is built without libFuzzer), a check
 * macro that turns a broken invariant into a crash the fuzzer records, and
 * big-endian readers for comparing decoded fields with the input bytes.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/**
 * Run one input through a harness.
 *
 * @param data  the input (exactly size bytes, so that AddressSanitizer
 *              sees any read past its end)
 * @param size  its length
 * @return 0 (libFuzzer's convention: keep the input)
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * Abort with a message when an invariant of a parser does not hold. Under
 * libFuzzer the abort is a finding (the input is saved as crash-*); under
 * the replay driver the input is saved by its signal handler.
 */
#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", \
			__FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/** Read a big-endian 16-bit value. */
static inline uint16_t
fuzz_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/** Read a big-endian 32-bit value. */
static inline uint32_t
fuzz_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/** Read a big-endian 64-bit value. */
static inline uint64_t
fuzz_be64(const uint8_t *p)
{
	return (uint64_t)fuzz_be32(p) << 32 | fuzz_be32(p + 4);
}

/** Whether the n bytes at p lie inside buf[0..len). */
static inline int
fuzz_inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return p >= buf && (size_t)(p - buf) <= len &&
	       n <= len - (size_t)(p - buf);
}

#endif /* IPOIB_FUZZ_H */
