/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_ETHDEV_H
#define IPOIB_ETHDEV_H

/**
 * @file
 * The ethdev operations of a port (ipoib_ethdev.c), for the probe, the
 * secondary process, telemetry and the API.
 */

#include "ipoib.h"

extern const struct eth_dev_ops ipoib_ops;
struct ipoib_priv *ipoib_priv_of_port(uint16_t port_id);
int ipoib_dev_infos_get(struct rte_eth_dev *dev,
			struct rte_eth_dev_info *info);
int ipoib_dev_close(struct rte_eth_dev *dev);
/**
 * The most rx (and tx) queues of the port: the device's RSS queues
 * (QUERY_HCA_CAP), at most IPOIB_MAX_QUEUES; 1 without RSS on UD.
 */
uint16_t ipoib_queues_max(const struct ipoib_priv *priv);

#endif /* IPOIB_ETHDEV_H */
