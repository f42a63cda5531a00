/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The resources of a net_ipoib port on its device, one module for the
 * start and for the recovery after the device came back: opening the HCA
 * port, the P_Key index, the peer cache, memory registration (every
 * memseg and mempool of the process, through ipoib_mem.c), the CQs and UD
 * QPs of the queues (brought to RTS, queue 1 and up as RSS children of
 * queue 0), the receive buffers posted and the send rings, and their
 * release.
 */

#include <errno.h>
#include <string.h>

#include <rte_malloc.h>

#include "ipoib.h"
#include "ipoib_rx_refill.h"
#include "ipoib_dp.h"
#include "ipoib_log.h"
#include "ipoib_mem.h"
#include "ipoib_port.h"

/** Find the P_Key index of the port's P_Key (full member first). */
int
ipoib_port_find_pkey(struct ipoib_priv *priv)
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

/* See ipoib_port.h. */
int
ipoib_port_qp_ready(struct ipoib_priv *priv, struct hca_qp *qp)
{
	int ret;

	ret = hca_qp_modify(qp, HCA_QPS_INIT, priv->qkey, priv->pkey_index);
	if (ret == 0)
		ret = hca_qp_modify(qp, HCA_QPS_RTR, priv->qkey,
				    priv->pkey_index);
	if (ret == 0)
		ret = hca_qp_modify(qp, HCA_QPS_RTS, priv->qkey,
				    priv->pkey_index);
	return ret;
}

/**
 * With more than one queue, the underlay QP whose RSS children the
 * queues are (as ConnectX IPoIB does): it holds the address and the
 * multicast attachments and receives nothing itself; the smallest rings.
 */
static int
ipoib_port_underlay_create(struct ipoib_priv *priv)
{
	struct hca_qp_init_attr qa;
	int ret;

	ret = hca_cq_create(priv->hca, 1, &priv->ucq);
	if (ret < 0)
		return ret;
	memset(&qa, 0, sizeof(qa));
	qa.send_cq = priv->ucq;
	qa.recv_cq = priv->ucq;
	qa.sq_wqe_cnt = 1;
	qa.rq_wqe_cnt = 1;
	ret = hca_qp_create_ud(priv->pd, &qa, &priv->uqp);
	if (ret < 0)
		return ret;
	return ipoib_port_qp_ready(priv, priv->uqp);
}

/** Create the CQs and QPs of every queue and bring them to RTS. */
static int
ipoib_port_queues_create(struct ipoib_priv *priv)
{
	uint16_t nq = RTE_MAX(priv->nb_rxq, priv->nb_txq), i;
	int ret;

	if (nq > 1) {
		ret = ipoib_port_underlay_create(priv);
		if (ret < 0)
			return ret;
	}

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
		qa.rss_parent = nq > 1 ? priv->uqp : NULL;
		ret = hca_qp_create_ud(priv->pd, &qa, &rxq->qp);
		if (ret < 0)
			return ret;
		txq->qp = i < priv->nb_txq ? rxq->qp : NULL;
		ret = ipoib_port_qp_ready(priv, rxq->qp);
		if (ret < 0)
			return ret;
	}
	if (nq == 1)
		priv->uqp = priv->rxq[0].qp;
	return 0;
}

/** Allocate the mbuf tables of the queues and post receive buffers. */
int
ipoib_port_queues_fill(struct ipoib_priv *priv)
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
		txq->gather_end = txq->sq_tail;
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
static void
ipoib_port_queues_destroy(struct ipoib_priv *priv)
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
	/* with one queue uqp was queue 0's QP, destroyed above */
	if (priv->ucq != NULL) {
		if (priv->uqp != NULL)
			hca_qp_destroy(priv->uqp);
		hca_cq_destroy(priv->ucq);
	}
	priv->uqp = NULL;
	priv->ucq = NULL;
}

/**
 * Forget the transmit queues' memo peers (entries of the cache being
 * made or freed).
 *
 * @param priv  the port (data path not running)
 */
static void
ipoib_port_tx_memo_clear(struct ipoib_priv *priv)
{
	uint16_t i;

	for (i = 0; i < IPOIB_MAX_QUEUES; i++)
		memset(&priv->txq[i].memo, 0, sizeof(priv->txq[i].memo));
}

/** Create the port's peer cache (unique name per start). */
int
ipoib_port_peers_create(struct ipoib_priv *priv)
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
	ipoib_port_tx_memo_clear(priv);
	return 0;
}

/** Open the HCA port named by the devargs and read its attributes. */
int
ipoib_port_open(struct ipoib_priv *priv)
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

/**
 * Allocate the port's protection domain, register the process's memory
 * (ipoib_mem_open(): every memseg, the receive queues' pools must
 * succeed) and create the queues' CQs and QPs, in RTS.
 *
 * @param priv  the port (device open, P_Key index and Q_Key known)
 * @return 0 or a negative errno (release with ipoib_port_resources_close())
 */
int
ipoib_port_resources_open(struct ipoib_priv *priv)
{
	int err = 0;

	priv->pd = hca_pd_alloc(priv->hca, &err);
	if (priv->pd == NULL)
		return err ? err : -ENOMEM;
	err = ipoib_mem_open(priv);
	if (err < 0)
		return err;
	err = ipoib_port_queues_create(priv);
	if (err < 0)
		IPOIB_LOG(ERR, "%s: cannot create queues: %d", priv->name, err);
	return err;
}

/**
 * Release what ipoib_port_resources_open() and ipoib_port_queues_fill()
 * made (any part of it): QPs, CQs, their mbufs, registrations, PD. The
 * device stays open.
 *
 * @param priv  the port (data path not running)
 */
void
ipoib_port_resources_close(struct ipoib_priv *priv)
{
	ipoib_port_queues_destroy(priv);
	ipoib_mem_close(priv);
	if (priv->pd != NULL)
		hca_pd_free(priv->pd);
	priv->pd = NULL;
}

/**
 * Take the port's peer cache out of service and free it: the queues'
 * RCU readers go offline first.
 *
 * @param priv  the port (data path not running)
 */
void
ipoib_port_peers_free(struct ipoib_priv *priv)
{
	uint16_t i;

	if (priv->peers == NULL)
		return;
	for (i = 0; i < priv->nb_rxq; i++)
		ipoib_peer_reader_offline(priv->peers, i);
	for (i = 0; i < priv->nb_txq; i++)
		ipoib_peer_reader_offline(priv->peers, IPOIB_RCU_TX_BASE + i);
	ipoib_port_tx_memo_clear(priv);
	ipoib_peer_cache_free(priv->peers);
	priv->peers = NULL;
}
