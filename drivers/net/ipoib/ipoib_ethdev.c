/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The ethdev operations of a net_ipoib port: configure, queue setup,
 * start (the broadcast group, the port's resources, the control
 * thread), stop, close, link, MTU, multicast list; stats come from
 * ipoib_stats.c. The vdev driver that installs them is ipoib_probe.c.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ethdev_driver.h>
#include <rte_malloc.h>

#include "ipoib.h"
#include "ipoib_ctrl.h"
#include "ipoib_dp.h"
#include "ipoib_eth.h"
#include "ipoib_ethdev.h"
#include "ipoib_group.h"
#include "ipoib_log.h"
#include "ipoib_mcast.h"
#include "ipoib_port.h"
#include "ipoib_recover.h"
#include "ipoib_stats.h"
#include "ipoib_tx_offload.h"
#include "rte_pmd_ipoib.h"

/* --------------------------------------------------------- ethdev ops */

/** The private state of a port id, or NULL when it is not an ipoib port. */
struct ipoib_priv *
ipoib_priv_of_port(uint16_t port_id)
{
	struct rte_eth_dev *dev;

	if (!rte_eth_dev_is_valid_port(port_id))
		return NULL;
	dev = &rte_eth_devices[port_id];
	if (dev->dev_ops != &ipoib_ops)
		return NULL;
	return dev->data->dev_private;
}

/* See ipoib_ethdev.h. */
uint16_t
ipoib_queues_max(const struct ipoib_priv *priv)
{
	uint32_t q = RTE_MIN(priv->attr.max_rss_queues,
			     (uint32_t)IPOIB_MAX_QUEUES);

	return q == 0 ? 1 : (uint16_t)q;
}

/**
 * The most descriptors of a queue the device's rings allow: a receive
 * descriptor is one receive WQE and one CQE, a send descriptor
 * IPOIB_TX_WQE_BLOCKS send blocks and as many CQEs (QUERY_HCA_CAP's
 * log_max_qp_sz and log_max_cq_sz), at most IPOIB_MAX_DESC.
 *
 * @param per_desc  WQEs (and CQEs) one descriptor may take.
 */
static uint16_t
ipoib_desc_max(const struct ipoib_priv *priv, uint32_t per_desc)
{
	uint32_t n = RTE_MIN(priv->attr.max_qp_wr, priv->attr.max_cqe) /
		per_desc;

	n = RTE_MIN(n, (uint32_t)IPOIB_MAX_DESC);
	return (uint16_t)RTE_MAX(n, (uint32_t)IPOIB_MIN_DESC);
}

/**
 * dev_infos_get: what the port offers (read from the private data only,
 * so a secondary process uses it too), decided by the device's
 * capabilities: queues and RSS by its RSS on UD, descriptors by its
 * ring sizes, the MTU by the port's (see doc/ipoib.md).
 */
int
ipoib_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	uint32_t ib_mtu = hca_mtu_to_bytes(priv->attr.port.active_mtu);
	uint16_t qmax = ipoib_queues_max(priv);

	if (ib_mtu == 0)
		ib_mtu = IPOIB_IB_MTU_DEFAULT;
	info->max_rx_queues = qmax;
	info->max_tx_queues = qmax;
	info->max_mac_addrs = 1;
	info->min_mtu = RTE_ETHER_MIN_MTU;
	info->max_mtu = priv->started ? priv->mtu : ib_mtu - RTE_IPOIB_HDR_LEN;
	info->max_rx_pktlen = info->max_mtu + RTE_IPOIB_HDR_LEN;
	info->min_rx_bufsize = ib_mtu;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
		ipoib_tx_offload_capa(priv);
	if (qmax > 1) {
		info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_RSS_HASH;
		info->flow_type_rss_offloads = RTE_ETH_RSS_IP |
			RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
	}
	info->rx_desc_lim.nb_max = ipoib_desc_max(priv, 1);
	info->rx_desc_lim.nb_min = IPOIB_MIN_DESC;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_max = ipoib_desc_max(priv, IPOIB_TX_WQE_BLOCKS);
	info->tx_desc_lim.nb_min = IPOIB_MIN_DESC;
	info->tx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_mtu_seg_max = IPOIB_TX_MAX_SEGS;
	/* a TSO packet may gather more than a plain send */
	info->tx_desc_lim.nb_seg_max = priv->attr.max_lso != 0 ?
		IPOIB_TX_OFFLOAD_MAX_SEGS : IPOIB_TX_MAX_SEGS;
	info->default_rxportconf.ring_size = IPOIB_DEFAULT_DESC;
	info->default_txportconf.ring_size = IPOIB_DEFAULT_DESC;
	info->speed_capa = RTE_ETH_LINK_SPEED_FIXED;
	return 0;
}

/** dev_configure: check the queue counts. */
static int
ipoib_dev_configure(struct rte_eth_dev *dev)
{
	struct ipoib_priv *priv = dev->data->dev_private;

	if (dev->data->nb_tx_queues > dev->data->nb_rx_queues) {
		IPOIB_LOG(ERR, "%s: %u tx queues for %u rx queues: each tx "
			  "queue sends from an rx queue's QP, use at most as "
			  "many tx queues as rx queues", priv->name,
			  dev->data->nb_tx_queues, dev->data->nb_rx_queues);
		return -EINVAL;
	}
	priv->nb_rxq = dev->data->nb_rx_queues;
	priv->nb_txq = dev->data->nb_tx_queues;
	return 0;
}

/** rx_queue_setup: remember the pool and size (resources at start). */
static int
ipoib_rx_queue_setup(struct rte_eth_dev *dev, uint16_t idx, uint16_t nb_desc,
		     unsigned int socket __rte_unused,
		     const struct rte_eth_rxconf *conf __rte_unused,
		     struct rte_mempool *mp)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	struct ipoib_rxq *rxq = &priv->rxq[idx];

	if (rte_pktmbuf_data_room_size(mp) < RTE_PKTMBUF_HEADROOM +
	    RTE_IPOIB_HDR_LEN || RTE_PKTMBUF_HEADROOM < HCA_GRH_LEN) {
		IPOIB_LOG(ERR, "%s: mbufs of pool %s too small", priv->name,
			  mp->name);
		return -EINVAL;
	}
	rxq->priv = priv;
	rxq->idx = idx;
	rxq->port_id = dev->data->port_id;
	rxq->mp = mp;
	rxq->nb_desc = nb_desc ? nb_desc : IPOIB_DEFAULT_DESC;
	dev->data->rx_queues[idx] = rxq;
	return 0;
}

/** tx_queue_setup: remember the size (resources at start). */
static int
ipoib_tx_queue_setup(struct rte_eth_dev *dev, uint16_t idx, uint16_t nb_desc,
		     unsigned int socket __rte_unused,
		     const struct rte_eth_txconf *conf __rte_unused)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	struct ipoib_txq *txq = &priv->txq[idx];

	txq->priv = priv;
	txq->idx = idx;
	txq->nb_desc = nb_desc ? nb_desc : IPOIB_DEFAULT_DESC;
	dev->data->tx_queues[idx] = txq;
	return 0;
}

/** Queue release: nothing, queues live in the private state. */
static void
ipoib_queue_release(struct rte_eth_dev *dev __rte_unused,
		    uint16_t idx __rte_unused)
{
}

/** Undo ipoib_dev_start (any part of it). */
static void
ipoib_teardown(struct ipoib_priv *priv)
{
	ipoib_ctrl_stop(priv);
	ipoib_port_resources_close(priv);
	ipoib_group_forget_all(priv);
	ipoib_port_peers_free(priv);
	if (priv->sa != NULL)
		hca_sa_close(priv->sa);
	priv->sa = NULL;
}

/** dev_start: join the broadcast group, create queues, start control. */
static int
ipoib_dev_start(struct rte_eth_dev *dev)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	const char *ca = priv->args.ibdev[0] ? priv->args.ibdev : NULL;
	struct hca_sa_config sa_cfg = { 0 };
	uint16_t i;
	int err = 0;

	if (!hca_dev_alive(priv->hca)) {
		/* lost while stopped (or mid-recovery): open it again */
		hca_dev_close(priv->hca);
		priv->hca = NULL;
		if (ipoib_port_open(priv) < 0)
			return -ENODEV;
	}
	if (hca_dev_query(priv->hca, &priv->attr) < 0 ||
	    ipoib_port_find_pkey(priv) < 0)
		return -ENODEV;
	priv->lid = priv->attr.port.lid;
	priv->gid = priv->attr.port.gid;
	sa_cfg.transport = priv->args.sa;
	priv->sa = hca_sa_open(ca, priv->attr.port.port_num, &sa_cfg, &err);
	memset(&priv->sa_seen, 0, sizeof(priv->sa_seen)); /* a new client */
	if (priv->sa == NULL) {
		IPOIB_LOG(ERR, "%s: no SA client: %s", priv->name,
			  hca_sa_strerror(err));
		return err ? err : -ENODEV;
	}
	err = ipoib_group_join_broadcast(priv);
	if (err == 0)
		err = ipoib_port_peers_create(priv);
	if (err == 0)
		err = ipoib_port_resources_open(priv);
	if (err < 0)
		goto fail;
	priv->qpn = priv->rxq[0].qp->wire_qpn;
	err = ipoib_group_add_broadcast_peer(priv);
	if (err == 0)
		err = ipoib_port_queues_fill(priv);
	if (err < 0)
		goto fail;
	for (i = 0; i < priv->nb_rxq; i++)
		ipoib_peer_reader_online(priv->peers, i);
	for (i = 0; i < priv->nb_txq; i++)
		ipoib_peer_reader_online(priv->peers, IPOIB_RCU_TX_BASE + i);
	ipoib_recover_init(priv);
	err = ipoib_ctrl_start(priv);
	if (err < 0)
		goto fail;
	if (ipoib_eth_of_priv(priv) != NULL) {
		err = ipoib_mcast_start(ipoib_eth_of_priv(priv));
		if (err < 0)
			goto fail;
	}
	dev->data->mtu = (uint16_t)priv->mtu;
	priv->started = true;
	ipoib_link_update_from(priv, &priv->attr);
	for (i = 0; i < priv->nb_rxq; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	for (i = 0; i < priv->nb_txq; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STARTED;
	IPOIB_LOG(INFO, "%s: started: LID 0x%04x QPN 0x%06x MTU %u, %u rx "
		  "%u tx queues", priv->name, priv->lid, priv->qpn, priv->mtu,
		  priv->nb_rxq, priv->nb_txq);
	return 0;
fail:
	ipoib_teardown(priv);
	return err;
}

/** dev_stop: stop the control thread, free queues and peers. */
static int
ipoib_dev_stop(struct rte_eth_dev *dev)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	uint16_t i;

	if (!priv->started)
		return 0;
	if (ipoib_eth_of_priv(priv) != NULL)
		ipoib_mcast_stop(ipoib_eth_of_priv(priv));
	ipoib_eth_stop(ipoib_eth_of_priv(priv));
	priv->started = false;
	ipoib_teardown(priv);
	ipoib_link_update_from(priv, &priv->attr);
	for (i = 0; i < priv->nb_rxq; i++)
		dev->data->rx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	for (i = 0; i < priv->nb_txq; i++)
		dev->data->tx_queue_state[i] = RTE_ETH_QUEUE_STATE_STOPPED;
	return 0;
}

/** dev_close: stop, close the device. */
int
ipoib_dev_close(struct rte_eth_dev *dev)
{
	struct ipoib_priv *priv = dev->data->dev_private;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	ipoib_dev_stop(dev);
	ipoib_eth_free(ipoib_eth_of_priv(priv));
	if (priv->hca != NULL)
		hca_dev_close(priv->hca);
	priv->hca = NULL;
	pthread_mutex_destroy(&priv->lock);
	return 0;
}

/** link_update: read the IB port state now. */
static int
ipoib_link_update(struct rte_eth_dev *dev, int wait __rte_unused)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	struct hca_dev_attr attr;

	pthread_mutex_lock(&priv->lock); /* one control caller at a time */
	if (priv->hca == NULL || hca_dev_query(priv->hca, &attr) < 0)
		attr.port.state = HCA_PORT_DOWN;
	ipoib_link_update_from(priv, &attr);
	pthread_mutex_unlock(&priv->lock);
	return 0;
}

/** mtu_set: any MTU up to the broadcast group's. */
static int
ipoib_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	uint32_t max = priv->started ? priv->mtu :
		hca_mtu_to_bytes(priv->attr.port.active_mtu) -
		RTE_IPOIB_HDR_LEN;

	return mtu > max ? -EINVAL : 0;
}

/** promiscuous/allmulticast: IPoIB receives what is sent to its QPN and
 *  its groups anyway; accepted as no-ops. */
static int
ipoib_noop(struct rte_eth_dev *dev __rte_unused)
{
	return 0;
}

/** set_mc_addr_list: mode=eth joins the groups (ipoib_mcast.c). */
static int
ipoib_set_mc_addr_list(struct rte_eth_dev *dev,
		       struct rte_ether_addr *macs, uint32_t n)
{
	struct ipoib_eth *eth = ipoib_eth_of_priv(dev->data->dev_private);

	return eth != NULL ? ipoib_mcast_set_list(eth, macs, n) : -ENOTSUP;
}

const struct eth_dev_ops ipoib_ops = {
	.set_mc_addr_list = ipoib_set_mc_addr_list,
	.dev_configure = ipoib_dev_configure,
	.dev_infos_get = ipoib_dev_infos_get,
	.dev_start = ipoib_dev_start,
	.dev_stop = ipoib_dev_stop,
	.dev_close = ipoib_dev_close,
	.link_update = ipoib_link_update,
	.mtu_set = ipoib_mtu_set,
	.promiscuous_enable = ipoib_noop,
	.promiscuous_disable = ipoib_noop,
	.allmulticast_enable = ipoib_noop,
	.allmulticast_disable = ipoib_noop,
	.rx_queue_setup = ipoib_rx_queue_setup,
	.tx_queue_setup = ipoib_tx_queue_setup,
	.rx_queue_release = ipoib_queue_release,
	.tx_queue_release = ipoib_queue_release,
	.stats_get = ipoib_stats_get,
	.stats_reset = ipoib_stats_reset,
	.xstats_get = ipoib_xstats_get,
	.xstats_get_names = ipoib_xstats_get_names,
	.xstats_reset = ipoib_stats_reset,
};
