/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_STATS_H
#define IPOIB_STATS_H

/**
 * @file
 * The ethdev stats and xstats of a port (ipoib_stats.c).
 */

#include <ethdev_driver.h>

int ipoib_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *s);
int ipoib_stats_reset(struct rte_eth_dev *dev);
int ipoib_xstats_get_names(struct rte_eth_dev *dev,
			   struct rte_eth_xstat_name *names, unsigned int size);
int ipoib_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
		     unsigned int size);

#endif /* IPOIB_STATS_H */
