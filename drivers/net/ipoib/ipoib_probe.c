/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The net_ipoib vdev driver: probe (devargs, the HCA port opened, the
 * ethdev with the view's burst functions) and remove, and its
 * registration with the vdev bus.
 */

#include <errno.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_malloc.h>

#include "ipoib.h"
#include "ipoib_devargs.h"
#include "ipoib_dp.h"
#include "ipoib_eth.h"
#include "ipoib_ethdev.h"
#include "ipoib_log.h"
#include "ipoib_port.h"
#include "ipoib_secondary.h"
#include "ipoib_telemetry.h"
#include "rte_pmd_ipoib.h"

/** A locally administered MAC derived from the port GUID. */
static void
ipoib_fake_mac(const struct ipoib_priv *priv, struct rte_ether_addr *mac)
{
	uint64_t g = priv->attr.port.port_guid;

	mac->addr_bytes[0] = 0x02;
	mac->addr_bytes[1] = (uint8_t)(g >> 32);
	mac->addr_bytes[2] = (uint8_t)(g >> 24);
	mac->addr_bytes[3] = (uint8_t)(g >> 16);
	mac->addr_bytes[4] = (uint8_t)(g >> 8);
	mac->addr_bytes[5] = (uint8_t)g;
}

/** Probe a net_ipoib vdev. */
static int
ipoib_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev;
	struct ipoib_priv *priv;
	struct ipoib_args args;
	int ret;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return ipoib_secondary_probe(vdev);
	ret = ipoib_devargs_parse(name, rte_vdev_device_args(vdev), &args);
	if (ret < 0)
		return ret;
	ret = ipoib_rx_dynflag_register();
	if (ret < 0)
		return ret;
	dev = rte_eth_vdev_allocate(vdev, sizeof(*priv));
	if (dev == NULL)
		return -ENOMEM;
	priv = dev->data->dev_private;
	priv->dev = dev;
	priv->args = args;
	strlcpy(priv->name, name, sizeof(priv->name));
	pthread_mutex_init(&priv->lock, NULL);
	ret = ipoib_port_open(priv);
	if (ret < 0) {
		pthread_mutex_destroy(&priv->lock);
		rte_eth_dev_release_port(dev);
		return ret;
	}
	dev->data->mac_addrs = rte_zmalloc("ipoib_mac",
					   sizeof(struct rte_ether_addr), 0);
	if (dev->data->mac_addrs == NULL) {
		hca_dev_close(priv->hca);
		rte_eth_dev_release_port(dev);
		return -ENOMEM;
	}
	ipoib_fake_mac(priv, dev->data->mac_addrs);
	dev->dev_ops = &ipoib_ops;
	dev->rx_pkt_burst = ipoib_rx_burst_pausable;
	dev->tx_pkt_burst = ipoib_tx_burst_pausable;
	/* both views: the same receive queues and CQs */
	dev->rx_queue_count = ipoib_rx_queue_count;
	if (args.mode == IPOIB_MODE_ETH) {
		if (ipoib_eth_create(priv) == NULL) {
			hca_dev_close(priv->hca);
			rte_eth_dev_release_port(dev);
			return -ENOMEM;
		}
		dev->rx_pkt_burst = ipoib_eth_rx_burst_pausable;
		dev->tx_pkt_burst = ipoib_eth_tx_burst_pausable;
	}
	dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
	dev->data->mtu = (uint16_t)(hca_mtu_to_bytes(
		priv->attr.port.active_mtu) - RTE_IPOIB_HDR_LEN);
	ipoib_telemetry_register();
	rte_eth_dev_probing_finish(dev);
	IPOIB_LOG(INFO, "%s: %s port %d, P_Key 0x%04x, mode %s, %u peers",
		  name, priv->attr.port.ca_name, priv->attr.port.port_num,
		  args.pkey, args.mode == IPOIB_MODE_RAW ? "raw" : "eth",
		  args.peers);
	if (ipoib_queues_max(priv) == 1)
		IPOIB_LOG(NOTICE, "%s: one rx and one tx queue only: the "
			  "device has no RSS on UD (no ipoib_enhanced_offloads "
			  "or no RSS objects in QUERY_HCA_CAP)", name);
	else
		IPOIB_LOG(INFO, "%s: up to %u rx and tx queues (RSS on UD)",
			  name, ipoib_queues_max(priv));
	return 0;
}

/** Remove a net_ipoib vdev. */
static int
ipoib_remove(struct rte_vdev_device *vdev)
{
	struct rte_eth_dev *dev =
		rte_eth_dev_allocated(rte_vdev_device_name(vdev));

	if (dev == NULL)
		return 0;
	ipoib_dev_close(dev);
	return rte_eth_dev_release_port(dev);
}

static struct rte_vdev_driver ipoib_vdev_driver = {
	.probe = ipoib_probe,
	.remove = ipoib_remove,
};

RTE_PMD_REGISTER_VDEV(net_ipoib, ipoib_vdev_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_ipoib, IPOIB_DEVARGS_PARAM_STRING);
