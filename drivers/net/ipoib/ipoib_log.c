/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The log type of the net_ipoib PMD (pmd.net.ipoib), registered at load.
 */

#include "ipoib_log.h"

RTE_LOG_REGISTER(ipoib_logtype, pmd.net.ipoib, NOTICE);
