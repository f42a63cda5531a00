/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_TEST_H
#define IPOIB_TEST_H

/**
 * @file
 * Helpers shared by the DPDK test programs of the suites (pmd, eth): a
 * non-fatal check that counts failures, and reading one xstat by name.
 * A file that includes this one defines `failures` first.
 */

#include <stdio.h>
#include <stdint.h>

#include <rte_ethdev.h>

/** Count and report a failed condition, then go on. */
#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: ", __func__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

/**
 * One extended statistic of a port by name. A name the port does not have
 * (renamed, removed) is a failure of the test, not a zero: it is counted
 * and reported, and the value is UINT64_MAX, which no "is zero" check
 * passes. The file defines `failures` (see above).
 *
 * @return its value, or UINT64_MAX when the port has no such xstat
 */
static inline uint64_t
ipoib_test_xstat(uint16_t port, const char *name)
{
	uint64_t id, v;

	if (rte_eth_xstats_get_id_by_name(port, name, &id) != 0 ||
	    rte_eth_xstats_get_by_id(port, &id, &v, 1) != 1) {
		failures++;
		printf("FAIL: port %u has no xstat \"%s\"\n", port, name);
		return UINT64_MAX;
	}
	return v;
}

#endif /* IPOIB_TEST_H */
