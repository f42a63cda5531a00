/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The data path of net_ipoib, receive buffers: fresh mbufs posted on a
 * receive queue in bulk (its ring filled at start, refilled by the
 * bursts), and drained after stop. The lkey of each buffer comes from
 * the queue's hint range, checked per buffer with one compare.
 */

#include <rte_mbuf.h>

#include "ipoib.h"
#include "hca_dp.h"
#include "ipoib_rx_refill.h"

/**
 * The lkey of receive buffers: the range the queue's hint names, read
 * once per refill, checked per buffer with one subtraction and one
 * compare; the map's own search when a buffer is outside it.
 */
struct ipoib_rx_lkey {
	uintptr_t start;          /**< first address of the range */
	uintptr_t span;           /**< last buffer start the range holds,
				   *   minus start */
	uint64_t seg_lo;          /**< byte_count and lkey of a data
				   *   segment, big endian, as stored */
};

/**
 * Read the range of the queue's lkey hint (empty when there is none:
 * start 0 and span 0 hold no buffer, whose address is never 0).
 */
static inline void
ipoib_rx_lkey_load(struct ipoib_rxq *rxq, uint32_t len,
		   struct ipoib_rx_lkey *lk)
{
	const struct hca_mr_table *t =
		__atomic_load_n(&rxq->priv->mrs->table, __ATOMIC_ACQUIRE);
	struct mlx5_wqe_data_seg seg = {
		.byte_count = rte_cpu_to_be_32(len),
		.lkey = rte_cpu_to_be_32(HCA_NO_LKEY),
	};

	lk->start = 0;
	lk->span = 0;
	if (rxq->lkey_hint < t->n) {
		const struct hca_mr_range *r = &t->ranges[rxq->lkey_hint];

		if (r->end - r->start >= len) {
			lk->start = r->start;
			lk->span = r->end - len - r->start;
			seg.lkey = rte_cpu_to_be_32(r->lkey);
		}
	}
	memcpy(&lk->seg_lo, &seg, sizeof(lk->seg_lo));
}

/** Offset of the GRH area of a posted buffer from its buf_addr. */
#define IPOIB_RX_BUF_OFF (RTE_PKTMBUF_HEADROOM - HCA_GRH_LEN)

/**
 * Write receive WQEs for buffers in the hint's range, at consecutive
 * ring entries (no wrap inside), until one is outside it: per buffer
 * one range compare, the mbuf into elts, the data segment in two
 * stores (byte count and lkey, as the range's template; the address).
 *
 * @param seg   the first ring entry
 * @param elt   its elts entry
 * @param bufs  the buffers
 * @param k     how many (the entries up to the ring's end at most)
 * @return how many were written (the next one, if any, is outside)
 */
static inline uint32_t
ipoib_rxq_post_run(struct mlx5_wqe_data_seg *seg, struct rte_mbuf **elt,
		   struct rte_mbuf *const *bufs, uint32_t k,
		   const struct ipoib_rx_lkey *lk)
{
	const uintptr_t start = lk->start, span = lk->span;
	const uint64_t lo = lk->seg_lo;
	uint32_t i;

	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = bufs[i];
		uintptr_t addr = (uintptr_t)m->buf_addr + IPOIB_RX_BUF_OFF;

		if (unlikely(addr - start > span))
			break;
		elt[i] = m;
		memcpy(&seg[i], &lo, sizeof(lo));
		seg[i].addr = rte_cpu_to_be_64(addr);
	}
	return i;
}

/**
 * Post one buffer outside the hint's range: its lkey from the map's
 * search (which moves the hint), then the new hint's range read.
 *
 * @return false when no region holds it (the buffer went back to the
 *         pool, counted as an error)
 */
static __rte_noinline bool
ipoib_rxq_post_other(struct ipoib_rxq *rxq, struct rte_mbuf *m,
		     uint32_t head, uint32_t len, struct ipoib_rx_lkey *lk)
{
	struct hca_qp *qp = rxq->qp;
	uint32_t at = head & (qp->rq_wqe_cnt - 1);
	uintptr_t addr = (uintptr_t)m->buf_addr + IPOIB_RX_BUF_OFF;
	struct mlx5_wqe_data_seg *seg = &qp->rq_buf[at];
	uint32_t lkey = hca_mr_map_lkey(rxq->priv->mrs, addr, len,
					&rxq->lkey_hint);

	if (unlikely(lkey == HCA_NO_LKEY)) {
		rxq->st.errors++;
		rte_mempool_put(rxq->mp, m);
		return false;
	}
	ipoib_rx_lkey_load(rxq, len, lk);
	rxq->elts[at] = m;
	seg->byte_count = rte_cpu_to_be_32(len);
	seg->lkey = rte_cpu_to_be_32(lkey);
	seg->addr = rte_cpu_to_be_64(addr);
	return true;
}

/** Buffers a refill takes from the pool at most per bulk get. */
#define IPOIB_RX_REFILL_BULK (2 * IPOIB_BURST)

/**
 * Post up to n fresh mbufs on a receive queue: taken from the pool in
 * bulk (no per-mbuf reset: the receive writes every field it hands
 * out, ipoib_rx_burst), written as WQEs in runs up to the ring's end,
 * one doorbell record update.
 *
 * @return how many were posted
 */
uint32_t
ipoib_rxq_refill(struct ipoib_rxq *rxq, uint32_t n)
{
	struct hca_qp *qp = rxq->qp;
	struct mlx5_wqe_data_seg *ring = qp->rq_buf;
	struct rte_mbuf **elts = rxq->elts;
	const uint32_t cnt = qp->rq_wqe_cnt, mask = cnt - 1;
	uint32_t len = HCA_GRH_LEN + rxq->buf_room;
	uint32_t head = qp->rq_head, head0 = head;
	struct rte_mbuf *bufs[IPOIB_RX_REFILL_BULK];
	struct ipoib_rx_lkey lk;
	uint32_t left = n;

	ipoib_rx_lkey_load(rxq, len, &lk);
	while (left != 0) {
		uint32_t k = RTE_MIN(left, (uint32_t)IPOIB_RX_REFILL_BULK);
		uint32_t i = 0;
		bool short_of_lkey = false;

		if (rte_mempool_get_bulk(rxq->mp, (void **)bufs, k) != 0) {
			rxq->st.nombuf++;
			rxq->priv->dev->data->rx_mbuf_alloc_failed++;
			break;
		}
		while (i < k) {
			uint32_t at = head & mask;
			uint32_t run = RTE_MIN(k - i, cnt - at);
			uint32_t got = ipoib_rxq_post_run(&ring[at], &elts[at],
							  bufs + i, run, &lk);

			head += got;
			i += got;
			if (got == run)
				continue;
			if (ipoib_rxq_post_other(rxq, bufs[i], head, len,
						 &lk))
				head++;
			else
				short_of_lkey = true;
			i++;
		}
		left -= k;
		if (unlikely(short_of_lkey))
			break;
	}
	if (head != head0) {
		qp->rq_head = head;
		hca_rq_doorbell(qp);
	}
	return head - head0;
}

/**
 * Post receive buffers until the ring is full (at start, after a reset);
 * first the queue's constants for the data path.
 */
int
ipoib_rxq_fill(struct ipoib_rxq *rxq)
{
	uint32_t want = rxq->nb_desc - (rxq->qp->rq_head - rxq->rq_tail);
	struct rte_mbuf mb = { .nb_segs = 1 };

	/* the pool's buffers all have its data room (setup checked that
	 * the headroom and an IPoIB header fit) */
	mb.data_off = RTE_PKTMBUF_HEADROOM;
	mb.port = rxq->port_id;
	rte_mbuf_refcnt_set(&mb, 1);
	memcpy(&rxq->mbuf_rearm,
	       (const uint8_t *)&mb + offsetof(struct rte_mbuf, rearm_data),
	       sizeof(rxq->mbuf_rearm));
	/* a pool's pinned external buffers stay attached: keep the flag */
	rxq->ol_base = rte_pktmbuf_priv_flags(rxq->mp) &
		RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF ? RTE_MBUF_F_EXTERNAL : 0;
	rxq->buf_room = rte_pktmbuf_data_room_size(rxq->mp) -
		RTE_PKTMBUF_HEADROOM;
	return ipoib_rxq_refill(rxq, want) == want ? 0 : -ENOMEM;
}

/** Free every mbuf still posted on a receive queue (after stop). */
void
ipoib_rxq_drain(struct ipoib_rxq *rxq)
{
	uint32_t i;

	if (rxq->elts == NULL)
		return;
	for (i = 0; i < rxq->nb_desc; i++) {
		if (rxq->elts[i] != NULL) {
			rte_pktmbuf_free(rxq->elts[i]);
			rxq->elts[i] = NULL;
		}
	}
}
