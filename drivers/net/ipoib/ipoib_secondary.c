/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * A net_ipoib port seen from a DPDK secondary process (dpdk-dumpcap,
 * dpdk-proc-info): the port the primary created, with the
 * operations that touch only what lives in shared memory.
 *
 * What a secondary can reach: the port's ethdev data and private data
 * (allocated by the primary in hugepage memory, mapped at the same
 * address here), hence the link state the primary keeps, the device
 * information, and every counter of stats and xstats (the per-queue
 * counters are inside the private data; the peer cache and the mode=eth
 * state are rte_malloc'ed, also shared). What it cannot: the device
 * connection, the queues' rings and the control thread belong to the
 * primary, so a secondary neither configures, starts nor stops the
 * port, and its burst functions return 0 without touching a queue.
 * Packet capture works anyway: dpdk-dumpcap asks the primary to copy
 * the packets of its own bursts (rte_pdump callbacks).
 */

#include <errno.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>

#include "ipoib.h"
#include "ipoib_dp.h"
#include "ipoib_ethdev.h"
#include "ipoib_log.h"
#include "ipoib_secondary.h"
#include "ipoib_stats.h"

/**
 * Receive burst of a secondary process: nothing (the primary owns the
 * queues).
 *
 * @return 0, always
 */
static uint16_t
ipoib_secondary_rx_burst(void *q __rte_unused,
			 struct rte_mbuf **pkts __rte_unused,
			 uint16_t n __rte_unused)
{
	return 0;
}

/**
 * Transmit burst of a secondary process: nothing is taken, the caller
 * keeps its packets (the primary owns the queues).
 *
 * @return 0, always
 */
static uint16_t
ipoib_secondary_tx_burst(void *q __rte_unused,
			 struct rte_mbuf **pkts __rte_unused,
			 uint16_t n __rte_unused)
{
	return 0;
}

/**
 * link_update of a secondary process: the link status in the shared
 * ethdev data is the primary's, kept current by its control thread;
 * nothing to ask the device.
 *
 * @return 0
 */
static int
ipoib_secondary_link_update(struct rte_eth_dev *dev __rte_unused,
			    int wait __rte_unused)
{
	return 0;
}

/**
 * promiscuous/allmulticast from a secondary process (dpdk-dumpcap turns
 * promiscuous mode on): a port receives what is sent to its QPN and
 * groups anyway, as in the primary.
 *
 * @return 0
 */
static int
ipoib_secondary_noop(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

/**
 * dev_close of a secondary process: the port is the primary's; only
 * this process's view goes (ethdev releases it).
 *
 * @return 0
 */
static int
ipoib_secondary_close(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

/** What a secondary process may do with a port. */
static const struct eth_dev_ops ipoib_secondary_ops = {
	.dev_infos_get = ipoib_dev_infos_get,
	.dev_close = ipoib_secondary_close,
	.link_update = ipoib_secondary_link_update,
	.promiscuous_enable = ipoib_secondary_noop,
	.promiscuous_disable = ipoib_secondary_noop,
	.allmulticast_enable = ipoib_secondary_noop,
	.allmulticast_disable = ipoib_secondary_noop,
	.stats_get = ipoib_stats_get,
	.stats_reset = ipoib_stats_reset,
	.xstats_get = ipoib_xstats_get,
	.xstats_get_names = ipoib_xstats_get_names,
	.xstats_reset = ipoib_stats_reset,
};

/**
 * Probe a net_ipoib vdev in a secondary process: attach to the port the
 * primary created under the same name.
 *
 * @param vdev  the device the vdev bus found in the primary's list
 * @return 0, or -ENODEV when the primary has no such port
 */
int
ipoib_secondary_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct rte_eth_dev *dev = rte_eth_dev_attach_secondary(name);

	if (dev == NULL) {
		IPOIB_LOG(ERR, "%s: the primary process has no such port",
			  name);
		return -ENODEV;
	}
	dev->device = &vdev->device;
	dev->dev_ops = &ipoib_secondary_ops;
	dev->rx_pkt_burst = ipoib_secondary_rx_burst;
	dev->tx_pkt_burst = ipoib_secondary_tx_burst;
	rte_eth_dev_probing_finish(dev);
	IPOIB_LOG(INFO, "%s: attached to the primary's port %u", name,
		  dev->data->port_id);
	return 0;
}
