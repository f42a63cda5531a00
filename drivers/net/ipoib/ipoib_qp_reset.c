/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Getting a queue pair back from the error state (control thread).
 *
 * A QP enters the error state when one of its WQEs fails: a send longer
 * than the path MTU, a send or receive buffer whose lkey the device
 * refuses, a receive buffer too small for what arrived. The device
 * completes that WQE in error, then completes every other posted WQE
 * with a flush error, and the QP neither sends nor receives until it is
 * reset. The device raises the QP's error event (or a CQ error), which
 * marks the queue failed (ipoib_qp_mark_failed()); the data path also
 * notices the first error completion (ipoib_qp_error_seen()) and leaves
 * it where it is; the control thread
 * pauses the data path (ipoib_recover.c) and then, for each failed QP:
 *  1. takes the completions of the flush, so that every send is
 *     accounted for: the sends before the failed one left, the failed one
 *     and the flushed ones count as transmit errors; every mbuf goes back
 *     to its pool;
 *  2. moves the QP to RESET, then INIT, RTR and RTS again (its QPN, Q_Key,
 *     P_Key and multicast attachments stay);
 *  3. posts fresh receive buffers.
 */

#include <errno.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "ipoib.h"
#include "ipoib_rx_refill.h"
#include "ipoib_dp.h"
#include "ipoib_log.h"
#include "ipoib_port.h"
#include "ipoib_qp_reset.h"

/** How long the device gets to flush a failed QP's WQEs (ms). */
#define IPOIB_FLUSH_WAIT_MS 200

/**
 * An error event about a queue reset less than this long ago (ms) reports
 * the error that reset handled (the error completion, read by the data
 * path, came first): it is not acted on. A new error within that time is
 * still seen by its error completion.
 */
#define IPOIB_EVENT_AFTER_RESET_MS 3000

/**
 * Basic blocks of the send WQE that starts at a block, from the count of
 * 16-byte units its control segment gives.
 *
 * @param qp    the QP
 * @param head  the WQE's first block (free running)
 * @return 1 or more
 */
static uint32_t
ipoib_sq_wqe_blocks(struct hca_qp *qp, uint32_t head)
{
	const struct mlx5_wqe_ctrl_seg *ctrl = hca_sq_block(qp, head);
	uint32_t ds = be32toh(ctrl->qpn_ds) & 0x3f;
	uint32_t n = (ds * 16 + MLX5_SEND_WQE_BB - 1) / MLX5_SEND_WQE_BB;

	return n != 0 ? n : 1;
}

/**
 * Give back the mbufs of the send blocks from the queue's tail up to end
 * (not beyond head).
 *
 * @param txq   the queue
 * @param end   the first block not to release (free running)
 * @param head  the producer counter the sends were posted up to
 */
static void
ipoib_txq_release(struct ipoib_txq *txq, uint32_t end, uint32_t head)
{
	uint32_t mask = txq->qp->sq_wqe_cnt - 1;

	if ((int32_t)(end - head) > 0)
		end = head;
	while ((int32_t)(end - txq->sq_tail) > 0) {
		struct rte_mbuf **e = &txq->elts[txq->sq_tail & mask];

		if (*e != NULL) {
			rte_pktmbuf_free(*e);
			*e = NULL;
		}
		txq->sq_tail++;
	}
}

/**
 * Take the send completions of a failed QP: a good one releases the
 * sends up to it, an error (the failed send, or a flushed one) releases
 * its own send, which counts as a transmit error.
 *
 * @param txq   the queue
 * @param head  the producer counter the sends were posted up to
 * @return true when every posted send is accounted for
 */
static bool
ipoib_txq_collect(struct ipoib_txq *txq, uint32_t head)
{
	struct hca_qp *qp = txq->qp;
	uint32_t mask = qp->sq_wqe_cnt - 1;
	struct mlx5_cqe64 *cqe;
	bool polled = false;

	while ((cqe = hca_cq_peek(txq->cq)) != NULL) {
		uint16_t ctr = be16toh(cqe->wqe_counter);
		uint32_t end;

		if (hca_cqe_opcode(cqe) == MLX5_CQE_REQ) {
			end = txq->wqe_end[ctr & mask];
		} else {
			uint32_t at = txq->sq_tail +
				(uint16_t)(ctr - (uint16_t)txq->sq_tail);

			ipoib_txq_release(txq, at, head);
			end = at + ipoib_sq_wqe_blocks(qp, at);
			txq->st.errors++;
		}
		hca_cq_consume(txq->cq);
		polled = true;
		ipoib_txq_release(txq, end, head);
	}
	if (polled)
		hca_cq_doorbell(txq->cq);
	return txq->sq_tail == head;
}

/**
 * Count as transmit errors the sends the device never completed (it
 * forgot them on reset) and give their mbufs back.
 *
 * @param txq   the queue
 * @param head  the producer counter the sends were posted up to
 */
static void
ipoib_txq_forget(struct ipoib_txq *txq, uint32_t head)
{
	while ((int32_t)(head - txq->sq_tail) > 0) {
		uint32_t end = txq->sq_tail +
			ipoib_sq_wqe_blocks(txq->qp, txq->sq_tail);

		ipoib_txq_release(txq, end, head);
		txq->st.errors++;
	}
}

/**
 * Take the receive completions of a failed QP and give their mbufs back:
 * a flushed buffer held no packet; any other completion is a packet lost
 * with the QP (a receive error).
 *
 * @param priv  the port
 * @param rxq   the queue
 * @param head  the producer counter the buffers were posted up to
 * @return true when every posted buffer is back
 */
static bool
ipoib_rxq_collect(struct ipoib_priv *priv, struct ipoib_rxq *rxq,
		  uint32_t head)
{
	uint32_t mask = rxq->qp->rq_wqe_cnt - 1;
	struct mlx5_cqe64 *cqe;
	bool polled = false;

	while ((cqe = hca_cq_peek(rxq->cq)) != NULL) {
		const struct mlx5_err_cqe *err = (const void *)cqe;
		uint32_t idx = be16toh(cqe->wqe_counter) & mask;

		if (hca_cqe_opcode(cqe) == MLX5_CQE_RESP_ERR &&
		    err->syndrome == MLX5_CQE_SYNDROME_WR_FLUSH_ERR)
			priv->cst.rx_flushed++;
		else
			rxq->st.errors++;
		if (rxq->elts[idx] != NULL) {
			rte_pktmbuf_free(rxq->elts[idx]);
			rxq->elts[idx] = NULL;
		}
		hca_cq_consume(rxq->cq);
		rxq->rq_tail++;
		polled = true;
	}
	if (polled)
		hca_cq_doorbell(rxq->cq);
	return rxq->rq_tail == head;
}

/**
 * Reset the QP of a queue that entered the error state and put it back
 * in service (control thread, data path paused and quiet, under
 * priv->lock). Waits at most IPOIB_FLUSH_WAIT_MS for the device's flush.
 *
 * @param priv  the port
 * @param idx   the queue (receive and send sides share its QP)
 * @return 0, or a negative errno (try again later; the device may be gone)
 */
int
ipoib_qp_reset(struct ipoib_priv *priv, uint16_t idx)
{
	struct ipoib_rxq *rxq = &priv->rxq[idx];
	struct ipoib_txq *txq = idx < priv->nb_txq ? &priv->txq[idx] : NULL;
	bool has_rx = idx < priv->nb_rxq && rxq->elts != NULL;
	struct hca_qp *qp = rxq->qp;
	uint64_t deadline = rte_get_tsc_cycles() +
		rte_get_tsc_hz() * IPOIB_FLUSH_WAIT_MS / 1000;
	uint32_t sq_head = qp->sq_head, rq_head = qp->rq_head;
	bool rx_done, tx_done;
	int ret;

	/* the device completes every posted WQE; take those completions */
	do {
		rx_done = !has_rx || ipoib_rxq_collect(priv, rxq, rq_head);
		tx_done = txq == NULL || ipoib_txq_collect(txq, sq_head);
		if (rx_done && tx_done)
			break;
		usleep(100);
	} while (rte_get_tsc_cycles() < deadline);
	ret = hca_qp_modify(qp, HCA_QPS_RESET, 0, 0);
	if (ret < 0)
		return ret;
	/* the device writes nothing more for this QP: what it wrote
	 * meanwhile is taken, what it never completed is forgotten */
	if (has_rx) {
		ipoib_rxq_collect(priv, rxq, rq_head);
		ipoib_rxq_drain(rxq);
		rxq->rq_tail = qp->rq_head;
	}
	if (txq != NULL) {
		ipoib_txq_collect(txq, sq_head);
		ipoib_txq_forget(txq, sq_head);
		ipoib_txq_drain(txq);
		txq->sq_tail = qp->sq_head;
		txq->since_signal = 0;
	}
	ret = ipoib_port_qp_ready(priv, qp);
	if (ret == 0 && has_rx && ipoib_rxq_fill(rxq) < 0)
		IPOIB_LOG(WARNING, "%s: queue %u: receive ring only partly "
			  "refilled after the reset (no mbufs)", priv->name,
			  idx);
	if (ret == 0 && txq != NULL)
		txq->qp_error = false;
	return ret;
}

/**
 * React to a QP or CQ error event of the device (control thread, under
 * priv->lock): mark the queue whose QP (or CQ) it names failed, so that
 * the QP error recovery (ipoib_recover_qp_poll()) resets it, as when the
 * data path reads the error completion. An event for no queue of the port (a QP
 * already replaced), or about a queue reset in the last
 * IPOIB_EVENT_AFTER_RESET_MS, is ignored.
 *
 * @param priv  the port
 * @param ev    HCA_EVENT_QP_FATAL, HCA_EVENT_QP_ACCESS_ERR or
 *              HCA_EVENT_CQ_ERR, with the QPN or CQN
 */
void
ipoib_qp_mark_failed(struct ipoib_priv *priv, const struct hca_event *ev)
{
	bool cq = ev->type == HCA_EVENT_CQ_ERR;
	uint32_t bit, old;
	uint16_t i;

	for (i = 0; i < IPOIB_MAX_QUEUES; i++) {
		const struct ipoib_rxq *rxq = &priv->rxq[i];
		const struct ipoib_txq *txq = &priv->txq[i];
		bool hit;

		if (cq)
			hit = (rxq->cq != NULL &&
			       rxq->cq->cqn == ev->obj_num) ||
			      (txq->cq != NULL && txq->cq->cqn == ev->obj_num);
		else
			hit = (rxq->qp != NULL &&
			       rxq->qp->qpn == ev->obj_num) ||
			      (txq->qp != NULL && txq->qp->qpn == ev->obj_num);
		if (!hit)
			continue;
		if (priv->qp_reset_tsc[i] != 0 &&
		    rte_get_tsc_cycles() - priv->qp_reset_tsc[i] <
		    rte_get_tsc_hz() * IPOIB_EVENT_AFTER_RESET_MS / 1000) {
			IPOIB_LOG(INFO, "%s: queue %u: %s %u error event "
				  "after its reset: already handled",
				  priv->name, i, cq ? "CQ" : "QP", ev->obj_num);
			return;
		}
		bit = UINT32_C(1) << i;
		old = __atomic_fetch_or(&priv->qp_failed, bit,
					__ATOMIC_RELEASE);
		if (!(old & bit))
			priv->cst.qp_failed_by_event++;
		IPOIB_LOG(ERR, "%s: queue %u: the device reports %s %u in "
			  "error", priv->name, i, cq ? "CQ" : "QP",
			  ev->obj_num);
		return;
	}
}
