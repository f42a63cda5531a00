/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The data path of net_ipoib, transmit: bursts of both views, completions
 * reaped, mbufs released. No locks, no system calls.
 *
 * The reserved field of the IPoIB header names the destination's key;
 * the peer's prebuilt address vector goes into a UD WQE and the field is
 * zeroed before the device can read the packet. Unresolved destinations
 * go to the control thread, which hands their packets back through queue
 * 0's ready ring once the path is known. Packets asking for checksum or
 * segmentation offloads go to ipoib_tx_offload.c.
 */

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "ipoib.h"
#include "ipoib_dp.h"
#include "ipoib_tx_offload.h"
#include "rte_pmd_ipoib.h"


/**
 * The prebuilt address vector of a peer (read through an accessor: the
 * entry's layout is the peer cache's; its use stamp is ipoib_peer_touch()).
 */
static inline const struct mlx5_wqe_av *
ipoib_tx_peer_av(const struct ipoib_peer *p)
{
	return &p->av;
}

/**
 * Free the mbufs of the gathered sends (not inline) among the blocks
 * from the queue's tail up to end, in bulk, and move the tail there.
 * Inline sends hold no mbuf: when no gathered send lies behind end, the
 * tail jumps.
 */
static inline void
ipoib_tx_release(struct ipoib_txq *txq, uint32_t end)
{
	uint32_t mask = txq->qp->sq_wqe_cnt - 1;
	struct rte_mbuf *free[IPOIB_BURST];
	uint32_t stop = end, n = 0;

	if (likely((int32_t)(txq->gather_end - txq->sq_tail) <= 0)) {
		txq->sq_tail = end;
		return;
	}
	if ((int32_t)(end - txq->gather_end) > 0)
		stop = txq->gather_end;
	while ((int32_t)(stop - txq->sq_tail) > 0) {
		struct rte_mbuf **e = &txq->elts[txq->sq_tail & mask];

		if (*e != NULL) {
			free[n++] = *e;
			*e = NULL;
			if (n == IPOIB_BURST) {
				rte_pktmbuf_free_bulk(free, n);
				n = 0;
			}
		}
		txq->sq_tail++;
	}
	if (n != 0)
		rte_pktmbuf_free_bulk(free, n);
	txq->sq_tail = end;
}

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
		if ((int32_t)(end - txq->sq_tail) > 0)
			ipoib_tx_release(txq, end);
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

/**
 * Give mbufs of one plain segment (one reference, direct, not external)
 * whose data went inline back to their pool: what rte_pktmbuf_free()
 * would do for them.
 *
 * @param mp  their pool
 * @param m   the mbufs
 * @param n   how many (may be 0)
 */
static void
ipoib_tx_done_put(struct rte_mempool *mp, struct rte_mbuf **m, unsigned int n)
{
	if (n != 0)
		rte_mempool_put_bulk(mp, (void **)m, n);
}

/** What the posts of one burst add up, written to the queue once. */
struct ipoib_tx_sum {
	uint32_t last_head;       /**< index of the last WQE built */
	uint32_t since_signal;    /**< WQEs of the slow posts since the
				   *   last signalled one */
	uint32_t sent;            /**< packets posted */
	uint32_t hits;            /**< of them, to a resolved peer */
	uint64_t bytes;           /**< their bytes */
};

/**
 * What the common send of a burst tests against, read once per burst:
 * the packet's flags, that it is one plain segment of a size sent inline,
 * and (raw view) its destination by the queue's memo.
 */
struct ipoib_tx_fast {
	uint64_t flag_mask;       /**< ol_flags bits tested */
	uint64_t flag_want;       /**< their value in the common send */
	uint32_t len_span;        /**< data_len - 4 below it: inline */
	uint64_t now;             /**< TSC of the burst (peer use stamp) */
	struct ipoib_peer_memo_view memo; /**< raw view: the memo */
};

/** refcnt 1 and nb_segs 1, as one 32-bit load of both reads them. */
static inline uint32_t
ipoib_tx_rc_segs(const struct rte_mbuf *m)
{
	uint32_t v;

	memcpy(&v, &m->refcnt, sizeof(v));
	return v;
}

/** The value of ipoib_tx_rc_segs() for one segment, one reference. */
static inline uint32_t
ipoib_tx_rc_segs_plain(void)
{
	struct rte_mbuf m;

	m.refcnt = 1;
	m.nb_segs = 1;
	return ipoib_tx_rc_segs(&m);
}

_Static_assert(offsetof(struct rte_mbuf, nb_segs) ==
	       offsetof(struct rte_mbuf, refcnt) + sizeof(uint16_t),
	       "refcnt and nb_segs adjacent");
_Static_assert(IPOIB_TX_SIGNAL_EVERY <= IPOIB_BURST,
	       "a chunk of sends fits the inline mbufs' collection");

/**
 * Whether a packet whose ol_flags passed is the common send's: one
 * segment of one reference, of a length sent inline (the IPoIB header
 * at least).
 *
 * @param len  its data_len
 */
static __rte_always_inline bool
ipoib_tx_is_plain(const struct ipoib_tx_fast *f, const struct rte_mbuf *m,
		  uint32_t len)
{
	return ipoib_tx_rc_segs(m) == ipoib_tx_rc_segs_plain() &&
		len - RTE_IPOIB_HDR_LEN < f->len_span && m->pkt_len == len;
}

/** Read what the common send of a burst tests against. */
static __rte_always_inline void
ipoib_tx_fast_load(struct ipoib_txq *txq, bool by_key,
		   struct ipoib_tx_fast *f)
{
	const struct hca_qp *qp = txq->qp;
	uint32_t inl = RTE_MIN(qp->max_inline, (uint32_t)IPOIB_TX_INLINE_MAX);

	/* a UD message holds at most the IB MTU: IPoIB header + MTU */
	inl = RTE_MIN(inl, txq->priv->mtu + RTE_IPOIB_HDR_LEN);
	f->flag_mask = IPOIB_TX_OFFLOAD_FLAGS | RTE_MBUF_F_INDIRECT |
		RTE_MBUF_F_EXTERNAL;
	f->flag_want = 0;
	if (by_key) {
		/* the memo answers for tagged packets only (the others
		 * are looked up) */
		f->flag_mask |= ipoib_tag_flag;
		f->flag_want = ipoib_tag_flag;
		ipoib_peer_memo_view_load(&txq->memo, &f->memo);
	}
	f->len_span = inl >= RTE_IPOIB_HDR_LEN ?
		inl - RTE_IPOIB_HDR_LEN + 1 : 0;
	f->now = rte_get_tsc_cycles();
}

/**
 * Post one packet to a resolved peer, the general way (a shared packet,
 * a gather list, a WQE that wraps, a full ring). A shared packet
 * (another holder would see the header written) is sent from a copy in
 * its own pool; the original's reference is dropped once the copy is
 * posted.
 *
 * @param sum       the burst's sums (a posted packet adds to them)
 * @param may_share  false when the caller owns every packet alone (the
 *                   Ethernet view unshared them before its rewrite)
 * @return 1 when posted or dropped (consumed), 0 when the ring is full
 */
static int
ipoib_tx_post_wqe(struct ipoib_txq *txq, const struct ipoib_peer *p,
		  struct rte_mbuf *m, struct ipoib_tx_sum *sum, bool may_share)
{
	struct hca_qp *qp = txq->qp;
	struct hca_sge sge[IPOIB_TX_MAX_SEGS];
	uint32_t mask = qp->sq_wqe_cnt - 1;
	struct rte_mbuf *shared = NULL;
	uint32_t nsge = 0, blocks, head, len, pkt_len;
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
	/* read once: the header store below may alias them */
	len = m->data_len;
	pkt_len = m->pkt_len;
	inl = m->nb_segs == 1 && len <= qp->max_inline &&
		len <= IPOIB_TX_INLINE_MAX;
	blocks = hca_ud_wqe_blocks(inl ? 0 : m->nb_segs, inl ? len : 0);
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
	signal = ++sum->since_signal >= IPOIB_TX_SIGNAL_EVERY;
	sum->sent++;
	sum->bytes += pkt_len;
	if (inl) {
		head = hca_sq_post_ud_inline(qp, ipoib_tx_peer_av(p),
					     rte_pktmbuf_mtod(m, void *),
					     len, signal);
		rte_pktmbuf_free(m); /* the WQE holds the data */
	} else {
		head = hca_sq_post_ud_gather(qp, ipoib_tx_peer_av(p), sge,
					     nsge, signal);
		txq->elts[head & mask] = m;
		txq->gather_end = qp->sq_head;
	}
	if (signal) {
		txq->wqe_end[head & mask] = qp->sq_head;
		sum->since_signal = 0;
	}
	sum->last_head = head;
	return 1;
}

/**
 * The destination peer of a packet of the raw view, from the key in its
 * IPoIB header (and its tag, through the queue's memo); NULL when
 * refused (counted, not freed).
 */
static __rte_always_inline struct ipoib_peer *
ipoib_tx_dest(struct ipoib_txq *txq, struct rte_mbuf *m)
{
	enum ipoib_dest_error why;
	struct ipoib_peer *p;

	p = ipoib_peer_of_mbuf_memo(txq->priv->peers, &txq->memo, m,
				    rte_pmd_ipoib_get_key(m), &why);
	if (unlikely(p == NULL)) {
		if (why == IPOIB_DEST_NO_KEY)
			txq->st.malformed++;
		else if (why == IPOIB_DEST_AMBIGUOUS)
			txq->st.untagged++;
		else
			txq->st.stale_key++;
	}
	return p;
}

/**
 * Send one packet the common send did not take: offloads, checks,
 * the destination, a peer still resolving, the general WQE, a full ring
 * (reaped once, tried again). The queue's producer counter is current.
 *
 * @param p       the packet's destination (the Ethernet view found it;
 *                NULL: dropped), or NULL to find it from the header's key
 * @param by_key  find it from the header's key (the raw view)
 * @return 1 when consumed (sent, held or dropped), 0 when the ring is
 *         full (the packet is still the caller's)
 */
static __rte_noinline int
ipoib_tx_post_slow(struct ipoib_txq *txq, struct rte_mbuf *m,
		   struct ipoib_peer *p, bool by_key, struct ipoib_tx_sum *sum,
		   bool may_share)
{
	/* a UD message holds at most the IB MTU: IPoIB header + MTU */
	uint32_t max_len = txq->priv->mtu + RTE_IPOIB_HDR_LEN;

	if (unlikely(m->ol_flags & IPOIB_TX_OFFLOAD_FLAGS)) {
		/* checksums or LSO by the device: its own WQE */
		uint32_t pkt_len = m->pkt_len;
		int r;

		if (by_key)
			p = ipoib_tx_dest(txq, m);
		if (unlikely(p == NULL)) {
			rte_pktmbuf_free(m);
			return 1;
		}
		if (!by_key && !ipoib_peer_is_resolved(p))
			ipoib_mbuf_set_tag(m, ipoib_peer_tag(p));
		r = ipoib_tx_offload_post(txq, m, p, &sum->since_signal,
					  &sum->last_head);
		if (r < 0) {
			ipoib_tx_reap(txq);
			r = ipoib_tx_offload_post(txq, m, p,
						  &sum->since_signal,
						  &sum->last_head);
		}
		if (r < 0) {
			txq->st.ring_full++;
			return 0;
		}
		sum->sent += (uint32_t)r;
		sum->bytes += r > 0 ? pkt_len : 0;
		return 1;
	}
	if (unlikely((by_key && m->data_len < RTE_IPOIB_HDR_LEN) ||
		     m->nb_segs > IPOIB_TX_MAX_SEGS)) {
		txq->st.malformed++;
		rte_pktmbuf_free(m);
		return 1;
	}
	/* the device would fail the WQE and its QP with it */
	if (unlikely(m->pkt_len > max_len)) {
		txq->st.oversized++;
		rte_pktmbuf_free(m);
		return 1;
	}
	if (by_key)
		p = ipoib_tx_dest(txq, m);
	if (unlikely(p == NULL)) {
		rte_pktmbuf_free(m);
		return 1;
	}
	if (unlikely(!ipoib_peer_is_resolved(p))) {
		txq->st.peer_misses++;
		/* the control thread finds the peer by the tag (a peer
		 * removed meanwhile has none: dropped there) */
		if (!by_key)
			ipoib_mbuf_set_tag(m, ipoib_peer_tag(p));
		ipoib_tx_hold(txq, p, m);
		return 1;
	}
	sum->hits++;
	if (!ipoib_tx_post_wqe(txq, p, m, sum, may_share)) {
		ipoib_tx_reap(txq);
		if (!ipoib_tx_post_wqe(txq, p, m, sum, may_share)) {
			txq->st.ring_full++;
			return 0;
		}
	}
	ipoib_peer_touch(p, rte_get_tsc_cycles());
	return 1;
}

/**
 * The common sends of a burst so far, in the caller's locals: the
 * producer counter (cursor), the sums, the inline mbufs to give back.
 */
struct ipoib_tx_run {
	struct hca_sq_cursor c;   /**< the send queue */
	uint32_t sent;            /**< packets posted here (counted when
				   *   their mbufs go back) */
	uint32_t last_head;       /**< index of the last WQE built */
	uint64_t bytes;           /**< their bytes */
	unsigned int n_done;      /**< mbufs in done[] */
	const struct ipoib_peer *touched; /**< the last peer touched */
	struct rte_mempool *mp;   /**< their pool */
};

/**
 * The destination of a packet of the raw view that the burst's copy of
 * the memo does not answer for: the full lookup, which may make a new
 * memo (the copy is taken again). A packet refused is counted and freed.
 *
 * @return the peer, or NULL when the packet was dropped
 */
static __rte_noinline struct ipoib_peer *
ipoib_tx_find(struct ipoib_txq *txq, struct ipoib_tx_fast *f,
	      struct rte_mbuf *m)
{
	struct ipoib_peer *p = ipoib_tx_dest(txq, m);

	ipoib_peer_memo_view_load(&txq->memo, &f->memo);
	if (unlikely(p == NULL))
		rte_pktmbuf_free(m);
	return p;
}

/**
 * Post one packet: the per-packet post of both views (the one place a
 * packet becomes a WQE). The common send (no offload asked, one plain
 * segment of a size sent inline, a resolved peer, the WQE free and not
 * wrapping) is built here from the burst's locals; anything else goes
 * to ipoib_tx_post_slow(). The raw view's destination: the burst's copy
 * of the memo for a tagged packet, else ipoib_tx_find().
 *
 * @param f       the burst's tests (ipoib_tx_fast_load())
 * @param r       the burst's locals
 * @param done    the inline mbufs to give back (r->n_done of them)
 * @param p       the destination (the Ethernet view's), or NULL to find
 *                it from the packet's key
 * @param by_key  p is NULL: the raw view (a compile-time constant)
 * @param sum     the sums of the slow posts
 * @return 1 when consumed, 0 when the ring is full
 */
static __rte_always_inline int
ipoib_tx_post_one(struct ipoib_txq *txq, struct ipoib_tx_fast *f,
		  struct ipoib_tx_run *r, struct rte_mbuf **done,
		  struct rte_mbuf *m, struct ipoib_peer *p, bool by_key,
		  struct ipoib_tx_sum *sum, bool may_share)
{
	uint64_t fl = m->ol_flags & f->flag_mask;
	uint32_t len = m->data_len;
	uint32_t head = r->c.head;
	struct rte_ipoib_hdr *h;
	int ret;

	if (likely(fl == f->flag_want && ipoib_tx_is_plain(f, m, len))) {
		h = rte_pktmbuf_mtod(m, struct rte_ipoib_hdr *);
		if (by_key) {
			p = f->memo.peer;
			if (unlikely(!ipoib_peer_memo_view_hit(&f->memo, m,
							       h)))
				goto find; /* another destination */
		} else if (unlikely(p == NULL)) {
			goto slow;
		}
put:
		if (likely(ipoib_peer_is_resolved(p) &&
			   hca_sq_cursor_fits(&r->c,
					      hca_ud_inline_blocks(len)))) {
			h->key = 0; /* the wire carries zero (copied below) */
			r->last_head = hca_sq_cursor_put_ud_inline(&r->c,
				ipoib_tx_peer_av(p), h, len,
				hca_ud_inline_blocks(len));
			/* one plain segment: straight back to its pool */
			if (unlikely(m->pool != r->mp)) {
				ipoib_tx_done_put(r->mp, done, r->n_done);
				r->sent += r->n_done;
				r->n_done = 0;
				r->mp = m->pool;
			}
			done[r->n_done++] = m;
			r->bytes += len;
			if (p != r->touched) {
				/* the same stamp all burst: once per run */
				ipoib_peer_touch(p, f->now);
				r->touched = p;
			}
			return 1;
		}
		goto slow;
	}
	if (by_key && fl == 0 && ipoib_tx_is_plain(f, m, len)) {
		/* no tag: by the header's bare key */
		h = rte_pktmbuf_mtod(m, struct rte_ipoib_hdr *);
find:
		p = ipoib_tx_find(txq, f, m);
		if (p == NULL)
			return 1; /* dropped, counted */
		goto put;
	}
slow:
	hca_sq_cursor_store(txq->qp, &r->c);
	ret = ipoib_tx_post_slow(txq, m, by_key ? NULL : p, by_key, sum,
				 may_share);
	/* it may have reaped (the tail moved) and found a new memo */
	hca_sq_cursor_load(txq->qp, txq->sq_tail, &r->c);
	if (r->c.head != head)
		r->last_head = sum->last_head;
	if (by_key)
		ipoib_peer_memo_view_load(&txq->memo, &f->memo);
	return ret;
}

/**
 * Send packets whose IPoIB header names a destination key, or whose
 * destinations the caller found already, in chunks of
 * IPOIB_TX_SIGNAL_EVERY: the last WQE of each chunk asks for a
 * completion, the chunk's inline mbufs go back to their pool together.
 * One doorbell for the burst.
 *
 * @param peers      the destination of each packet (the Ethernet view
 *                   found them; their tags are on the packets too), or
 *                   NULL to find them from the headers' keys
 * @param by_key     peers is NULL (a compile-time constant: each view
 *                   gets its own loop)
 * @param may_share  whether a packet may be shared (see
 *                   ipoib_tx_post_wqe())
 * @return how many were consumed (sent, held or dropped)
 */
static __rte_always_inline uint16_t
ipoib_tx_post(struct ipoib_txq *txq, struct rte_mbuf **pkts,
	      struct ipoib_peer **peers, bool by_key, uint16_t n,
	      bool may_share)
{
	struct hca_qp *qp = txq->qp;
	struct ipoib_tx_sum sum = { 0, 0, 0, 0, 0 };
	struct rte_mbuf *done[IPOIB_TX_SIGNAL_EVERY];
	struct ipoib_tx_fast f;
	struct ipoib_tx_run r;
	unsigned int i = 0, end;

	if (n == 0)
		return 0;
	ipoib_tx_fast_load(txq, by_key, &f);
	hca_sq_cursor_load(qp, txq->sq_tail, &r.c);
	r.sent = 0;
	r.last_head = 0;
	r.bytes = 0;
	r.n_done = 0;
	r.touched = NULL;
	r.mp = pkts[0]->pool;
	do {
		uint32_t start = r.c.head;

		end = i + RTE_MIN((unsigned int)n - i,
				  (unsigned int)IPOIB_TX_SIGNAL_EVERY);
		sum.since_signal = 0;
		for (; i < end; i++) {
			if (!ipoib_tx_post_one(txq, &f, &r, done, pkts[i],
					       by_key ? NULL : peers[i],
					       by_key, &sum, may_share))
				break;
		}
		if (r.c.head != start) {
			/* the chunk's last WQE: a completion frees up to
			 * the counter after it */
			hca_sq_cursor_store(qp, &r.c);
			hca_sq_signal(qp, r.last_head);
			txq->wqe_end[r.last_head & r.c.mask] = r.c.head;
		}
		ipoib_tx_done_put(r.mp, done, r.n_done);
		r.sent += r.n_done;
		r.n_done = 0;
	} while (i == end && i < n);
	hca_sq_cursor_store(qp, &r.c);
	txq->st.peer_hits += sum.hits + r.sent;
	if (sum.sent + r.sent != 0) {
		hca_sq_doorbell(qp, r.last_head);
		txq->st.packets += sum.sent + r.sent;
		txq->st.bytes += sum.bytes + r.bytes;
	}
	txq->since_signal = 0;
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
	sent = ipoib_tx_post(txq, m, NULL, true, (uint16_t)n, true);
	for (; sent < n; sent++) {
		txq->st.ring_full++;
		rte_pktmbuf_free(m[sent]);
	}
}

/**
 * Transmit a burst: completions reaped, the packets the control thread
 * resolved sent first, then the burst.
 *
 * @param peers      the packets' destinations, or NULL (see
 *                   ipoib_tx_post())
 * @param by_key     peers is NULL (a compile-time constant)
 * @param may_share  whether a packet of the burst may be shared
 */
static __rte_always_inline uint16_t
ipoib_tx_burst_of(struct ipoib_txq *txq, struct rte_mbuf **pkts,
		  struct ipoib_peer **peers, bool by_key, uint16_t n,
		  bool may_share)
{
	struct ipoib_priv *priv = txq->priv;
	uint16_t done;

	ipoib_tx_reap(txq);
	if (unlikely(txq->qp_error))
		return 0; /* the QP is being reset: nothing taken */
	if (txq->ready != NULL && !rte_ring_empty(txq->ready))
		ipoib_tx_send_ready(txq);
	done = ipoib_tx_post(txq, pkts, peers, by_key, n, may_share);
	ipoib_peer_reader_quiescent(priv->peers,
				    IPOIB_RCU_TX_BASE + txq->idx);
	return done;
}

/** Transmit a burst of packets (rte_eth_tx_burst). */
uint16_t
ipoib_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	return ipoib_tx_burst_of(q, pkts, NULL, true, n, true);
}

/**
 * Transmit a burst of packets that the caller owns alone (none shared,
 * no clone) to destinations it found: the Ethernet view's, after its
 * rewrite (their keys and tags are in them too, for the packets held
 * while a peer resolves). The peers must have been found since the
 * queue's last quiescent report (in the same burst).
 *
 * @param peers  the destination of each packet, resolved or not
 */
uint16_t
ipoib_tx_burst_owned(struct ipoib_txq *txq, struct rte_mbuf **pkts,
		     struct ipoib_peer **peers, uint16_t n)
{
	return ipoib_tx_burst_of(txq, pkts, peers, false, n, false);
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
