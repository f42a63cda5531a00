/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_LOG_H
#define IPOIB_LOG_H

/**
 * @file
 * Logging of the net_ipoib PMD: log type pmd.net.ipoib.
 */

#include <rte_log.h>

extern int ipoib_logtype;

/** Log a message at a level (ERR, WARNING, NOTICE, INFO, DEBUG). */
#define IPOIB_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, ipoib_logtype, "net_ipoib: " fmt "\n", \
		##__VA_ARGS__)

#endif /* IPOIB_LOG_H */
