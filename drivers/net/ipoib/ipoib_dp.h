/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_DP_H
#define IPOIB_DP_H

/**
 * @file
 * What the data path of net_ipoib needs inline, and its entry points:
 * the peer tag of a packet, the destination peer of a packet to send,
 * the pause marks of a burst (the device recovery waits for them), and
 * the burst functions of both views. The control plane calls into the
 * data path only through these (queue fill and drain, the bursts the
 * ethdev installs).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_ring.h>

#include "ipoib.h"
#include "rte_pmd_ipoib.h"

/**
 * Whether the PMD must not write into a packet: another holder shares
 * its first segment (reference count above 1), its data is another
 * mbuf's (indirect, a clone), or an external buffer others hold too.
 * One reference count read and one flag test per packet.
 *
 * @param m  the packet's first segment
 * @return true when the packet is shared
 */
static inline bool
ipoib_mbuf_is_shared(const struct rte_mbuf *m)
{
	if (rte_mbuf_refcnt_read(m) > 1)
		return true;
	if (likely(!(m->ol_flags &
		     (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL))))
		return false;
	return RTE_MBUF_CLONED(m) ||
		rte_mbuf_ext_refcnt_read(m->shinfo) > 1;
}

/**
 * Note from the data path that queue idx's QP reported an error
 * completion: it is in the error state and the control thread resets it
 * (ipoib_qp_reset.c). Called only on the error path.
 *
 * @param priv  the port
 * @param idx   the queue (its receive and send sides share the QP)
 */
static inline void
ipoib_qp_error_seen(struct ipoib_priv *priv, uint16_t idx)
{
	__atomic_fetch_or(&priv->qp_failed, UINT32_C(1) << idx,
			  __ATOMIC_RELEASE);
}

/** Offset of the peer tag dynamic field (ipoib_rx.c), -1 before. */
extern int ipoib_tag_offset;
/** The dynamic flag that says the field holds a tag. */
extern uint64_t ipoib_tag_flag;

/** The tag of a packet, 0 when it has none. */
static inline uint64_t
ipoib_mbuf_tag(const struct rte_mbuf *m)
{
	if (!(m->ol_flags & ipoib_tag_flag) || ipoib_tag_flag == 0)
		return 0;
	return *RTE_MBUF_DYNFIELD(m, ipoib_tag_offset, const uint64_t *);
}

/** Dynamic flag of packets received for a group (0: not registered). */
extern uint64_t ipoib_rx_mcast_flag;

/**
 * Whether a received packet was sent to a multicast group (the inline
 * form of rte_pmd_ipoib_rx_is_multicast(), for the data path).
 *
 * @param m  a packet received by a port of this driver
 * @return true when its destination was a group
 */
static inline bool
ipoib_mbuf_is_multicast(const struct rte_mbuf *m)
{
	return ipoib_rx_mcast_flag != 0 &&
		(m->ol_flags & ipoib_rx_mcast_flag) != 0;
}

/** Give a packet a peer tag (its key must be in the header too). */
static inline void
ipoib_mbuf_set_tag(struct rte_mbuf *m, uint64_t tag)
{
	*RTE_MBUF_DYNFIELD(m, ipoib_tag_offset, uint64_t *) = tag;
	m->ol_flags |= ipoib_tag_flag;
}

/** Why a packet's destination was refused. */
enum ipoib_dest_error {
	IPOIB_DEST_OK = 0,
	IPOIB_DEST_NO_KEY,        /**< key 0 */
	IPOIB_DEST_STALE,         /**< tag or key of a peer gone */
	IPOIB_DEST_AMBIGUOUS,     /**< bare key whose value was reused */
};

/**
 * The destination peer of a packet to send (reader, lock free): by its
 * tag when it carries one for the header's key, else by the bare key
 * when that cannot mean another peer.
 *
 * @param key  the header's key (host order)
 * @param err  set to why the result is NULL
 */
static inline struct ipoib_peer *
ipoib_peer_of_mbuf(const struct ipoib_peer_cache *pc,
		   const struct rte_mbuf *m, uint16_t key,
		   enum ipoib_dest_error *err)
{
	uint64_t tag = ipoib_mbuf_tag(m);
	struct ipoib_peer *p;
	bool ambiguous;

	*err = IPOIB_DEST_OK;
	if (unlikely(key == 0)) {
		*err = IPOIB_DEST_NO_KEY;
		return NULL;
	}
	if (tag != 0 && ipoib_tag_key(tag) == key &&
	    !ipoib_peer_tag_is_foreign(pc, tag)) {
		p = ipoib_peer_get_tagged(pc, tag);
		if (unlikely(p == NULL))
			*err = IPOIB_DEST_STALE;
		return p;
	}
	p = ipoib_peer_get_untagged(pc, key, &ambiguous);
	if (unlikely(p == NULL))
		*err = ambiguous ? IPOIB_DEST_AMBIGUOUS : IPOIB_DEST_STALE;
	return p;
}

/**
 * ipoib_peer_of_mbuf() with a memo of the last answer found by tag: a
 * packet with the memo's tag and that tag's key in its header gets the
 * memo's peer at the cost of four compares while the memo holds (see
 * struct ipoib_peer_memo); the same answer the full lookup gives. Any
 * other packet is looked up, and its answer becomes the memo when it
 * carries a tag for its header's key.
 *
 * @param memo  the caller's memo (zero: none yet)
 * @param key   the header's key (host order)
 * @param err   set to why the result is NULL
 */
static __rte_always_inline struct ipoib_peer *
ipoib_peer_of_mbuf_memo(const struct ipoib_peer_cache *pc,
			struct ipoib_peer_memo *memo,
			const struct rte_mbuf *m, uint16_t key,
			enum ipoib_dest_error *err)
{
	uint64_t tag = ipoib_mbuf_tag(m);
	uint32_t seq = __atomic_load_n(&ipoib_peer_live_seq, __ATOMIC_ACQUIRE);
	struct ipoib_peer *p;

	if (likely(tag == memo->tag && tag != 0 &&
		   ipoib_tag_key(tag) == key && memo->live_seq == seq &&
		   ipoib_peer_tag(memo->peer) == memo->peer_tag)) {
		*err = IPOIB_DEST_OK;
		return memo->peer;
	}
	p = ipoib_peer_of_mbuf(pc, m, key, err);
	if (p == NULL || tag == 0 || ipoib_tag_key(tag) != key)
		return p;
	/* the occupant found (no other before the next quiescent report),
	 * or 0 when it was removed meanwhile: no memo then */
	memo->peer_tag = ipoib_peer_tag(p);
	memo->tag = memo->peer_tag != 0 ? tag : 0;
	memo->peer = p;
	memo->live_seq = seq;
	return p;
}

/**
 * A transmit burst's copy of its queue's memo (ipoib_peer_of_mbuf_memo()),
 * checked once: a packet goes to peer when it carries the tag flag, its
 * tag field holds tag and its header's key field holds key_be. The
 * occupant cannot change before the queue's next quiescent report (the
 * end of the burst); a peer removed meanwhile is no longer resolved,
 * which the sender tests per packet.
 */
struct ipoib_peer_memo_view {
	uint64_t tag;             /**< the packets' tag */
	struct ipoib_peer *peer;
	/** the key in network order; 0x10000 (no key equals it): no memo */
	uint32_t key_be;
	int32_t tag_off;          /**< offset of the tag field (0: none) */
};

/**
 * Take a burst's copy of a memo (again after each full lookup, which may
 * have replaced the memo).
 *
 * @param memo  the queue's memo
 * @param v     the burst's copy
 */
static __rte_always_inline void
ipoib_peer_memo_view_load(const struct ipoib_peer_memo *memo,
			  struct ipoib_peer_memo_view *v)
{
	uint32_t seq = __atomic_load_n(&ipoib_peer_live_seq, __ATOMIC_ACQUIRE);

	v->tag = memo->tag;
	v->peer = memo->peer;
	v->tag_off = ipoib_tag_flag != 0 ? ipoib_tag_offset : 0;
	v->key_be = UINT32_C(0x10000);
	if (memo->tag != 0 && ipoib_tag_flag != 0 && memo->live_seq == seq &&
	    ipoib_peer_tag(memo->peer) == memo->peer_tag)
		v->key_be = rte_cpu_to_be_16(ipoib_tag_key(memo->tag));
}

/**
 * Whether the memo answers for a packet that carries the tag flag (the
 * caller tested ol_flags): then its peer is the answer
 * ipoib_peer_of_mbuf_memo() gives.
 *
 * @param v  the burst's copy of the memo
 * @param m  the packet
 * @param h  its IPoIB header
 */
static __rte_always_inline bool
ipoib_peer_memo_view_hit(const struct ipoib_peer_memo_view *v,
			 const struct rte_mbuf *m,
			 const struct rte_ipoib_hdr *h)
{
	return *RTE_MBUF_DYNFIELD(m, v->tag_off, const uint64_t *) ==
		v->tag && h->key == v->key_be;
}

/**
 * Hold a packet for a peer whose path is not known yet: the control
 * thread resolves it. At most IPOIB_MAX_HELD packets per peer (both the
 * plain and the offloaded send hold this way).
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

/*
 * The burst functions the ethdev installs. Each marks its queue busy
 * (dp_seq odd) while it runs; while the port rebuilds its device objects
 * they return 0 at once without touching a queue (nothing received, no
 * packet taken). A queue that is never polled (an application that only
 * receives) is never busy, so it never holds the rebuild up.
 */

/**
 * Enter a burst: mark the queue busy unless the data path is paused.
 *
 * @param seq   the queue's dp_seq (one lcore per queue writes it)
 * @param priv  the port
 * @return true when the burst may run (then ipoib_dp_leave())
 */
static inline bool
ipoib_dp_enter(uint32_t *seq, const struct ipoib_priv *priv)
{
	uint32_t v = *seq;

	__atomic_store_n(seq, v + 1, __ATOMIC_RELAXED);
	/* the busy mark is seen before the pause flag is read */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (likely(!__atomic_load_n(&priv->dp_paused, __ATOMIC_RELAXED)))
		return true;
	__atomic_store_n(seq, v + 2, __ATOMIC_RELEASE);
	return false;
}

/** Leave a burst: the queue is not busy any more. */
static inline void
ipoib_dp_leave(uint32_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

/* ipoib_rx.c, ipoib_tx.c: the raw view's bursts (ethdev installs the pausable
 * ones) and its queues' buffers */
uint16_t ipoib_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t ipoib_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n);
uint16_t ipoib_tx_burst_owned(struct ipoib_txq *txq, struct rte_mbuf **pkts,
			      struct ipoib_peer **peers, uint16_t n);
uint16_t ipoib_rx_burst_pausable(void *q, struct rte_mbuf **pkts, uint16_t n);
uint16_t ipoib_tx_burst_pausable(void *q, struct rte_mbuf **pkts, uint16_t n);
uint32_t ipoib_rx_queue_count(void *q);
void ipoib_rx_idle(struct ipoib_rxq *rxq);
void ipoib_txq_drain(struct ipoib_txq *txq);
int ipoib_rx_dynflag_register(void);

/* ipoib_eth_rxtx.c: the Ethernet view's bursts */
uint16_t ipoib_eth_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n);
uint16_t ipoib_eth_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n);
uint16_t ipoib_eth_rx_burst_pausable(void *q, struct rte_mbuf **pkts,
				     uint16_t n);
uint16_t ipoib_eth_tx_burst_pausable(void *q, struct rte_mbuf **pkts,
				     uint16_t n);

#endif /* IPOIB_DP_H */
