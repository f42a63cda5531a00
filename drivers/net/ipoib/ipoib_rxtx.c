/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The data path of net_ipoib: receive and transmit bursts. No locks, no
 * system calls, no allocation other than mbufs from the queue's pool.
 *
 * Receive: mbufs are posted so that the 40-byte GRH area lands in the
 * headroom and the IPoIB header at the data offset; completions turn into
 * mbufs in place. The reserved field of the IPoIB header gets the key of
 * the source (0 while the source is being learned).
 *
 * Transmit: the reserved field names the destination's key; the peer's
 * prebuilt address vector goes into a UD WQE and the field is zeroed
 * before the device can read the packet. Unresolved destinations go to
 * the control thread, which hands their packets back through queue 0's
 * ready ring once the path is known.
 */

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include "ipoib.h"
#include "ipoib_dp.h"
#include "ipoib_tx_offload.h"
#include "rte_pmd_ipoib.h"

/** Dynamic flag set on packets received for a multicast group. */
uint64_t ipoib_rx_mcast_flag;
/** Its name, for applications (rte_mbuf_dynflag_lookup). */
#define IPOIB_DYNFLAG_RX_MCAST "rte_net_ipoib_dynflag_rx_mcast"

/** Offset of the peer tag dynamic field (see ipoib.h). */
int ipoib_tag_offset = -1;
/** Flag that says a packet carries a peer tag. */
uint64_t ipoib_tag_flag;

/**
 * Register the dynamic flags (multicast, peer tag present) and the peer
 * tag field; 0 or a negative errno.
 */
int
ipoib_rx_dynflag_register(void)
{
	static const struct rte_mbuf_dynflag desc = {
		.name = IPOIB_DYNFLAG_RX_MCAST,
	};
	static const struct rte_mbuf_dynflag tag_flag = {
		.name = RTE_PMD_IPOIB_DYNFLAG_TAG,
	};
	static const struct rte_mbuf_dynfield tag_field = {
		.name = RTE_PMD_IPOIB_DYNFIELD_TAG,
		.size = sizeof(uint64_t),
		.align = __alignof__(uint64_t),
	};
	int bit = rte_mbuf_dynflag_register(&desc);
	int tbit = rte_mbuf_dynflag_register(&tag_flag);
	int off = rte_mbuf_dynfield_register(&tag_field);

	if (bit < 0 || tbit < 0 || off < 0)
		return -rte_errno;
	ipoib_rx_mcast_flag = RTE_BIT64(bit);
	ipoib_tag_offset = off;
	ipoib_tag_flag = RTE_BIT64(tbit);
	return 0;
}

/** Whether a received packet was sent to a multicast group. */
int
rte_pmd_ipoib_rx_is_multicast(const struct rte_mbuf *m)
{
	return ipoib_mbuf_is_multicast(m);
}

/* ------------------------------------------------------------ receive */

/**
 * Post up to n fresh mbufs on a receive queue, in bursts.
 *
 * @return how many were posted
 */
static uint32_t
ipoib_rxq_refill(struct ipoib_rxq *rxq, uint32_t n)
{
	struct hca_qp *qp = rxq->qp;
	uint32_t mask = qp->rq_wqe_cnt - 1;
	struct rte_mbuf *bufs[IPOIB_BURST];
	uint32_t done = 0, i;

	while (done < n) {
		uint32_t k = RTE_MIN(n - done, (uint32_t)IPOIB_BURST);

		if (rte_pktmbuf_alloc_bulk(rxq->mp, bufs, k) != 0) {
			rxq->st.nombuf++;
			rxq->priv->dev->data->rx_mbuf_alloc_failed++;
			break;
		}
		for (i = 0; i < k; i++) {
			struct rte_mbuf *m = bufs[i];
			uintptr_t addr = (uintptr_t)m->buf_addr + m->data_off -
				HCA_GRH_LEN;
			uint32_t len = HCA_GRH_LEN + m->buf_len - m->data_off;
			uint32_t lkey = hca_mr_map_lkey(rxq->priv->mrs, addr,
							len, &rxq->lkey_hint);

			if (unlikely(lkey == HCA_NO_LKEY)) {
				rxq->st.errors++;
				rte_pktmbuf_free(m);
				continue;
			}
			rxq->elts[qp->rq_head & mask] = m;
			hca_rq_post(qp, addr, len, lkey);
			done++;
		}
		if (done < n && i < k)
			break;
	}
	if (done != 0)
		hca_rq_doorbell(qp);
	return done;
}

/** Post receive buffers until the ring is full (at start). */
int
ipoib_rxq_fill(struct ipoib_rxq *rxq)
{
	uint32_t want = rxq->nb_desc - (rxq->qp->rq_head - rxq->rq_tail);

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

/**
 * Check one receive completion and shape its mbuf.
 *
 * @param src  filled with the source address (GID zero without a GRH)
 * @return 2 when the packet is kept (src filled), 0 when it was dropped
 *         (counted, freed)
 */
static inline int
ipoib_rx_one(struct ipoib_rxq *rxq, struct rte_mbuf *m,
	     const struct hca_rx_cqe *rc, struct ipoib_hwaddr *src)
{
	const struct ipoib_priv *priv = rxq->priv;
	uint32_t room = m->buf_len - m->data_off;
	struct rte_ipoib_hdr *hdr;
	const struct ipoib_grh *grh;
	uint32_t len;

	/* a source QPN of 0xFFFFFF would make a group the sender */
	if (unlikely(rc->byte_cnt < HCA_GRH_LEN + RTE_IPOIB_HDR_LEN ||
		     rc->byte_cnt - HCA_GRH_LEN > room ||
		     rc->src_qpn == IPOIB_MCAST_QPN)) {
		rxq->st.malformed++;
		rte_pktmbuf_free(m);
		return 0;
	}
	if (unlikely(rc->src_qpn == priv->qpn && rc->slid == priv->lid)) {
		rxq->st.loopback++;
		rte_pktmbuf_free(m);
		return 0;
	}
	len = rc->byte_cnt - HCA_GRH_LEN;
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->port = rxq->port_id;
	m->packet_type = 0;
	m->ol_flags = 0;
	if (rc->rss_hash != 0) {
		m->hash.rss = rc->rss_hash;
		m->ol_flags |= RTE_MBUF_F_RX_RSS_HASH;
	}
	hdr = rte_pktmbuf_mtod(m, struct rte_ipoib_hdr *);
	hdr->key = 0;
	src->flags = 0;
	src->qpn[0] = (rc->src_qpn >> 16) & 0xff;
	src->qpn[1] = (rc->src_qpn >> 8) & 0xff;
	src->qpn[2] = rc->src_qpn & 0xff;
	if (!rc->grh) { /* unicast inside the subnet (Linux): (SLID, QPN) */
		rxq->st.no_grh++;
		memset(&src->gid, 0, sizeof(src->gid));
		return 2;
	}
	grh = rte_pktmbuf_mtod_offset(m, const struct ipoib_grh *,
				      -HCA_GRH_LEN);
	if (grh->dgid[0] == 0xff) { /* DGID is multicast */
		m->ol_flags |= ipoib_rx_mcast_flag;
		rxq->st.mcast++;
	}
	memcpy(src->gid.raw, grh->sgid, HCA_GID_LEN);
	return 2;
}

/** Tell the control thread about a source it should learn or update. */
static inline void
ipoib_rx_report(struct ipoib_rxq *rxq, const struct ipoib_hwaddr *addr,
		const struct hca_rx_cqe *rc)
{
	struct ipoib_learn l = {
		.addr = *addr,
		.slid = rc->slid,
		.sl = rc->sl,
		.by_lid = !rc->grh,
	};

	if (rte_ring_mp_enqueue_elem(rxq->priv->learn, &l, sizeof(l)) != 0)
		rxq->st.learn_dropped++;
}

/**
 * Put a known source's key (header) and tag (dynamic field) into a
 * received packet and note its use.
 *
 * @param rxq   the queue
 * @param m     the packet
 * @param p     the source's entry, current for tag
 * @param tag   the source's tag
 * @param addr  the source address
 * @param rc    the completion
 * @param now   TSC of the burst
 */
static inline void
ipoib_rx_set_peer(struct ipoib_rxq *rxq, struct rte_mbuf *m,
		  struct ipoib_peer *p, uint64_t tag,
		  const struct ipoib_hwaddr *addr,
		  const struct hca_rx_cqe *rc, uint64_t now)
{
	rxq->st.peer_hits++;
	rte_pmd_ipoib_set_key(m, ipoib_tag_key(tag));
	ipoib_mbuf_set_tag(m, tag);
	if (p->last_used + rte_get_tsc_hz() / 16 < now)
		__atomic_store_n(&p->last_used, now, __ATOMIC_RELAXED);
	/* the source moved to another LID: the control thread follows */
	if (unlikely(rc->grh && p->path.lid != rc->slid &&
		     ipoib_peer_is_resolved(p) &&
		     !(p->flags & IPOIB_PEER_F_MCAST)))
		ipoib_rx_report(rxq, addr, rc);
}

/**
 * Put the source's key (header) and tag (dynamic field) into a received
 * packet; a source not known (tag 0 or stale) goes to the control thread.
 *
 * @return whether the source was known (tag current)
 */
static inline bool
ipoib_rx_set_source(struct ipoib_rxq *rxq, struct rte_mbuf *m, uint64_t tag,
		    const struct ipoib_hwaddr *addr,
		    const struct hca_rx_cqe *rc, uint64_t now)
{
	struct ipoib_peer *p = ipoib_peer_get_tagged(rxq->priv->peers, tag);

	if (unlikely(p == NULL)) {
		if (rc->grh)
			rxq->st.unknown_src++;
		else
			rxq->st.unknown_lid++;
		ipoib_rx_report(rxq, addr, rc);
		return false;
	}
	ipoib_rx_set_peer(rxq, m, p, tag, addr, rc, now);
	return true;
}

/**
 * Give a packet the queue's last source when its address is that one and
 * the memo's tag is still its slot's current tag (the peer was neither
 * evicted nor replaced since): no hash lookup then.
 *
 * @return true when the packet got its source, false to look it up
 */
static inline bool
ipoib_rx_last_source(struct ipoib_rxq *rxq, struct rte_mbuf *m,
		     const struct ipoib_hwaddr *addr,
		     const struct hca_rx_cqe *rc, uint64_t now)
{
	struct ipoib_peer *p;

	if (!ipoib_hwaddr_equal(addr, &rxq->last_src))
		return false;
	p = ipoib_peer_get_tagged(rxq->priv->peers, rxq->last_tag);
	if (unlikely(p == NULL)) {
		rxq->last_tag = 0;
		return false;
	}
	ipoib_rx_set_peer(rxq, m, p, rxq->last_tag, addr, rc, now);
	return true;
}

/**
 * Put the source keys and tags into received packets: the queue's last
 * source first, then one bulk lookup by address for the other packets
 * with a GRH, the (SLID, QPN) index for those without; unknown sources go
 * to the control thread.
 */
static inline void
ipoib_rx_set_keys(struct ipoib_rxq *rxq, struct rte_mbuf **pkts,
		  const uint16_t *which, struct ipoib_hwaddr *addrs,
		  const struct hca_rx_cqe *rcs, unsigned int n, uint64_t now)
{
	struct ipoib_priv *priv = rxq->priv;
	const struct ipoib_hwaddr *ap[IPOIB_BURST];
	uint16_t keys[IPOIB_BURST], gi[IPOIB_BURST];
	unsigned int i, ng = 0;

	for (i = 0; i < n; i++) {
		if (rcs[i].grh) {
			if (ipoib_rx_last_source(rxq, pkts[which[i]],
						 &addrs[i], &rcs[i], now))
				continue;
			gi[ng] = (uint16_t)i;
			ap[ng++] = &addrs[i];
		} else {
			ipoib_rx_set_source(rxq, pkts[which[i]],
				ipoib_peer_lookup_lid(priv->peers, rcs[i].slid,
						      rcs[i].src_qpn),
				&addrs[i], &rcs[i], now);
		}
	}
	if (ng == 0)
		return;
	ipoib_peer_lookup_bulk(priv->peers, ap, ng, keys);
	for (i = 0; i < ng; i++) {
		struct ipoib_peer *p = ipoib_peer_get(priv->peers, keys[i]);
		uint64_t tag = p != NULL ? ipoib_peer_tag(p) : 0;

		if (ipoib_tag_key(tag) != keys[i])
			tag = 0; /* retired meanwhile */
		if (ipoib_rx_set_source(rxq, pkts[which[gi[i]]], tag,
					&addrs[gi[i]], &rcs[gi[i]], now)) {
			rxq->last_src = addrs[gi[i]];
			rxq->last_tag = tag;
		}
	}
}

/** Receive a burst of packets (rte_eth_rx_burst). */
uint16_t
ipoib_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_rxq *rxq = q;
	struct hca_qp *qp = rxq->qp;
	struct hca_cq *cq = rxq->cq;
	uint32_t mask = qp->rq_wqe_cnt - 1;
	struct ipoib_hwaddr addrs[IPOIB_BURST];
	struct hca_rx_cqe rcs[IPOIB_BURST];
	uint16_t which[IPOIB_BURST];
	unsigned int nb = 0, nsrc = 0, consumed = 0;
	uint64_t bytes = 0;

	if (n > IPOIB_BURST)
		n = IPOIB_BURST;
	while (nb < n) {
		struct mlx5_cqe64 *cqe = hca_cq_peek(cq);
		struct hca_rx_cqe rc;
		struct rte_mbuf *m;
		uint32_t idx;
		int kept;

		if (cqe == NULL)
			break;
		hca_cqe_decode_rx(cqe, &rc);
		idx = rc.wqe_index & mask;
		m = rxq->elts[idx];
		rxq->elts[idx] = NULL;
		if (unlikely(hca_cqe_opcode(cqe) != MLX5_CQE_RESP_SEND ||
			     m == NULL)) {
			if (hca_cqe_opcode(cqe) == MLX5_CQE_RESP_ERR) {
				/* the QP is in the error state: the control
				 * thread drains and resets it
				 * (ipoib_qp_reset.c) */
				rxq->elts[idx] = m;
				ipoib_qp_error_seen(rxq->priv, rxq->idx);
				break;
			}
			hca_cq_consume(cq);
			rxq->rq_tail++;
			consumed++;
			rxq->st.errors++;
			if (m != NULL)
				rte_pktmbuf_free(m);
			continue;
		}
		hca_cq_consume(cq);
		rxq->rq_tail++;
		consumed++;
		kept = ipoib_rx_one(rxq, m, &rc, &addrs[nsrc]);
		if (kept == 0)
			continue;
		rcs[nsrc] = rc;
		which[nsrc++] = (uint16_t)nb;
		bytes += m->pkt_len;
		pkts[nb++] = m;
	}
	if (consumed == 0) {
		/* a ring that a failed refill left short is refilled on an
		 * empty poll too: once empty it would never complete again
		 * (not while its QP waits for a reset: it would flush them) */
		if (unlikely(qp->rq_head - rxq->rq_tail != rxq->nb_desc) &&
		    !(__atomic_load_n(&rxq->priv->qp_failed,
				      __ATOMIC_RELAXED) &
		      (UINT32_C(1) << rxq->idx)))
			ipoib_rxq_refill(rxq, rxq->nb_desc -
					 (qp->rq_head - rxq->rq_tail));
		goto out;
	}
	hca_cq_doorbell(cq);
	if (nsrc != 0)
		ipoib_rx_set_keys(rxq, pkts, which, addrs, rcs, nsrc,
				  rte_get_tsc_cycles());
	ipoib_rxq_refill(rxq, rxq->nb_desc - (qp->rq_head - rxq->rq_tail));
	rxq->st.packets += nb;
	rxq->st.bytes += bytes;
out:
	ipoib_peer_reader_quiescent(rxq->priv->peers, rxq->idx);
	return (uint16_t)nb;
}

/* ----------------------------------------------------------- transmit */

/**
 * Free the mbufs of sends completed so far (lazily, per burst). An error
 * completion is left for the control thread, which accounts for every
 * send of the failed QP and resets it (ipoib_qp_reset.c); until then the
 * queue takes nothing.
 */
static void
ipoib_tx_reap(struct ipoib_txq *txq)
{
	struct hca_qp *qp = txq->qp;
	uint32_t mask = qp->sq_wqe_cnt - 1;
	struct mlx5_cqe64 *cqe;
	int polled = 0;

	while ((cqe = hca_cq_peek(txq->cq)) != NULL) {
		uint32_t idx = be16toh(cqe->wqe_counter) & mask;
		uint32_t end = txq->wqe_end[idx];

		if (unlikely(hca_cqe_opcode(cqe) != MLX5_CQE_REQ)) {
			txq->qp_error = true;
			ipoib_qp_error_seen(txq->priv, txq->idx);
			break;
		}
		hca_cq_consume(txq->cq);
		polled = 1;
		while (txq->sq_tail != end &&
		       (int32_t)(end - txq->sq_tail) > 0) {
			struct rte_mbuf **e = &txq->elts[txq->sq_tail & mask];

			if (*e != NULL) {
				rte_pktmbuf_free(*e);
				*e = NULL;
			}
			txq->sq_tail++;
		}
	}
	if (polled)
		hca_cq_doorbell(txq->cq);
}

/** Free every mbuf still owned by a send queue (after stop). */
void
ipoib_txq_drain(struct ipoib_txq *txq)
{
	uint32_t i;

	if (txq->elts == NULL)
		return;
	for (i = 0; i < txq->ring_size; i++) {
		if (txq->elts[i] != NULL) {
			rte_pktmbuf_free(txq->elts[i]);
			txq->elts[i] = NULL;
		}
	}
}

/**
 * Hold a packet for a peer whose path is not known yet: the control
 * thread resolves it. At most IPOIB_MAX_HELD packets per peer.
 */
static inline void
ipoib_tx_hold(struct ipoib_txq *txq, struct ipoib_peer *p,
	      struct rte_mbuf *m)
{
	if (__atomic_fetch_add(&p->pending, 1, __ATOMIC_ACQ_REL) >=
	    IPOIB_MAX_HELD ||
	    rte_ring_mp_enqueue(txq->priv->pending, m) != 0) {
		__atomic_fetch_sub(&p->pending, 1, __ATOMIC_RELEASE);
		txq->st.unresolved_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	txq->st.unresolved_held++;
}

/**
 * Fill the gather list of a packet, skipping empty segments.
 *
 * @return the number of entries, or 0 when some memory is not registered
 */
static inline uint32_t
ipoib_tx_sges(struct ipoib_txq *txq, struct rte_mbuf *m,
	      struct hca_sge *sge)
{
	uint32_t n = 0;

	for (; m != NULL; m = m->next) {
		if (unlikely(m->data_len == 0))
			continue; /* a byte count of 0 means 2 GiB */
		sge[n].addr = rte_pktmbuf_mtod(m, uintptr_t);
		sge[n].len = m->data_len;
		sge[n].lkey = hca_mr_map_lkey(txq->priv->mrs, sge[n].addr,
					      m->data_len, &txq->lkey_hint);
		if (unlikely(sge[n].lkey == HCA_NO_LKEY))
			return 0;
		n++;
	}
	return n;
}

/** Mbufs whose data was sent inline, given back together. */
struct ipoib_tx_done {
	unsigned int n;
	struct rte_mbuf *m[IPOIB_BURST];
};

/**
 * Give back an mbuf whose data the device no longer needs (it went
 * inline into the WQE), in bulk once IPOIB_BURST are collected.
 *
 * @param done  the burst's collection
 * @param m     the mbuf
 */
static inline void
ipoib_tx_done_add(struct ipoib_tx_done *done, struct rte_mbuf *m)
{
	done->m[done->n++] = m;
	if (unlikely(done->n == IPOIB_BURST)) {
		rte_pktmbuf_free_bulk(done->m, done->n);
		done->n = 0;
	}
}

/**
 * Post one packet to a resolved peer. A shared packet (another holder
 * would see the header written) is sent from a copy in its own pool;
 * the original's reference is dropped once the copy is posted.
 *
 * @param done      where an mbuf sent inline goes to be freed
 * @param may_share  false when the caller owns every packet alone (the
 *                   Ethernet view unshared them before its rewrite)
 * @return 1 when posted or dropped (consumed), 0 when the ring is full
 */
static __rte_always_inline int
ipoib_tx_post_one(struct ipoib_txq *txq, struct ipoib_peer *p,
		  struct rte_mbuf *m, uint32_t *last_head,
		  struct ipoib_tx_done *done, bool may_share)
{
	struct hca_qp *qp = txq->qp;
	struct hca_sge sge[IPOIB_TX_MAX_SEGS];
	uint32_t mask = qp->sq_wqe_cnt - 1;
	struct rte_mbuf *shared = NULL;
	uint32_t nsge = 0, blocks, head;
	bool signal, inl;

	if (may_share && unlikely(ipoib_mbuf_is_shared(m))) {
		/* the header is written below: send a private copy */
		shared = m;
		m = rte_pktmbuf_copy(shared, shared->pool, 0, UINT32_MAX);
		if (m == NULL || m->nb_segs > IPOIB_TX_MAX_SEGS) {
			txq->st.shared_copy_failed++;
			rte_pktmbuf_free(m);
			rte_pktmbuf_free(shared);
			return 1;
		}
	}
	inl = m->nb_segs == 1 && m->data_len <= qp->max_inline &&
		m->data_len <= IPOIB_TX_INLINE_MAX;
	blocks = hca_ud_wqe_blocks(inl ? 0 : m->nb_segs,
				   inl ? m->data_len : 0);
	if (qp->sq_wqe_cnt - (qp->sq_head - txq->sq_tail) < blocks) {
		if (shared != NULL) /* the caller keeps the original */
			rte_pktmbuf_free(m);
		return 0;
	}
	if (shared != NULL) {
		txq->st.shared_copied++;
		rte_pktmbuf_free(shared); /* our reference */
	}
	if (!inl) {
		nsge = ipoib_tx_sges(txq, m, sge);
		if (unlikely(nsge == 0)) {
			txq->st.no_lkey++;
			rte_pktmbuf_free(m);
			return 1;
		}
	}
	/* the wire carries zero; written before the device owns the mbuf */
	rte_pktmbuf_mtod(m, struct rte_ipoib_hdr *)->key = 0;
	signal = ++txq->since_signal >= IPOIB_TX_SIGNAL_EVERY;
	txq->st.packets++;
	txq->st.bytes += m->pkt_len;
	if (inl) {
		head = hca_sq_post_ud(qp, &p->av, NULL, 0,
				      rte_pktmbuf_mtod(m, void *),
				      m->data_len, signal);
		ipoib_tx_done_add(done, m);
	} else {
		head = hca_sq_post_ud(qp, &p->av, sge, nsge, NULL, 0, signal);
		txq->elts[head & mask] = m;
	}
	if (signal) {
		txq->wqe_end[head & mask] = qp->sq_head;
		txq->since_signal = 0;
	}
	*last_head = head;
	return 1;
}

/**
 * Send packets whose IPoIB header names a destination key.
 *
 * @param may_share  whether a packet may be shared (see
 *                   ipoib_tx_post_one())
 * @return how many were consumed (sent, held or dropped)
 */
static __rte_always_inline uint16_t
ipoib_tx_post(struct ipoib_txq *txq, struct rte_mbuf **pkts, uint16_t n,
	      bool may_share)
{
	struct ipoib_priv *priv = txq->priv;
	struct hca_qp *qp = txq->qp;
	uint32_t last_head = 0, posted = 0;
	uint64_t now = rte_get_tsc_cycles();
	/* a UD message holds at most the IB MTU: IPoIB header + MTU */
	uint32_t max_len = priv->mtu + RTE_IPOIB_HDR_LEN;
	struct ipoib_tx_done done;
	uint16_t i;

	done.n = 0;
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum ipoib_dest_error why;
		struct ipoib_peer *p;
		uint16_t key;

		if (unlikely(m->ol_flags & IPOIB_TX_OFFLOAD_FLAGS)) {
			/* checksums or LSO by the device: its own WQE */
			int r;

			p = ipoib_peer_of_mbuf(priv->peers, m,
					       rte_pmd_ipoib_get_key(m), &why);
			r = ipoib_tx_offload_post(txq, m, p, &last_head);
			if (r < 0) {
				ipoib_tx_reap(txq);
				r = ipoib_tx_offload_post(txq, m, p,
							  &last_head);
			}
			if (r < 0) {
				txq->st.ring_full++;
				break;
			}
			posted += (uint32_t)r;
			continue;
		}
		if (unlikely(m->data_len < RTE_IPOIB_HDR_LEN ||
			     m->nb_segs > IPOIB_TX_MAX_SEGS)) {
			txq->st.malformed++;
			rte_pktmbuf_free(m);
			continue;
		}
		/* the device would fail the WQE and its QP with it */
		if (unlikely(m->pkt_len > max_len)) {
			txq->st.oversized++;
			rte_pktmbuf_free(m);
			continue;
		}
		key = rte_pmd_ipoib_get_key(m);
		p = ipoib_peer_of_mbuf(priv->peers, m, key, &why);
		if (unlikely(p == NULL)) {
			if (why == IPOIB_DEST_NO_KEY)
				txq->st.malformed++;
			else if (why == IPOIB_DEST_AMBIGUOUS)
				txq->st.untagged++;
			else
				txq->st.stale_key++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(!ipoib_peer_is_resolved(p))) {
			txq->st.peer_misses++;
			ipoib_tx_hold(txq, p, m);
			continue;
		}
		txq->st.peer_hits++;
		if (!ipoib_tx_post_one(txq, p, m, &last_head, &done,
				       may_share)) {
			ipoib_tx_reap(txq);
			if (!ipoib_tx_post_one(txq, p, m, &last_head,
					       &done, may_share)) {
				txq->st.ring_full++;
				break;
			}
		}
		posted++;
		if (p->last_used + rte_get_tsc_hz() / 16 < now)
			__atomic_store_n(&p->last_used, now, __ATOMIC_RELAXED);
	}
	if (posted != 0) {
		if (txq->since_signal != 0) {
			struct mlx5_wqe_ctrl_seg *ctrl =
				hca_sq_block(qp, last_head);

			ctrl->fm_ce_se |= MLX5_WQE_CTRL_CQ_UPDATE;
			txq->wqe_end[last_head & (qp->sq_wqe_cnt - 1)] =
				qp->sq_head;
			txq->since_signal = 0;
		}
		hca_sq_doorbell(qp, last_head);
	}
	if (done.n != 0)
		rte_pktmbuf_free_bulk(done.m, done.n);
	return i;
}

/** Send the packets the control thread resolved (queue 0 only). */
static void
ipoib_tx_send_ready(struct ipoib_txq *txq)
{
	struct rte_mbuf *m[IPOIB_BURST];
	unsigned int n, sent;

	n = rte_ring_sc_dequeue_burst(txq->ready, (void **)m, IPOIB_BURST,
				      NULL);
	if (n == 0)
		return;
	sent = ipoib_tx_post(txq, m, (uint16_t)n, true);
	for (; sent < n; sent++) {
		txq->st.ring_full++;
		rte_pktmbuf_free(m[sent]);
	}
}

/**
 * Transmit a burst: completions reaped, the packets the control thread
 * resolved sent first, then the burst.
 *
 * @param may_share  whether a packet of the burst may be shared
 */
static __rte_always_inline uint16_t
ipoib_tx_burst_of(struct ipoib_txq *txq, struct rte_mbuf **pkts, uint16_t n,
		  bool may_share)
{
	struct ipoib_priv *priv = txq->priv;
	uint16_t done;

	ipoib_tx_reap(txq);
	if (unlikely(txq->qp_error))
		return 0; /* the QP is being reset: nothing taken */
	if (txq->ready != NULL && !rte_ring_empty(txq->ready))
		ipoib_tx_send_ready(txq);
	done = ipoib_tx_post(txq, pkts, n, may_share);
	ipoib_peer_reader_quiescent(priv->peers,
				    IPOIB_RCU_TX_BASE + txq->idx);
	return done;
}

/** Transmit a burst of packets (rte_eth_tx_burst). */
uint16_t
ipoib_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return ipoib_tx_burst_of(q, pkts, n, true);
}

/**
 * Transmit a burst of packets that the caller owns alone (none shared,
 * no clone): the Ethernet view's, after its rewrite.
 */
uint16_t
ipoib_tx_burst_owned(struct ipoib_txq *txq, struct rte_mbuf **pkts,
		     uint16_t n)
{
	return ipoib_tx_burst_of(txq, pkts, n, false);
}

/** rx_burst of a port in mode=raw, pausable. */
uint16_t
ipoib_rx_burst_pausable(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_rxq *rxq = q;
	uint16_t got;

	if (!ipoib_dp_enter(&rxq->dp_seq, rxq->priv))
		return 0;
	got = ipoib_rx_burst(q, pkts, n);
	ipoib_dp_leave(&rxq->dp_seq);
	return got;
}

/**
 * Receive completions waiting on a queue (rte_eth_rx_queue_count): the
 * CQEs the software owns from the consumer index on, read without
 * consuming them. Counts completions, not packets: a frame the view
 * keeps for itself (ARP, an own multicast copy) is one of them. 0 while
 * the data path is paused.
 */
uint32_t
ipoib_rx_queue_count(void *q)
{
	struct ipoib_rxq *rxq = q;
	struct hca_cq *cq = rxq->cq;
	uint32_t ci, n = 0;

	if (!ipoib_dp_enter(&rxq->dp_seq, rxq->priv))
		return 0;
	ci = cq->cons_index;
	while (n < cq->cqe_cnt) {
		uint32_t at = ci + n;
		const struct mlx5_cqe64 *cqe =
			&cq->cqes[at & (cq->cqe_cnt - 1)];
		uint8_t op_own = __atomic_load_n(&cqe->op_own,
						 __ATOMIC_ACQUIRE);

		if ((op_own >> 4) == MLX5_CQE_INVALID ||
		    (op_own & MLX5_CQE_OWNER_MASK) != !!(at & cq->cqe_cnt))
			break;
		n++;
	}
	ipoib_dp_leave(&rxq->dp_seq);
	return n;
}

/** tx_burst of a port in mode=raw, pausable (nothing taken). */
uint16_t
ipoib_tx_burst_pausable(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_txq *txq = q;
	uint16_t sent;

	if (!ipoib_dp_enter(&txq->dp_seq, txq->priv))
		return 0;
	sent = ipoib_tx_burst(q, pkts, n);
	ipoib_dp_leave(&txq->dp_seq);
	return sent;
}
