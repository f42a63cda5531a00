/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_MCAST_H
#define IPOIB_MCAST_H

/**
 * @file
 * The multicast thread of a port in the Ethernet view (ipoib_mcast.c).
 */

#include "ipoib_eth.h"

int ipoib_mcast_start(struct ipoib_eth *eth);
void ipoib_mcast_stop(struct ipoib_eth *eth);
int ipoib_mcast_set_list(struct ipoib_eth *eth,
			 const struct rte_ether_addr *macs, uint32_t n);

#endif /* IPOIB_MCAST_H */
