/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * DPDK glue: the pmd.common.hca log type, and routing the DPDK-free
 * core's messages into rte_log.
 */

#include <rte_log.h>

#include "hca_log.h"

RTE_LOG_REGISTER(hca_logtype, pmd.common.hca, NOTICE);

/** Pass a core message to rte_log under pmd.common.hca. */
static void
hca_log_to_rte(int level, const char *msg)
{
	rte_log((uint32_t)level, hca_logtype, "%s", msg);
}

/** Install the rte_log handler when the library is loaded. */
RTE_INIT(hca_dpdk_log_init)
{
	hca_log_set_handler(hca_log_to_rte);
}
