/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The data path of net_ipoib, receive: bursts, buffers posted and
 * drained, the dynamic fields of received packets. No locks, no system
 * calls, no allocation other than mbufs from the queue's pool.
 *
 * Mbufs are posted so that the 40-byte GRH area lands in the headroom
 * and the IPoIB header at the data offset; completions turn into mbufs in
 * place. The reserved field of the IPoIB header gets the key of the
 * source (0 while the source is being learned).
 */

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_vect.h>

#include "ipoib.h"
#include "ipoib_rx_refill.h"
#include "ipoib_dp.h"
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
 * Write the fields of a received mbuf that the application reads, in
 * four stores: rearm data (data offset, reference count 1, one segment,
 * port) and offload flags; packet type 0, lengths, VLAN 0 and the RSS
 * hash. Nothing else was reset when the mbuf left its pool.
 */
static inline void
ipoib_rx_mbuf_init(struct rte_mbuf *m, uint64_t rearm, uint64_t ol_flags,
		   uint32_t len, uint32_t hash)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	uint64_t d0 = (uint64_t)len << 32;      /* packet_type 0, pkt_len */
	uint64_t d1 = len | (uint64_t)hash << 32; /* data_len, vlan_tci 0 */
	uint8_t *b = (uint8_t *)m;

	memcpy(b + offsetof(struct rte_mbuf, rearm_data), &rearm, 8);
	m->ol_flags = ol_flags;
	memcpy(b + offsetof(struct rte_mbuf, rx_descriptor_fields1), &d0, 8);
	memcpy(b + offsetof(struct rte_mbuf, rx_descriptor_fields1) + 8,
	       &d1, 8);
#else
	memcpy((uint8_t *)m + offsetof(struct rte_mbuf, rearm_data), &rearm,
	       8);
	m->ol_flags = ol_flags;
	m->packet_type = 0;
	m->pkt_len = len;
	m->data_len = (uint16_t)len;
	m->vlan_tci = 0;
	m->hash.rss = hash;
#endif
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

/** The source address of a received packet (GID zero without a GRH). */
static inline void
ipoib_rx_source(const struct rte_mbuf *m, const struct hca_rx_cqe *rc,
		struct ipoib_hwaddr *src)
{
	src->flags = 0;
	src->qpn[0] = (rc->src_qpn >> 16) & 0xff;
	src->qpn[1] = (rc->src_qpn >> 8) & 0xff;
	src->qpn[2] = rc->src_qpn & 0xff;
	if (!rc->grh) {
		memset(&src->gid, 0, sizeof(src->gid));
		return;
	}
	memcpy(src->gid.raw, rte_pktmbuf_mtod_offset(m,
	       const struct ipoib_grh *, -HCA_GRH_LEN)->sgid, HCA_GID_LEN);
}

/**
 * Whether the source moved to another LID (a packet with a GRH from a
 * resolved unicast peer whose path names another LID): the control
 * thread follows.
 */
static inline bool
ipoib_rx_lid_moved(const struct ipoib_peer *p, const struct hca_rx_cqe *rc)
{
	return rc->grh && ipoib_peer_dlid(p) != rc->slid &&
		ipoib_peer_is_resolved(p) &&
		!(p->flags & IPOIB_PEER_F_MCAST);
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
	ipoib_peer_touch(p, now);
	if (unlikely(ipoib_rx_lid_moved(p, rc)))
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
 * Put the source keys and tags into the received packets the last-source
 * memo did not serve: one bulk lookup by address for those with a GRH,
 * the (SLID, QPN) index for those without; unknown sources go to the
 * control thread. The last source found by address becomes the memo.
 *
 * @param which  index in pkts of each packet
 * @param rcs    its completion
 * @param n      how many
 */
static __rte_noinline void
ipoib_rx_lookup(struct ipoib_rxq *rxq, struct rte_mbuf **pkts,
		const uint16_t *which, const struct hca_rx_cqe *rcs,
		unsigned int n)
{
	struct ipoib_priv *priv = rxq->priv;
	const struct ipoib_hwaddr *ap[IPOIB_BURST];
	struct ipoib_hwaddr addrs[IPOIB_BURST];
	uint16_t keys[IPOIB_BURST], gi[IPOIB_BURST];
	uint64_t now = rte_get_tsc_cycles();
	unsigned int i, ng = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[which[i]];

		ipoib_rx_source(m, &rcs[i], &addrs[i]);
		if (rcs[i].grh) {
			gi[ng] = (uint16_t)i;
			ap[ng++] = &addrs[i];
		} else {
			ipoib_rx_set_source(rxq, m,
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

/** The last-source memo of a burst, in the form a CQE and a GRH compare with. */
struct ipoib_rx_memo {
	/**
	 * Flags 0 and the QPN, big endian as flags_rqpn holds them; one
	 * that no CQE's masked QPN equals (top byte set) when the fast
	 * path is off for the burst.
	 */
	rte_be32_t qpn_be;
	rte_be16_t slid_be;       /**< the peer's DLID, as the CQE holds it */
	uint16_t slid_mask;       /**< 0xffff: the SLID must be it; 0: any */
	rte_be16_t key_be;        /**< the key, as the header holds it */
	/**
	 * CQE bytes 20-27 (reserved, slid, flags_rqpn) as one load: what
	 * the fast path's must be once masked
	 */
	uint64_t cqe_key, cqe_mask;
	uint64_t gid[2];          /**< the GID, as the address holds it */
	struct ipoib_peer *p;     /**< the tag's peer, NULL: no memo */
	uint64_t tag;             /**< 0: no memo (or found stale) */
	unsigned int hits;
};

/** A memo QPN no CQE's masked source QPN equals: the fast path off. */
#define IPOIB_RX_MEMO_OFF RTE_BE32(0xff000000)

/** The image of CQE bytes 20-27 (reserved, slid, flags_rqpn). */
struct ipoib_rx_cqe_word {
	uint8_t rsvd[2];
	rte_be16_t slid;
	rte_be32_t flags_rqpn;
};

_Static_assert(offsetof(struct mlx5_cqe64, slid) == 22 &&
	       offsetof(struct mlx5_cqe64, flags_rqpn) == 24,
	       "slid and flags_rqpn lie at CQE bytes 22-27");

/** Offset of struct ipoib_rx_cqe_word in a CQE. */
#define IPOIB_RX_CQE_WORD_OFF 20

/** Set the memo's CQE word key and masks from its QPN and SLID. */
static inline void
ipoib_rx_memo_cqe_words(struct ipoib_rx_memo *mm)
{
	struct ipoib_rx_cqe_word k = {
		.slid = mm->slid_be & mm->slid_mask,
		.flags_rqpn = mm->qpn_be,
	};
	struct ipoib_rx_cqe_word m = {
		.slid = mm->slid_mask,
		.flags_rqpn = RTE_BE32(0xffffff),
	};

	memcpy(&mm->cqe_key, &k, 8);
	memcpy(&mm->cqe_mask, &m, 8);
}

/**
 * Load the queue's memo for a burst: its peer checked once (a stale
 * tag clears the memo), and what a CQE of that source must hold for the
 * fast path: its QPN, and the peer's DLID when the peer is a resolved
 * unicast one (another SLID is a source that moved: the general path
 * reports it). Off when there is no memo, and when the memo's QPN is
 * the port's own (the general path tells a loopback apart) or the
 * groups' (malformed as a source).
 */
static inline void
ipoib_rx_memo_load(struct ipoib_rxq *rxq, struct ipoib_rx_memo *mm)
{
	const uint8_t *a = (const uint8_t *)&rxq->last_src;

	memcpy(&mm->qpn_be, a, 4);
	memcpy(mm->gid, a + 4, 16);
	mm->tag = rxq->last_tag;
	mm->p = NULL;
	mm->hits = 0;
	mm->slid_be = 0;
	mm->slid_mask = 0;
	mm->key_be = 0;
	if (mm->tag != 0) {
		mm->p = ipoib_peer_get_tagged(rxq->priv->peers, mm->tag);
		if (unlikely(mm->p == NULL)) {
			rxq->last_tag = 0;
			mm->tag = 0;
		}
	}
	if (mm->p == NULL ||
	    mm->qpn_be == rte_cpu_to_be_32(rxq->priv->qpn) ||
	    mm->qpn_be == RTE_BE32(IPOIB_MCAST_QPN)) {
		mm->qpn_be = IPOIB_RX_MEMO_OFF;
		ipoib_rx_memo_cqe_words(mm);
		return;
	}
	mm->key_be = rte_cpu_to_be_16(ipoib_tag_key(mm->tag));
	if (ipoib_peer_is_resolved(mm->p) &&
	    !(mm->p->flags & IPOIB_PEER_F_MCAST)) {
		mm->slid_be = mm->p->av.rlid;
		mm->slid_mask = 0xffff;
	}
	ipoib_rx_memo_cqe_words(mm);
}

/**
 * The memo's peer when a packet with a GRH comes from the memo's source
 * (its QPN and SGID compared where they lie, in the CQE and the GRH),
 * NULL to look the source up (also while the memo is off: a memo of the
 * port's own QPN is looked up each time).
 */
static inline struct ipoib_peer *
ipoib_rx_memo_match(const struct ipoib_rx_memo *mm,
		    const struct ipoib_grh *grh, rte_be32_t flags_rqpn)
{
	uint64_t g0, g1;

	memcpy(&g0, grh->sgid, 8);
	memcpy(&g1, grh->sgid + 8, 8);
	/* IPOIB_RX_MEMO_OFF (also without a peer) matches no QPN */
	if (((g0 ^ mm->gid[0]) | (g1 ^ mm->gid[1])) != 0 ||
	    (flags_rqpn & RTE_BE32(0xffffff)) != mm->qpn_be)
		return NULL;
	return mm->p;
}

/** What the fast path of a burst reads, in one place (per burst). */
struct ipoib_rx_fast {
	struct mlx5_cqe64 *cqes;
	struct rte_mbuf **elts;
	uint32_t cqe_cnt;
	uint32_t rq_mask;
	uint32_t room;
	int tag_offset;
	uint64_t rearm;
	uint64_t ol;              /**< ol_flags of a tagged packet */
};

/** Byte of a CQE that holds flags_rqpn's GRH bits (28-29, big endian). */
#define IPOIB_RX_CQE_GRH_BYTE 24
/** Those bits in that byte. */
#define IPOIB_RX_CQE_GRH_BITS 0x30

/**
 * The memo's source as the fast path compares it: the CQE word's mask
 * and key (QPN, SLID when checked), the GID. In SSE2 registers on x86.
 */
struct ipoib_rx_src {
#if defined(RTE_ARCH_X86) && defined(__SSE2__)
	__m128i kmask, key, gid;
#else
	uint64_t kmask, key, g0, g1;
#endif
};

/** Load the memo's source for the compares. */
static __rte_always_inline void
ipoib_rx_src_load(struct ipoib_rx_src *src, const struct ipoib_rx_memo *mm)
{
#if defined(RTE_ARCH_X86) && defined(__SSE2__)
	src->kmask = _mm_cvtsi64_si128((long long)mm->cqe_mask);
	src->key = _mm_cvtsi64_si128((long long)mm->cqe_key);
	src->gid = _mm_loadu_si128((const __m128i *)mm->gid);
#else
	src->kmask = mm->cqe_mask;
	src->key = mm->cqe_key;
	src->g0 = mm->gid[0];
	src->g1 = mm->gid[1];
#endif
}

/**
 * Whether a completion's source is the memo's: its QPN and, when
 * checked, its SLID (the CQE word, masked) and its SGID (the GRH), as
 * they lie. With SSE2 two byte compares and one branch; without, the
 * same in 64-bit words.
 */
static __rte_always_inline bool
ipoib_rx_src_is_memo(const struct ipoib_rx_src *src,
		     const struct mlx5_cqe64 *cqe, const struct ipoib_grh *grh)
{
	const uint8_t *w = (const uint8_t *)cqe + IPOIB_RX_CQE_WORD_OFF;
#if defined(RTE_ARCH_X86) && defined(__SSE2__)
	__m128i c = _mm_and_si128(_mm_loadl_epi64((const __m128i *)w),
				  src->kmask);
	__m128i g = _mm_loadu_si128((const __m128i *)grh->sgid);

	/* the upper halves of the CQE word's registers are zeros */
	return _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(c, src->key),
					       _mm_cmpeq_epi8(g, src->gid))) ==
		0xffff;
#else
	uint64_t v, s0, s1;

	memcpy(&v, w, 8);
	memcpy(&s0, grh->sgid, 8);
	memcpy(&s1, grh->sgid + 8, 8);
	return (((v & src->kmask) ^ src->key) | (s0 ^ src->g0) |
		(s1 ^ src->g1)) == 0;
#endif
}

/**
 * Take the consecutive completions that are plain unicast receives
 * from the burst's memo source (the common case), up to n, and stop at
 * the first other one: per CQE the owner byte, the GRH bits and the
 * length tested in place, the QPN and SLID (CQE) and the SGID (GRH)
 * compared with the memo's as they lie (big endian, no decode), the
 * DGID's first byte; then the mbuf's fields in four stores, the key and
 * the tag. A function of its own so that its loop keeps what it reads
 * in registers.
 *
 * @param f      the burst's constants
 * @param mm     the burst's memo (on: cqe_key holds its QPN)
 * @param pkts   where the packets go
 * @param n      how many at most
 * @param ci     the consumer index, advanced past those taken
 * @param bytes  their bytes, added
 * @return how many were taken
 */
static __rte_noinline unsigned int
ipoib_rx_fast_run(const struct ipoib_rx_fast *f, const struct ipoib_rx_memo *mm,
		  struct rte_mbuf **pkts, unsigned int n, uint32_t *ci,
		  uint64_t *bytes)
{
	struct mlx5_cqe64 *const cqes = f->cqes;
	struct rte_mbuf **const elts = f->elts;
	const uint32_t cnt = f->cqe_cnt, rq_mask = f->rq_mask;
	const uint32_t room4 = f->room - RTE_IPOIB_HDR_LEN;
	const uint64_t tag = mm->tag;
	const uint64_t rearm = f->rearm, ol_tag = f->ol;
	const rte_be16_t key_be = mm->key_be;
	const int tag_offset = f->tag_offset;
	struct ipoib_rx_src src;
	uint32_t at = *ci & (cnt - 1);
	uint8_t own = (MLX5_CQE_RESP_SEND << 4) | !!(*ci & cnt);
	uint64_t nbytes = 0;
	unsigned int i = 0;

	ipoib_rx_src_load(&src, mm);
	while (i < n) {
		unsigned int stop = RTE_MIN(n, i + (cnt - at));
		struct mlx5_cqe64 *cqe = &cqes[at];

		for (; i < stop; i++, cqe++) {
			uint8_t op_own = __atomic_load_n(&cqe->op_own,
							 __ATOMIC_ACQUIRE);
			const struct ipoib_grh *grh;
			struct rte_mbuf *m;
			uint32_t len, hash, idx;
			uint8_t *data;

			if ((op_own & 0xfd) != own)
				goto out;
			hca_dp_rmb();
			len = rte_be_to_cpu_32(cqe->byte_cnt) - HCA_GRH_LEN;
			if (!(((const uint8_t *)cqe)[IPOIB_RX_CQE_GRH_BYTE] &
			      IPOIB_RX_CQE_GRH_BITS) ||
			    len - RTE_IPOIB_HDR_LEN > room4)
				goto out;
			idx = rte_be_to_cpu_16(cqe->wqe_counter) & rq_mask;
			m = elts[idx];
			if (unlikely(m == NULL))
				goto out;
			data = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
			grh = (const void *)(data - HCA_GRH_LEN);
			if (!ipoib_rx_src_is_memo(&src, cqe, grh) ||
			    grh->dgid[0] == 0xff)
				goto out;
			hash = hca_cqe_rx_hash(cqe);
			*RTE_MBUF_DYNFIELD(m, tag_offset, uint64_t *) = tag;
			ipoib_rx_mbuf_init(m, rearm, ol_tag |
					   (hash != 0 ?
					    RTE_MBUF_F_RX_RSS_HASH : 0),
					   len, hash);
			((struct rte_ipoib_hdr *)data)->key = key_be;
			elts[idx] = NULL;
			nbytes += len;
			pkts[i] = m;
		}
		at = 0;
		own ^= 1;
	}
out:
	*ci += i;
	*bytes += nbytes;
	return i;
}

/**
 * Receive a burst of packets (rte_eth_rx_burst), once the next CQE was
 * seen to be the software's. One pass over the completions. The fast
 * path (ipoib_rx_fast_run()) takes the plain unicast receives from the
 * queue's last source (the common case) without decoding their CQEs;
 * the first other completion goes the general way (decoded, every
 * check, counted), then the fast path again. Sources other than the
 * memo's are looked up after the pass, together.
 */
static __rte_noinline uint16_t
ipoib_rx_completions(struct ipoib_rxq *rxq, struct rte_mbuf **pkts,
		     uint16_t n)
{
	const struct ipoib_priv *priv = rxq->priv;
	struct hca_qp *qp = rxq->qp;
	struct hca_cq *cq = rxq->cq;
	/* in locals: the stores into mbufs could alias them */
	struct mlx5_cqe64 *cqes = cq->cqes;
	struct rte_mbuf **elts = rxq->elts;
	const uint32_t cqe_cnt = cq->cqe_cnt, mask = qp->rq_wqe_cnt - 1;
	const uint32_t own_qpn = priv->qpn;
	const uint16_t own_lid = priv->lid;
	const uint64_t tag_flag = ipoib_tag_flag;
	const uint64_t mcast_flag = ipoib_rx_mcast_flag;
	const int tag_offset = ipoib_tag_offset;
	uint32_t ci = cq->cons_index, ci0 = ci;
	uint64_t rearm = rxq->mbuf_rearm, ol_base = rxq->ol_base;
	uint32_t room = rxq->buf_room;
	struct hca_rx_cqe rcs[IPOIB_BURST];
	uint16_t which[IPOIB_BURST];
	struct ipoib_rx_memo mm;
	struct ipoib_rx_fast fast;
	unsigned int nb = 0, nslow = 0;
	uint64_t bytes = 0;

	if (n > IPOIB_BURST)
		n = IPOIB_BURST;
	ipoib_rx_memo_load(rxq, &mm);
	fast.cqes = cqes;
	fast.elts = elts;
	fast.cqe_cnt = cqe_cnt;
	fast.rq_mask = mask;
	fast.room = room;
	fast.tag_offset = tag_offset;
	fast.rearm = rearm;
	fast.ol = ol_base | tag_flag;
	while (nb < n) {
		struct mlx5_cqe64 *cqe;
		uint8_t op_own;
		struct ipoib_peer *p;
		uint8_t *data;
		struct hca_rx_cqe rc;
		struct rte_mbuf *m;
		uint64_t ol;
		uint32_t idx, len;

		if (mm.qpn_be != IPOIB_RX_MEMO_OFF) {
			unsigned int got = ipoib_rx_fast_run(&fast, &mm,
							     pkts + nb, n - nb,
							     &ci, &bytes);

			nb += got;
			mm.hits += got;
			if (nb == n)
				break;
		}
		cqe = &cqes[ci & (cqe_cnt - 1)];
		op_own = __atomic_load_n(&cqe->op_own, __ATOMIC_ACQUIRE);
		if (unlikely(!hca_cqe_is_rx_ok(op_own, ci, cqe_cnt))) {
			if (!hca_cqe_is_sw_owned(op_own, ci, cqe_cnt))
				break;
			idx = be16toh(cqe->wqe_counter) & mask;
			if ((op_own >> 4) == MLX5_CQE_RESP_ERR) {
				/* the QP is in the error state: the control
				 * thread drains and resets it
				 * (ipoib_qp_reset.c) */
				ipoib_qp_error_seen(rxq->priv, rxq->idx);
				break;
			}
			m = elts[idx];
			elts[idx] = NULL;
			ci++;
			rxq->st.errors++;
			if (m != NULL)
				rte_pktmbuf_free(m);
			continue;
		}
		hca_dp_rmb();
		/* the general way: a receive the fast path did not take */
		hca_cqe_decode_rx(cqe, &rc);
		idx = rc.wqe_index & mask;
		m = elts[idx];
		elts[idx] = NULL;
		ci++;
		if (unlikely(m == NULL)) {
			rxq->st.errors++;
			continue;
		}
		data = (uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM;
		len = rc.byte_cnt - HCA_GRH_LEN;
		/* a source QPN of 0xFFFFFF would make a group the sender */
		if (unlikely(rc.byte_cnt < HCA_GRH_LEN + RTE_IPOIB_HDR_LEN ||
			     len > room || rc.src_qpn == IPOIB_MCAST_QPN)) {
			rxq->st.malformed++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (unlikely(rc.src_qpn == own_qpn && rc.slid == own_lid)) {
			rxq->st.loopback++;
			rte_pktmbuf_free(m);
			continue;
		}
		ol = ol_base |
			(rc.rss_hash != 0 ? RTE_MBUF_F_RX_RSS_HASH : 0);
		p = NULL;
		if (rc.grh) {
			const struct ipoib_grh *grh =
				(const void *)(data - HCA_GRH_LEN);

			if (grh->dgid[0] == 0xff) { /* DGID is multicast */
				ol |= mcast_flag;
				rxq->st.mcast++;
			}
			p = ipoib_rx_memo_match(&mm, grh, cqe->flags_rqpn);
		} else { /* unicast inside the subnet (Linux): (SLID, QPN) */
			rxq->st.no_grh++;
		}
		if (p != NULL) {
			ol |= tag_flag;
			*RTE_MBUF_DYNFIELD(m, tag_offset, uint64_t *) = mm.tag;
			mm.hits++;
		} else {
			rcs[nslow] = rc;
			which[nslow++] = (uint16_t)nb;
		}
		ipoib_rx_mbuf_init(m, rearm, ol, len, rc.rss_hash);
		((struct rte_ipoib_hdr *)data)->key = p != NULL ?
			mm.key_be : 0;
		if (unlikely(p != NULL && ipoib_rx_lid_moved(p, &rc))) {
			struct ipoib_hwaddr a;

			ipoib_rx_source(m, &rc, &a);
			ipoib_rx_report(rxq, &a, &rc);
		}
		bytes += len;
		pkts[nb++] = m;
	}
	rxq->rq_tail += ci - ci0;
	if (ci == ci0)
		return 0;
	cq->cons_index = ci;
	hca_cq_doorbell(cq);
	if (mm.hits != 0) {
		uint64_t now = rte_get_tsc_cycles();

		rxq->st.peer_hits += mm.hits;
		ipoib_peer_touch(mm.p, now);
	}
	if (nslow != 0)
		ipoib_rx_lookup(rxq, pkts, which, rcs, nslow);
	ipoib_rxq_refill(rxq, rxq->nb_desc - (qp->rq_head - rxq->rq_tail));
	rxq->st.packets += nb;
	rxq->st.bytes += bytes;
	return (uint16_t)nb;
}

/**
 * Nothing to receive: refill a ring that a failed refill left short (once
 * empty it would never complete again; not while its QP waits for a
 * reset: it would flush them).
 */
static __rte_noinline void
ipoib_rx_refill_short(struct ipoib_rxq *rxq)
{
	if (!(__atomic_load_n(&rxq->priv->qp_failed, __ATOMIC_RELAXED) &
	      (UINT32_C(1) << rxq->idx)))
		ipoib_rxq_refill(rxq, rxq->nb_desc -
				 (rxq->qp->rq_head - rxq->rq_tail));
}

/**
 * What a receive burst that found nothing does (ipoib_dp.h): refill a
 * short ring, report the quiescent state of the peer cache's reader.
 */
void
ipoib_rx_idle(struct ipoib_rxq *rxq)
{
	if (unlikely(rxq->qp->rq_head - rxq->rq_tail != rxq->nb_desc))
		ipoib_rx_refill_short(rxq);
	ipoib_peer_reader_quiescent(rxq->priv->peers, rxq->idx);
}

/**
 * Receive a burst of packets (rte_eth_rx_burst). An empty poll reads the
 * next CQE's owner byte, checks that the ring is full and reports the
 * quiescent state of the peer cache's reader.
 */
uint16_t
ipoib_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_rxq *rxq = q;
	uint16_t nb = 0;

	if (hca_cq_ready(rxq->cq))
		nb = ipoib_rx_completions(rxq, pkts, n);
	if (nb == 0 && unlikely(rxq->qp->rq_head - rxq->rq_tail !=
				rxq->nb_desc))
		ipoib_rx_refill_short(rxq);
	ipoib_peer_reader_quiescent(rxq->priv->peers, rxq->idx);
	return nb;
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
