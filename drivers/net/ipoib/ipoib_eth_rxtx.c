/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * mode=eth data path: the burst functions of a port in the Ethernet view
 * (doc/eth-mode.md). They wrap the raw ones (ipoib_rx.c, ipoib_tx.c): receive turns
 * the 4-byte IPoIB header into a 14-byte Ethernet header in place (the
 * headroom holds the GRH, read first); transmit maps the destination MAC
 * to a peer or group, strips the Ethernet header and writes the IPoIB
 * one. ARP and ND messages are translated on the way (ipoib_arp.c,
 * ipoib_nd.c), IGMP/MLD reports are snooped (ipoib_snoop.c). No locks, no
 * system calls, no allocation.
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "ipoib_dp.h"
#include "ipoib_eth.h"
#include "rte_pmd_ipoib.h"

/** What the Ethernet header adds to the IPoIB one. */
#define IPOIB_ETH_GROWTH (RTE_ETHER_HDR_LEN - RTE_IPOIB_HDR_LEN)
/* a received packet's GRH area, in the headroom, takes the growth */
static_assert(IPOIB_ETH_GROWTH <= HCA_GRH_LEN, "Ethernet header fits");
/** Basic blocks a send WQE takes at most (inline 128 bytes). */
#define IPOIB_ETH_WQE_BLOCKS_MAX 4

/* ------------------------------------------------------------ receive */

/**
 * Add to a packet's pkt_len and its first segment's data_len in one 8-byte
 * update (little-endian: pkt_len the low 4 bytes, data_len the next 2;
 * no carry or borrow crosses them: pkt_len stays above data_len and
 * data_len within 16 bits). The vlan_tci after them is unchanged.
 *
 * @param delta  -IPOIB_ETH_GROWTH or IPOIB_ETH_GROWTH
 */
static __rte_always_inline void
ipoib_eth_mbuf_lengths_add(struct rte_mbuf *m, int delta)
{
	uint8_t *f = (uint8_t *)m + offsetof(struct rte_mbuf, pkt_len);
	uint64_t v;

	memcpy(&v, f, sizeof(v));
	v += (uint64_t)(int64_t)delta * (UINT64_C(1) << 32 | 1);
	memcpy(f, &v, sizeof(v));
}

static_assert(offsetof(struct rte_mbuf, data_len) ==
	      offsetof(struct rte_mbuf, pkt_len) + 4 &&
	      offsetof(struct rte_mbuf, vlan_tci) ==
	      offsetof(struct rte_mbuf, data_len) + 2, "mbuf length fields");

/** How a received packet fared. */
enum ipoib_eth_rx_fate { RX_DROPPED, RX_DELIVERED, RX_WAIT };

/**
 * Turn one received IPoIB packet into an Ethernet frame in place: the
 * destination MAC from the GRH's DGID (groups) or our own, the source
 * MAC from the packet's peer tag (or from the ARP/ND sender address),
 * the ARP/ND payload translated.
 *
 * @return RX_DELIVERED, RX_DROPPED (freed, counted) or RX_WAIT (the
 *         sender is not in the peer cache yet; the packet is unchanged)
 */
static enum ipoib_eth_rx_fate
ipoib_eth_rx_one(const struct ipoib_eth *eth, struct ipoib_eth_rxq *q,
		 struct rte_mbuf *m)
{
	const struct ipoib_priv *priv = eth->priv;
	const struct rte_ipoib_hdr *h =
		rte_pktmbuf_mtod(m, const struct rte_ipoib_hdr *);
	struct rte_ether_addr dst, src, sender;
	uint64_t tag = ipoib_mbuf_tag(m);
	rte_be16_t proto = h->proto;
	struct rte_ether_hdr *eh;
	enum ipoib_xlate r = IPOIB_XLATE_OK;
	bool is_nd = false;

	if (ipoib_mbuf_is_multicast(m)) {
		const struct ipoib_grh *grh = rte_pktmbuf_mtod_offset(m,
			const struct ipoib_grh *, -HCA_GRH_LEN);
		const union hca_gid *dgid =
			(const union hca_gid *)grh->dgid;

		if (ipoib_mac_of_mgid(dgid, &priv->bcast_mgid, &dst) < 0) {
			q->st.unknown_group++;
			goto drop;
		}
	} else {
		dst = eth->own_mac;
	}
	if (tag != 0 &&
	    !ipoib_mac_of_tag(tag, ipoib_peer_tag_base(priv->peers), &src)) {
		q->st.no_mac++;
		goto drop;
	}
	memset(&sender, 0, sizeof(sender));
	if (proto == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		r = ipoib_arp_to_eth(eth, m, RTE_IPOIB_HDR_LEN, &sender);
		if (r == IPOIB_XLATE_MALFORMED) {
			q->st.arp_malformed++;
			goto drop;
		}
		if (r == IPOIB_XLATE_OK)
			q->st.arp++;
	} else if (proto == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		r = ipoib_nd_to_eth(eth, m, RTE_IPOIB_HDR_LEN, &sender,
				    &is_nd);
		if (r == IPOIB_XLATE_BAD_CKSUM) {
			q->st.nd_bad_checksum++;
			goto drop;
		}
		if (r == IPOIB_XLATE_MALFORMED || r == IPOIB_XLATE_NO_ROOM) {
			q->st.nd_malformed++;
			goto drop;
		}
		if (r == IPOIB_XLATE_OK && is_nd)
			q->st.nd++;
	}
	if (r == IPOIB_XLATE_UNKNOWN)
		return RX_WAIT;
	if (tag == 0) {
		if (rte_is_zero_ether_addr(&sender)) {
			q->st.unknown_src++;
			goto drop;
		}
		src = sender;
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, IPOIB_ETH_GROWTH);
	eh->dst_addr = dst;
	eh->src_addr = src;
	eh->ether_type = proto;
	return RX_DELIVERED;
drop:
	rte_pktmbuf_free(m);
	return RX_DROPPED;
}

/**
 * What the common receive path reads once per burst: the port's MAC, the
 * dynamic flags and field, the last source tag and its MAC.
 */
struct ipoib_eth_rx_ctx {
	uint64_t own;             /**< own MAC in the low 6 bytes, as in
				   *   memory (the top 2 bytes: anything) */
	uint64_t flag_mask;       /**< tag and multicast flags */
	uint64_t tag_flag;        /**< what flag_mask must leave: tag only */
	uint64_t tag_base;        /**< the peer cache's first tag */
	uint64_t tag;             /**< last source tag (0: none yet; the
				   *   raw receive flags no packet with 0) */
	uint64_t src;             /**< its MAC in the low 6 bytes, as in
				   *   memory; the top 2 bytes zero */
	int tag_offset;           /**< the tag's dynamic field */
};

/**
 * The source MAC word of a tag (ipoib_mac_of_tag()): 02:t4:..:t0 in the
 * low 6 bytes, as in memory, the top 2 bytes zero.
 *
 * @param base  the peer cache's first tag
 * @return the word, 0 when the tag has no MAC
 */
static __rte_noinline uint64_t
ipoib_eth_rx_src(uint64_t tag, uint64_t base)
{
	struct rte_ether_addr mac;
	uint64_t w = 0;

	if (!ipoib_mac_of_tag(tag, base, &mac))
		return 0;
	memcpy(&w, &mac, sizeof(mac));
	return w;
}

/**
 * The common received packet, turned into an Ethernet frame in two
 * stores: unicast to us, from a peer with a tag (so a MAC), not ARP
 * (IPv4 checked first) nor IPv6 (nothing to translate). The port's MAC
 * is written as an 8-byte word in front, then source MAC and EtherType as
 * an 8-byte word over its last two bytes (the IPoIB header's reserved
 * bytes become the EtherType). The source MAC comes from the burst's
 * last source when the tag is the same (the common case: one load and a
 * compare).
 *
 * @param m  a packet the raw receive delivered: its data at the offset
 *           the receive posted, the GRH area in the headroom (so the
 *           10 more bytes of the Ethernet header fit there)
 * @param c  the burst's context
 * @return false when the packet needs ipoib_eth_rx_one() (nothing done)
 */
static __rte_always_inline bool
ipoib_eth_rx_fast(struct rte_mbuf *m, struct ipoib_eth_rx_ctx *c)
{
	uint8_t *d;
	uint64_t tag, w1;
	uint32_t h;

	if (RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN) /* the words below are */
		return false;
	if ((m->ol_flags & c->flag_mask) != c->tag_flag)
		return false;
	d = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(&h, d, sizeof(h)); /* EtherType, reserved */
	if (unlikely((uint16_t)h != RTE_BE16(RTE_ETHER_TYPE_IPV4)) &&
	    ((uint16_t)h == RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	     (uint16_t)h == RTE_BE16(RTE_ETHER_TYPE_IPV6)))
		return false;
	w1 = (uint64_t)h << 48;   /* EtherType in the word's last 2 bytes */
	tag = *RTE_MBUF_DYNFIELD(m, c->tag_offset, const uint64_t *);
	if (unlikely(tag != c->tag)) {
		uint64_t src = ipoib_eth_rx_src(tag, c->tag_base);

		if (src == 0)
			return false;
		c->tag = tag;
		c->src = src;
	}
	w1 |= c->src;
	d -= IPOIB_ETH_GROWTH;
	memcpy(d, &c->own, 8);
	memcpy(d + 6, &w1, 8);
	m->data_off -= IPOIB_ETH_GROWTH;
	ipoib_eth_mbuf_lengths_add(m, IPOIB_ETH_GROWTH);
	return true;
}

/**
 * Try again the packets held while their senders were learned: deliver
 * those whose sender is known now, drop those held too long.
 *
 * @return how many were put into pkts (at most n)
 */
static __rte_noinline uint16_t
ipoib_eth_rx_retry(const struct ipoib_eth *eth, struct ipoib_eth_rxq *q,
		   struct rte_mbuf **pkts, uint16_t n)
{
	uint64_t now = rte_get_tsc_cycles();
	uint16_t out = 0, keep = 0, i;

	for (i = 0; i < q->n_held; i++) {
		struct rte_mbuf *m = q->held[i];
		enum ipoib_eth_rx_fate f = RX_WAIT;

		if (out < n)
			f = ipoib_eth_rx_one(eth, q, m);
		if (f == RX_DELIVERED) {
			pkts[out++] = m;
		} else if (f == RX_WAIT) {
			if (now > q->held_until[i]) {
				q->st.held_expired++;
				rte_pktmbuf_free(m);
				continue;
			}
			q->held_until[keep] = q->held_until[i];
			q->held[keep++] = m;
		}
	}
	q->n_held = keep;
	return out;
}

/** Hold a packet whose sender is being learned (bounded). */
static void
ipoib_eth_rx_hold(struct ipoib_eth_rxq *q, struct rte_mbuf *m)
{
	if (q->n_held == IPOIB_ETH_RX_HELD) {
		q->st.held_full++;
		rte_pktmbuf_free(m);
		return;
	}
	q->st.held++;
	q->held_until[q->n_held] = rte_get_tsc_cycles() +
		rte_get_tsc_hz() * IPOIB_ETH_RX_HOLD_MS / 1000;
	q->held[q->n_held++] = m;
}

/**
 * The rest of a received burst once a packet did not take the common
 * path: common frames still by ipoib_eth_rx_fast(), the others by
 * ipoib_eth_rx_one() (delivered, held or dropped); the delivered ones
 * moved up to fill the gaps.
 *
 * @param rx    the burst (its first `from` packets delivered already)
 * @param from  the first packet to judge
 * @param got   packets in the burst
 * @return the packets delivered in rx
 */
static __rte_noinline uint16_t
ipoib_eth_rx_rest(const struct ipoib_eth *eth, struct ipoib_eth_rxq *q,
		  struct rte_mbuf **rx, uint16_t from, uint16_t got,
		  struct ipoib_eth_rx_ctx *c)
{
	uint16_t out = from, i;

	for (i = from; i < got; i++) {
		struct rte_mbuf *m = rx[i];

		if (likely(ipoib_eth_rx_fast(m, c))) {
			rx[out++] = m;
			continue;
		}
		switch (ipoib_eth_rx_one(eth, q, m)) {
		case RX_DELIVERED:
			rx[out++] = m;
			break;
		case RX_WAIT:
			ipoib_eth_rx_hold(q, m);
			break;
		case RX_DROPPED:
			break;
		}
	}
	return out;
}

/**
 * Receive a burst of Ethernet frames (rte_eth_rx_burst, mode=eth): the
 * raw receive's burst translated in place, the common frames by
 * ipoib_eth_rx_fast() in a loop that moves nothing, the rest from the
 * first other one on by ipoib_eth_rx_rest().
 */
uint16_t
ipoib_eth_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_rxq *raw = rxq;
	struct ipoib_eth *eth = raw->priv->eth;
	struct ipoib_eth_rxq *q = &eth->rxq[raw->idx];
	struct ipoib_eth_rx_ctx c;
	struct rte_mbuf **rx, **end, **mp;
	uint16_t nb = 0, got;

	if (unlikely(q->n_held != 0))
		nb = ipoib_eth_rx_retry(eth, q, pkts, n);
	if (nb == n)
		return nb;
	rx = pkts + nb;
	got = ipoib_rx_burst(raw, rx, n - nb);
	if (got == 0)
		return nb;
	c.own = 0;
	memcpy(&c.own, &eth->own_mac, sizeof(eth->own_mac));
	c.flag_mask = ipoib_tag_flag | ipoib_rx_mcast_flag;
	/* no tag flag registered: no packet takes the fast path */
	c.tag_flag = ipoib_tag_flag != 0 ? ipoib_tag_flag : ~UINT64_C(0);
	c.tag_base = ipoib_peer_tag_base(raw->priv->peers);
	c.tag = 0; /* no packet with the tag flag carries tag 0 */
	c.src = 0;
	c.tag_offset = ipoib_tag_offset;
	end = rx + got;
	for (mp = rx; mp != end; mp++)
		if (unlikely(!ipoib_eth_rx_fast(*mp, &c)))
			return nb + ipoib_eth_rx_rest(eth, q, rx,
						      (uint16_t)(mp - rx),
						      got, &c);
	return nb + got;
}

/* ----------------------------------------------------------- transmit */

/**
 * The IPoIB group of a multicast frame: from the IPv4/IPv6 destination
 * address when the frame carries one (exact), else from the MAC.
 *
 * @return 0, or -EINVAL for a MAC that maps to no group
 */
static int
ipoib_eth_tx_mgid(const struct ipoib_priv *priv, const struct rte_mbuf *m,
		  const struct rte_ether_hdr *eh, union hca_gid *mgid)
{
	const uint8_t *d = eh->dst_addr.addr_bytes;

	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    d[0] == 0x01 && m->data_len >= RTE_ETHER_HDR_LEN +
	    sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ip = (const void *)(eh + 1);

		ipoib_mgid_of_ipv4(ip->dst_addr, &priv->bcast_mgid, mgid);
		return 0;
	}
	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
	    d[0] == 0x33 && m->data_len >= RTE_ETHER_HDR_LEN +
	    sizeof(struct rte_ipv6_hdr)) {
		const struct rte_ipv6_hdr *ip = (const void *)(eh + 1);

		ipoib_mgid_of_ipv6(ip->dst_addr, &priv->bcast_mgid, mgid);
		return 0;
	}
	return ipoib_mgid_of_mac(&eh->dst_addr, &priv->bcast_mgid, mgid);
}

/**
 * The tag and entry of a multicast frame's group (tag 0 when the port
 * has not joined it; *mgid is then the group to join).
 *
 * @param peer  set to the group's entry when the tag is not 0
 * @return 0, or -EINVAL when the MAC maps to no group
 */
static int
ipoib_eth_tx_group_tag(const struct ipoib_priv *priv,
		       const struct rte_mbuf *m,
		       const struct rte_ether_hdr *eh, union hca_gid *mgid,
		       uint64_t *tag, struct ipoib_peer **peer)
{
	struct ipoib_hwaddr a;
	struct ipoib_peer *p;
	uint16_t key;

	*tag = 0;
	if (rte_is_broadcast_ether_addr(&eh->dst_addr)) {
		key = priv->bcast_key;
	} else {
		if (ipoib_eth_tx_mgid(priv, m, eh, mgid) < 0)
			return -EINVAL;
		ipoib_hwaddr_make(&a, IPOIB_MCAST_QPN, mgid);
		key = ipoib_peer_lookup(priv->peers, &a);
	}
	p = ipoib_peer_get(priv->peers, key);
	if (p != NULL && (p->flags & IPOIB_PEER_F_MCAST)) {
		*tag = ipoib_peer_tag(p);
		if (ipoib_tag_key(*tag) != key)
			*tag = 0;
		*peer = p;
	}
	return 0;
}

/** Translate the ARP or ND payload of a frame to send; false: dropped. */
static bool
ipoib_eth_tx_payload(const struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		     struct rte_mbuf *m, rte_be16_t proto)
{
	enum ipoib_xlate r;
	bool is_nd = false;

	if (proto == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		r = ipoib_arp_to_ib(eth, m, RTE_ETHER_HDR_LEN);
		if (r == IPOIB_XLATE_OK)
			q->st.arp++;
		else if (r == IPOIB_XLATE_UNKNOWN)
			q->st.arp_unknown_mac++;
		else
			q->st.arp_malformed++;
		return r == IPOIB_XLATE_OK;
	}
	if (proto != RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return true;
	r = ipoib_nd_to_ib(eth, m, RTE_ETHER_HDR_LEN, &is_nd);
	if (r == IPOIB_XLATE_OK) {
		if (is_nd)
			q->st.nd++;
		return true;
	}
	if (r == IPOIB_XLATE_UNKNOWN)
		q->st.nd_unknown_mac++;
	else if (r == IPOIB_XLATE_NO_ROOM)
		q->st.nd_no_room++;
	else if (r == IPOIB_XLATE_BAD_CKSUM)
		q->st.nd_bad_checksum++;
	else
		q->st.nd_malformed++;
	return false;
}

/**
 * A private copy of a shared frame (in its own pool), the original's
 * reference dropped; NULL (counted in the raw queue) when no copy can
 * be made.
 */
static struct rte_mbuf *
ipoib_eth_tx_unshare(struct ipoib_txq *raw, struct rte_mbuf *m)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);

	if (c == NULL)
		raw->st.shared_copy_failed++;
	else
		raw->st.shared_copied++;
	rte_pktmbuf_free(m);
	return c;
}

/**
 * Hold a packet (already IPoIB, key 0) for a send-only join of its
 * group by the multicast thread (ipoib_mcast.c): one ring enqueue;
 * dropped and counted when the ring is full.
 */
static __rte_noinline void
ipoib_eth_tx_hold_for_join(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
			   struct rte_mbuf *m, const union hca_gid *mgid)
{
	struct ipoib_eth_mc_wait w = { .m = m, .mgid = *mgid };

	if (eth->mc_wait == NULL ||
	    rte_ring_mp_enqueue_elem(eth->mc_wait, &w, sizeof(w)) != 0) {
		q->st.mc_dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	q->st.mc_join_held++;
}

/**
 * The last unicast destination of a transmit burst: frames to the same
 * MAC go to the same peer, found once. Valid until the queue's next
 * quiescent report (the raw post's end), like the entry it points to.
 */
struct ipoib_eth_tx_memo {
	uint64_t mac;             /**< the MAC in the low 6 bytes, as in
				   *   memory, the top 2 bytes zero;
				   *   UINT64_MAX: none (matches no MAC) */
	struct ipoib_peer *p;     /**< its peer */
	uint32_t key_hi;          /**< the peer's key as the IPoIB header's
				   *   reserved bytes hold it, in the top 2
				   *   bytes of a word read from memory */
};

/** Remember a unicast destination found by its MAC. */
static inline void
ipoib_eth_tx_memo_set(struct ipoib_eth_tx_memo *mm,
		      const struct rte_ether_addr *mac, struct ipoib_peer *p,
		      uint64_t tag)
{
	rte_be16_t key = rte_cpu_to_be_16(ipoib_tag_key(tag));
	uint8_t w[4] = { 0, 0, 0, 0 };

	memcpy(&w[2], &key, sizeof(key));
	mm->mac = 0;
	memcpy(&mm->mac, mac, sizeof(*mac));
	mm->p = p;
	memcpy(&mm->key_hi, w, sizeof(w));
}

/**
 * The common frame to send, turned into an IPoIB packet in place: not
 * shared, its Ethernet header in the first segment, to the memo's
 * unicast MAC, not ARP (IPv4 checked first) nor IPv6. The destination
 * MAC is compared as one masked 8-byte word; the EtherType is read
 * where the IPoIB header begins and written back with the key in one
 * 4-byte store.
 *
 * @return false when the frame needs ipoib_eth_tx_one() (nothing done)
 */
static __rte_always_inline bool
ipoib_eth_tx_fast(struct rte_mbuf *m, const struct ipoib_eth_tx_memo *mm)
{
	uint8_t *eh;
	uint64_t dst;
	uint32_t h;

	if (RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN) /* the words below are */
		return false;
	if (unlikely(rte_mbuf_refcnt_read(m) != 1 ||
		     (m->ol_flags & (RTE_MBUF_F_INDIRECT |
				     RTE_MBUF_F_EXTERNAL)) != 0 ||
		     m->data_len < RTE_ETHER_HDR_LEN))
		return false;
	eh = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(&dst, eh, sizeof(dst));
	if ((dst & UINT64_C(0xffffffffffff)) != mm->mac)
		return false;
	memcpy(&h, eh + IPOIB_ETH_GROWTH, sizeof(h)); /* source, type */
	h >>= 16;                 /* the EtherType, as in memory */
	if (unlikely(h != RTE_BE16(RTE_ETHER_TYPE_IPV4)) &&
	    (h == RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	     h == RTE_BE16(RTE_ETHER_TYPE_IPV6)))
		return false;
	h |= mm->key_hi;
	memcpy(eh + IPOIB_ETH_GROWTH, &h, sizeof(h));
	m->data_off += IPOIB_ETH_GROWTH;
	ipoib_eth_mbuf_lengths_add(m, -IPOIB_ETH_GROWTH);
	return true;
}

/**
 * Turn one Ethernet frame into an IPoIB packet with its destination's
 * key, in place (the tag follows only on a packet the post holds); a
 * shared frame (ipoib_mbuf_is_shared()) is
 * translated in a copy, never where its other holders see it.
 *
 * @param dest  set to the destination's entry (handed to the post, which
 *              then does not look it up again)
 * @param mm    the burst's memo: set to a unicast destination found
 * @return the packet ready to post; NULL when it was dropped (freed,
 *         counted) or held for a send-only join
 */
static struct rte_mbuf *
ipoib_eth_tx_one(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		 struct ipoib_txq *raw, struct rte_mbuf *m,
		 struct ipoib_peer **dest, struct ipoib_eth_tx_memo *mm)
{
	const struct ipoib_priv *priv = eth->priv;
	struct rte_ether_hdr *eh;
	struct rte_ipoib_hdr *h;
	union hca_gid mgid;
	uint64_t tag = 0;
	rte_be16_t proto;

	if (unlikely(ipoib_mbuf_is_shared(m))) {
		m = ipoib_eth_tx_unshare(raw, m);
		if (m == NULL)
			return NULL;
	}
	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN)) {
		q->st.malformed++;
		goto drop;
	}
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	proto = eh->ether_type;
	if (rte_is_multicast_ether_addr(&eh->dst_addr)) {
		memset(&mgid, 0, sizeof(mgid)); /* broadcast: none */
		if (!ipoib_snoop_tx(eth, q, m))
			goto drop;
		if (ipoib_eth_tx_group_tag(priv, m, eh, &mgid, &tag,
					   dest) < 0) {
			q->st.unknown_mac++;
			goto drop;
		}
	} else {
		struct ipoib_peer *p;

		tag = ipoib_mac_to_tag(&eh->dst_addr,
				       ipoib_peer_tag_base(priv->peers));
		p = ipoib_peer_get_tagged(priv->peers, tag);
		if (p == NULL || (p->flags & IPOIB_PEER_F_MCAST)) {
			q->st.unknown_mac++;
			goto drop;
		}
		*dest = p;
		ipoib_eth_tx_memo_set(mm, &eh->dst_addr, p, tag);
	}
	if (proto != RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    !ipoib_eth_tx_payload(eth, q, m, proto))
		goto drop;
	/* rte_pktmbuf_adj() without its length test: the frame holds an
	 * Ethernet header (tested above; the payload's translation keeps
	 * it) */
	m->data_len = (uint16_t)(m->data_len - IPOIB_ETH_GROWTH);
	m->data_off = (uint16_t)(m->data_off + IPOIB_ETH_GROWTH);
	m->pkt_len -= IPOIB_ETH_GROWTH;
	h = (struct rte_ipoib_hdr *)((char *)eh + IPOIB_ETH_GROWTH);
	h->proto = proto;
	h->key = rte_cpu_to_be_16(ipoib_tag_key(tag));
	if (tag == 0) { /* a group not joined yet */
		ipoib_eth_tx_hold_for_join(eth, q, m, &mgid);
		return NULL;
	}
	/* the tag goes on the packet only if the post holds it */
	return m;
drop:
	rte_pktmbuf_free(m);
	return NULL;
}

/**
 * Packets a send queue surely has room for: free basic blocks over the
 * largest WQE, less what the control thread handed back to queue 0.
 */
static uint16_t
ipoib_eth_tx_room(const struct ipoib_txq *txq)
{
	const struct hca_qp *qp = txq->qp;
	uint32_t free_bb = qp->sq_wqe_cnt - (qp->sq_head - txq->sq_tail);
	uint32_t room = free_bb / IPOIB_ETH_WQE_BLOCKS_MAX;
	uint32_t ready = txq->ready != NULL ? rte_ring_count(txq->ready) : 0;

	if (unlikely(txq->qp_error))
		return 0; /* the QP is being reset */
	room = room > ready ? room - ready : 0;
	return (uint16_t)RTE_MIN(room, (uint32_t)UINT16_MAX);
}

/**
 * The rest of a chunk of frames once one was not translated in place:
 * the frames before it and what became of it copied to out, then each
 * by ipoib_eth_tx_fast() or ipoib_eth_tx_one().
 *
 * @param pkts  the chunk
 * @param from  frames before this one were translated in place (their
 *              destinations in dest)
 * @param m     what ipoib_eth_tx_one() made of frame from: NULL, or a
 *              copy (its destination in dest[from])
 * @param k     frames in the chunk
 * @return the packets to post in out (their destinations in dest)
 */
static __rte_noinline uint16_t
ipoib_eth_tx_rest(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		  struct ipoib_txq *raw, struct rte_mbuf **pkts,
		  uint16_t from, struct rte_mbuf *m, uint16_t k,
		  struct rte_mbuf **out, struct ipoib_peer **dest,
		  struct ipoib_eth_tx_memo *mm)
{
	uint16_t nout = from, i;

	memcpy(out, pkts, from * sizeof(*out));
	if (m != NULL)
		out[nout++] = m;
	for (i = from + 1; i < k; i++) {
		m = pkts[i];
		if (likely(ipoib_eth_tx_fast(m, mm))) {
			dest[nout] = mm->p;
			out[nout++] = m;
			continue;
		}
		m = ipoib_eth_tx_one(eth, q, raw, m, &dest[nout], mm);
		if (m != NULL)
			out[nout++] = m;
	}
	return nout;
}

/**
 * Frames of a chunk translated in place by ipoib_eth_tx_fast() until one
 * does not take that path (the memo read once, kept in registers).
 *
 * @param i  the first frame to translate
 * @return the first frame not translated (k when all were)
 */
static __rte_always_inline uint16_t
ipoib_eth_tx_run(struct rte_mbuf **chunk, uint16_t i, uint16_t k,
		 struct ipoib_peer **dest, const struct ipoib_eth_tx_memo *mm)
{
	const struct ipoib_eth_tx_memo c = *mm;

	for (; i < k; i++) {
		if (unlikely(!ipoib_eth_tx_fast(chunk[i], &c)))
			break;
		dest[i] = c.p;
	}
	return i;
}

/**
 * Transmit a burst of Ethernet frames (rte_eth_tx_burst, mode=eth).
 * Takes only as many frames as the ring surely holds, so that every
 * frame taken is sent, held or dropped, and every frame left is
 * untouched. In chunks of at most IPOIB_BURST, one raw post each; a
 * chunk whose frames all take the common path is posted from the
 * caller's array, the others from a copy that leaves out the frames
 * dropped or held.
 */
uint16_t
ipoib_eth_tx_burst(void *txq, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_txq *raw = txq;
	struct ipoib_eth *eth = raw->priv->eth;
	struct ipoib_eth_txq *q = &eth->txq[raw->idx];
	struct rte_mbuf *out[IPOIB_BURST];
	struct ipoib_peer *dest[IPOIB_BURST];
	uint16_t room = ipoib_eth_tx_room(raw);
	uint16_t done = 0;

	if (room < n) {
		ipoib_tx_burst_owned(raw, out, dest, 0); /* reap */
		room = ipoib_eth_tx_room(raw);
	}
	if (n > room)
		n = room;
	do { /* once even for none: the post reaps and reports */
		uint16_t k = RTE_MIN((uint16_t)(n - done), IPOIB_BURST);
		struct rte_mbuf **chunk = pkts + done, **post = chunk;
		/* a memo lives until the post's quiescent report */
		struct ipoib_eth_tx_memo mm = { .mac = UINT64_MAX };
		uint16_t nout = 0, sent;

		for (;;) {
			struct rte_mbuf *m;

			nout = ipoib_eth_tx_run(chunk, nout, k, dest, &mm);
			if (likely(nout == k))
				break;
			/* the first frame of a chunk, usually (the memo) */
			m = ipoib_eth_tx_one(eth, q, raw, chunk[nout],
					     &dest[nout], &mm);
			if (unlikely(m != chunk[nout])) {
				/* dropped, held or copied */
				nout = ipoib_eth_tx_rest(eth, q, raw, chunk,
							 nout, m, k, out,
							 dest, &mm);
				post = out;
				break;
			}
			nout++;
		}
		sent = ipoib_tx_burst_owned(raw, post, dest, nout);
		for (; sent < nout; sent++) {
			q->st.ring_full++;
			rte_pktmbuf_free(post[sent]);
		}
		done += k;
	} while (done < n);
	return n;
}

/** rx_burst of a port in mode=eth, pausable. */
uint16_t
ipoib_eth_rx_burst_pausable(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_rxq *rxq = q;
	uint16_t got;

	if (!ipoib_dp_enter(&rxq->dp_seq, rxq->priv))
		return 0;
	/* an empty poll: nothing held, the next CQE not ours yet */
	if (likely(rxq->priv->eth->rxq[rxq->idx].n_held == 0) &&
	    !hca_cq_ready(rxq->cq)) {
		ipoib_rx_idle(rxq);
		got = 0;
	} else {
		got = ipoib_eth_rx_burst(q, pkts, n);
	}
	ipoib_dp_leave(&rxq->dp_seq);
	return got;
}

/** tx_burst of a port in mode=eth, pausable (nothing taken). */
uint16_t
ipoib_eth_tx_burst_pausable(void *q, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_txq *txq = q;
	uint16_t sent;

	if (!ipoib_dp_enter(&txq->dp_seq, txq->priv))
		return 0;
	sent = ipoib_eth_tx_burst(q, pkts, n);
	ipoib_dp_leave(&txq->dp_seq);
	return sent;
}
