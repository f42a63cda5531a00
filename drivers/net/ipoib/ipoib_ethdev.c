/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The net_ipoib vdev: probe and remove, devargs, and the ethdev
 * operations (configure, queues, start/stop/close, link, MTU, stats).
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bus_vdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_malloc.h>

#include "ipoib.h"
#include "ipoib_eth.h"
#include "ipoib_log.h"
#include "rte_pmd_ipoib.h"

RTE_LOG_REGISTER(ipoib_logtype, pmd.net.ipoib, NOTICE);

static const struct eth_dev_ops ipoib_ops;
static int ipoib_open_port(struct ipoib_priv *priv);

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

/**
 * dev_infos_get: what the port offers (read from the private data only,
 * so a secondary process uses it too).
 */
int
ipoib_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	uint32_t ib_mtu = hca_mtu_to_bytes(priv->attr.port.active_mtu);
	uint32_t qmax = RTE_MIN(priv->attr.max_rss_children + 1,
				(uint32_t)IPOIB_MAX_QUEUES);

	if (ib_mtu == 0)
		ib_mtu = 2048;
	if (qmax == 0)
		qmax = 1;
	info->max_rx_queues = (uint16_t)qmax;
	info->max_tx_queues = (uint16_t)qmax;
	info->max_mac_addrs = 1;
	info->min_mtu = 68;
	info->max_mtu = priv->started ? priv->mtu : ib_mtu - RTE_IPOIB_HDR_LEN;
	info->max_rx_pktlen = info->max_mtu + RTE_IPOIB_HDR_LEN;
	info->min_rx_bufsize = ib_mtu;
	info->rx_offload_capa = RTE_ETH_RX_OFFLOAD_RSS_HASH;
	info->tx_offload_capa = RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	info->flow_type_rss_offloads = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP |
		RTE_ETH_RSS_UDP;
	info->rx_desc_lim.nb_max = IPOIB_MAX_DESC;
	info->rx_desc_lim.nb_min = 64;
	info->rx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_max = IPOIB_MAX_DESC;
	info->tx_desc_lim.nb_min = 64;
	info->tx_desc_lim.nb_align = 1;
	info->tx_desc_lim.nb_mtu_seg_max = IPOIB_TX_MAX_SEGS;
	info->tx_desc_lim.nb_seg_max = IPOIB_TX_MAX_SEGS;
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

/** Find the P_Key index of the port's P_Key (full member first). */
static int
ipoib_find_pkey(struct ipoib_priv *priv)
{
	const struct hca_port_info *pi = &priv->attr.port;
	unsigned int i;

	for (i = 0; i < pi->pkey_count; i++)
		if (pi->pkeys[i] == priv->args.pkey) {
			priv->pkey_index = (uint16_t)i;
			return 0;
		}
	for (i = 0; i < pi->pkey_count; i++)
		if ((pi->pkeys[i] & IPOIB_PKEY_PARTITION_MASK) ==
		    (priv->args.pkey & IPOIB_PKEY_PARTITION_MASK)) {
			priv->pkey_index = (uint16_t)i;
			return 0;
		}
	IPOIB_LOG(ERR, "%s: P_Key 0x%04x is not in the port's table",
		  priv->name, priv->args.pkey);
	return -ENOENT;
}

/** rte_mempool_walk callback: register every mempool's memory. */
static void
ipoib_register_pool(struct rte_mempool *mp, void *arg)
{
	struct ipoib_priv *priv = arg;

	if (hca_mr_map_add_mempool(priv->mrs, mp) < 0)
		IPOIB_LOG(WARNING, "%s: mempool %s not registered: packets "
			  "from it are dropped", priv->name, mp->name);
}

/** Register every mempool of the process with the port's device. */
void
ipoib_register_pools(struct ipoib_priv *priv)
{
	rte_mempool_walk(ipoib_register_pool, priv);
}

/** Create the CQs and QPs of every queue and bring them to RTS. */
int
ipoib_queues_create(struct ipoib_priv *priv)
{
	uint16_t nq = RTE_MAX(priv->nb_rxq, priv->nb_txq), i;
	int ret;

	for (i = 0; i < nq; i++) {
		struct ipoib_rxq *rxq = &priv->rxq[i];
		struct ipoib_txq *txq = &priv->txq[i];
		struct hca_qp_init_attr qa;

		memset(&qa, 0, sizeof(qa));
		ret = hca_cq_create(priv->hca, rxq->nb_desc, &rxq->cq);
		if (ret < 0)
			return ret;
		qa.recv_cq = rxq->cq;
		qa.send_cq = rxq->cq;
		qa.rq_wqe_cnt = rxq->nb_desc;
		qa.sq_wqe_cnt = IPOIB_RX_ONLY_SQ_BLOCKS;
		if (i < priv->nb_txq) {
			uint32_t blocks = txq->nb_desc * IPOIB_TX_WQE_BLOCKS;

			ret = hca_cq_create(priv->hca, blocks, &txq->cq);
			if (ret < 0)
				return ret;
			qa.send_cq = txq->cq;
			qa.sq_wqe_cnt = blocks;
			qa.max_inline = RTE_MIN(priv->attr.max_inline,
						(uint32_t)IPOIB_TX_INLINE_MAX);
		}
		qa.rss_parent = i == 0 ? NULL : priv->rxq[0].qp;
		ret = hca_qp_create_ud(priv->pd, &qa, &rxq->qp);
		if (ret < 0)
			return ret;
		txq->qp = i < priv->nb_txq ? rxq->qp : NULL;
		ret = hca_qp_modify(rxq->qp, HCA_QPS_INIT, priv->qkey,
				    priv->pkey_index);
		if (ret == 0)
			ret = hca_qp_modify(rxq->qp, HCA_QPS_RTR, priv->qkey,
					    priv->pkey_index);
		if (ret == 0)
			ret = hca_qp_modify(rxq->qp, HCA_QPS_RTS, priv->qkey,
					    priv->pkey_index);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/** Allocate the mbuf tables of the queues and post receive buffers. */
int
ipoib_queues_fill(struct ipoib_priv *priv)
{
	uint16_t i;

	for (i = 0; i < priv->nb_rxq; i++) {
		struct ipoib_rxq *rxq = &priv->rxq[i];

		rxq->nb_desc = RTE_MIN(rxq->nb_desc, rxq->qp->rq_wqe_cnt);
		rxq->rq_tail = rxq->qp->rq_head;
		rxq->elts = rte_zmalloc("ipoib_rx_elts", sizeof(void *) *
					rxq->qp->rq_wqe_cnt, 0);
		if (rxq->elts == NULL || ipoib_rxq_fill(rxq) < 0) {
			IPOIB_LOG(ERR, "%s: cannot post %u receive buffers "
				  "on queue %u", priv->name, rxq->nb_desc, i);
			return -ENOMEM;
		}
	}
	for (i = 0; i < priv->nb_txq; i++) {
		struct ipoib_txq *txq = &priv->txq[i];
		uint32_t n = txq->qp->sq_wqe_cnt;

		txq->sq_tail = txq->qp->sq_head;
		txq->since_signal = 0;
		txq->qp_error = false;
		txq->elts = rte_zmalloc("ipoib_tx_elts", sizeof(void *) * n, 0);
		txq->ring_size = txq->elts != NULL ? n : 0;
		txq->wqe_end = rte_zmalloc("ipoib_tx_end", sizeof(uint32_t) * n,
					   0);
		if (txq->elts == NULL || txq->wqe_end == NULL)
			return -ENOMEM;
	}
	return 0;
}

/** Destroy the queues' QPs and CQs and free their mbufs. */
void
ipoib_queues_destroy(struct ipoib_priv *priv)
{
	int i;

	for (i = IPOIB_MAX_QUEUES - 1; i >= 0; i--) {
		struct ipoib_rxq *rxq = &priv->rxq[i];
		struct ipoib_txq *txq = &priv->txq[i];

		if (rxq->qp != NULL)
			hca_qp_destroy(rxq->qp);
		rxq->qp = NULL;
		txq->qp = NULL;
		if (txq->cq != NULL)
			hca_cq_destroy(txq->cq);
		if (rxq->cq != NULL)
			hca_cq_destroy(rxq->cq);
		txq->cq = NULL;
		rxq->cq = NULL;
		ipoib_rxq_drain(rxq);
		ipoib_txq_drain(txq);
		rte_free(rxq->elts);
		rte_free(txq->elts);
		rte_free(txq->wqe_end);
		rxq->elts = NULL;
		txq->elts = NULL;
		txq->wqe_end = NULL;
	}
}

/** Give the broadcast group its static key. */
static int
ipoib_add_broadcast_peer(struct ipoib_priv *priv)
{
	struct ipoib_hwaddr addr;
	struct ipoib_path path = {
		.lid = priv->bcast.mlid, .sl = priv->bcast.sl,
		.rate = priv->bcast.rate, .mtu = priv->bcast.mtu,
		.hop_limit = priv->bcast.hop_limit,
		.tclass = priv->bcast.tclass,
		.flow_label = priv->bcast.flow_label,
	};
	int ret;

	ret = hca_qp_attach_mcast(priv->rxq[0].qp, &priv->bcast_mgid,
				  priv->bcast.mlid);
	if (ret < 0)
		return ret;
	ipoib_hwaddr_make(&addr, IPOIB_MCAST_QPN, &priv->bcast_mgid);
	ret = ipoib_peer_insert(priv->peers, &addr,
				IPOIB_PEER_F_MCAST | IPOIB_PEER_F_STATIC,
				&priv->bcast_key);
	if (ret < 0)
		return ret;
	return ipoib_peer_resolve(priv->peers, priv->bcast_key, &path,
				  priv->qkey);
}

/** Undo ipoib_dev_start (any part of it). */
static void
ipoib_teardown(struct ipoib_priv *priv)
{
	uint16_t i;

	ipoib_ctrl_stop(priv);
	if (priv->peers != NULL) {
		for (i = 0; i < priv->nb_rxq; i++)
			ipoib_peer_reader_offline(priv->peers, i);
		for (i = 0; i < priv->nb_txq; i++)
			ipoib_peer_reader_offline(priv->peers,
						  IPOIB_RCU_TX_BASE + i);
	}
	ipoib_queues_destroy(priv);
	if (priv->sa != NULL && priv->bcast.mlid != 0)
		hca_sa_leave_mcast(priv->sa, &priv->bcast_mgid, HCA_JOIN_FULL);
	memset(&priv->bcast, 0, sizeof(priv->bcast));
	memset(priv->mcast, 0, sizeof(priv->mcast));
	ipoib_peer_cache_free(priv->peers);
	priv->peers = NULL;
	hca_mr_map_destroy(priv->mrs);
	priv->mrs = NULL;
	if (priv->pd != NULL)
		hca_pd_free(priv->pd);
	priv->pd = NULL;
	if (priv->sa != NULL)
		hca_sa_close(priv->sa);
	priv->sa = NULL;
}

/** Create the port's peer cache (unique name per start). */
static int
ipoib_peers_create(struct ipoib_priv *priv)
{
	static unsigned int seq;
	char name[32];

	snprintf(name, sizeof(name), "p%u_%u", priv->dev->data->port_id,
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	priv->peers = ipoib_peer_cache_create(name, priv->args.peers,
					      IPOIB_RCU_READERS,
					      priv->dev->device->numa_node);
	if (priv->peers == NULL)
		return -rte_errno;
	priv->peers->grh_auto = priv->args.grh_auto;
	return 0;
}

/** dev_start: join the broadcast group, create queues, start control. */
static int
ipoib_dev_start(struct rte_eth_dev *dev)
{
	struct ipoib_priv *priv = dev->data->dev_private;
	const char *ca = priv->args.ibdev[0] ? priv->args.ibdev : NULL;
	uint16_t i;
	int err = 0;

	if (!hca_dev_alive(priv->hca)) {
		/* lost while stopped (or mid-recovery): open it again */
		hca_dev_close(priv->hca);
		priv->hca = NULL;
		if (ipoib_open_port(priv) < 0)
			return -ENODEV;
	}
	if (hca_dev_query(priv->hca, &priv->attr) < 0 ||
	    ipoib_find_pkey(priv) < 0)
		return -ENODEV;
	priv->lid = priv->attr.port.lid;
	priv->gid = priv->attr.port.gid;
	priv->sa = hca_sa_open(ca, priv->attr.port.port_num, NULL, &err);
	if (priv->sa == NULL) {
		IPOIB_LOG(ERR, "%s: no SA client: %s", priv->name,
			  hca_sa_strerror(err));
		return err ? err : -ENODEV;
	}
	err = ipoib_join_broadcast(priv);
	if (err < 0)
		goto fail;
	priv->pd = hca_pd_alloc(priv->hca, &err);
	priv->mrs = priv->pd ?
		hca_mr_map_create(priv->pd, IPOIB_MR_RANGES_MAX) : NULL;
	if (priv->mrs == NULL) {
		err = err ? err : -ENOMEM;
		goto fail;
	}
	for (i = 0; i < priv->nb_rxq; i++) {
		err = hca_mr_map_add_mempool(priv->mrs, priv->rxq[i].mp);
		if (err < 0) {
			IPOIB_LOG(ERR, "%s: cannot register mempool %s: %d",
				  priv->name, priv->rxq[i].mp->name, err);
			goto fail;
		}
	}
	ipoib_register_pools(priv);
	err = ipoib_peers_create(priv);
	if (err < 0)
		goto fail;
	err = ipoib_queues_create(priv);
	if (err < 0) {
		IPOIB_LOG(ERR, "%s: cannot create queues: %d", priv->name, err);
		goto fail;
	}
	priv->qpn = priv->rxq[0].qp->wire_qpn;
	err = ipoib_add_broadcast_peer(priv);
	if (err == 0)
		err = ipoib_queues_fill(priv);
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
		err = ipoib_eth_start(ipoib_eth_of_priv(priv));
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
static int
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

static const struct eth_dev_ops ipoib_ops = {
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

/* ------------------------------------------------------ probe/remove */

/** Open the HCA port named by the devargs and read its attributes. */
static int
ipoib_open_port(struct ipoib_priv *priv)
{
	const char *ca = priv->args.ibdev[0] ? priv->args.ibdev : NULL;
	int ret = hca_dev_open(ca, priv->args.port, &priv->hca);

	if (ret < 0) {
		IPOIB_LOG(ERR, "%s: cannot open %s port %d: %s", priv->name,
			  ca ? ca : "the first CA", priv->args.port,
			  ret == -ECONNREFUSED ? "the soft HCA is not running"
			  : strerror(-ret));
		return ret;
	}
	ret = hca_dev_query(priv->hca, &priv->attr);
	if (ret < 0) {
		hca_dev_close(priv->hca);
		priv->hca = NULL;
	}
	return ret;
}

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
	ret = ipoib_open_port(priv);
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
