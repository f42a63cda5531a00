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
/** Basic blocks a send WQE takes at most (inline 128 bytes). */
#define IPOIB_ETH_WQE_BLOCKS_MAX 4

/* ------------------------------------------------------------ receive */

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
 * The common received packet, turned into an Ethernet frame in two
 * stores: unicast to us, from a peer with a tag (so a MAC), neither ARP
 * nor IPv6 (nothing to translate). Destination MAC, source MAC and
 * EtherType are written as two overlapping 8-byte words in front of the
 * payload (the IPoIB header's reserved bytes become the EtherType).
 *
 * @param m         a packet the raw receive delivered
 * @param own       the port's MAC in the low 6 bytes of a word, as in
 *                  memory
 * @param tag_base  the peer cache's first tag
 * @return false when the packet needs ipoib_eth_rx_one() (nothing done)
 */
static inline bool
ipoib_eth_rx_fast(struct rte_mbuf *m, uint64_t own, uint64_t tag_base)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t tag, rel, w0, w1;
	uint16_t proto;

	if (RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN) /* the words below are */
		return false;
	if ((m->ol_flags & (ipoib_tag_flag | ipoib_rx_mcast_flag)) !=
	    ipoib_tag_flag || ipoib_tag_flag == 0 ||
	    m->data_off < IPOIB_ETH_GROWTH)
		return false;
	memcpy(&proto, d, sizeof(proto));
	if (proto == RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    proto == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return false;
	tag = *RTE_MBUF_DYNFIELD(m, ipoib_tag_offset, const uint64_t *);
	rel = tag - tag_base;
	if (unlikely(tag <= tag_base || (rel >> IPOIB_MAC_TAG_BITS) != 0))
		return false;
	/* source MAC 02:t4:..:t0 (ipoib_mac_of_tag()), then EtherType */
	w1 = rte_cpu_to_be_64(((uint64_t)IPOIB_MAC_PEER_BYTE0 << 56 |
			       rel << 16)) | (uint64_t)proto << 48;
	w0 = (own & 0xffffffffffffULL) | (w1 & 0xffff) << 48;
	d -= IPOIB_ETH_GROWTH;
	memcpy(d + 6, &w1, 8);
	memcpy(d, &w0, 8);
	m->data_off -= IPOIB_ETH_GROWTH;
	m->data_len += IPOIB_ETH_GROWTH;
	m->pkt_len += IPOIB_ETH_GROWTH;
	return true;
}

/**
 * Try again the packets held while their senders were learned: deliver
 * those whose sender is known now, drop those held too long.
 *
 * @return how many were put into pkts (at most n)
 */
static uint16_t
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

/** Receive a burst of Ethernet frames (rte_eth_rx_burst, mode=eth). */
uint16_t
ipoib_eth_rx_burst(void *rxq, struct rte_mbuf **pkts, uint16_t n)
{
	struct ipoib_rxq *raw = rxq;
	struct ipoib_eth *eth = raw->priv->eth;
	struct ipoib_eth_rxq *q = &eth->rxq[raw->idx];
	uint16_t nb = 0, got, out, i;
	uint64_t own = 0, tag_base;

	if (unlikely(q->n_held != 0))
		nb = ipoib_eth_rx_retry(eth, q, pkts, n);
	if (nb == n)
		return nb;
	got = ipoib_rx_burst(raw, pkts + nb, n - nb);
	if (got == 0)
		return nb;
	memcpy(&own, &eth->own_mac, sizeof(eth->own_mac));
	tag_base = ipoib_peer_tag_base(raw->priv->peers);
	out = nb;
	for (i = 0; i < got; i++) {
		struct rte_mbuf *m = pkts[nb + i];

		if (likely(ipoib_eth_rx_fast(m, own, tag_base))) {
			pkts[out++] = m;
			continue;
		}
		switch (ipoib_eth_rx_one(eth, q, m)) {
		case RX_DELIVERED:
			pkts[out++] = m;
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
 * Turn one Ethernet frame into an IPoIB packet with its destination's
 * key, in place (the tag follows only on a packet the post holds); a
 * shared frame (ipoib_mbuf_is_shared()) is
 * translated in a copy, never where its other holders see it.
 *
 * @param dest  set to the destination's entry (handed to the post, which
 *              then does not look it up again)
 * @return the packet ready to post; NULL when it was dropped (freed,
 *         counted) or held for a send-only join
 */
static __rte_always_inline struct rte_mbuf *
ipoib_eth_tx_one(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		 struct ipoib_txq *raw, struct rte_mbuf *m,
		 struct ipoib_peer **dest)
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
 * Transmit a burst of Ethernet frames (rte_eth_tx_burst, mode=eth).
 * Takes only as many frames as the ring surely holds, so that every
 * frame taken is sent, held or dropped, and every frame left is
 * untouched.
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
	do {
		uint16_t k = RTE_MIN((uint16_t)(n - done), IPOIB_BURST);
		uint16_t nout = 0, sent, i;

		for (i = 0; i < k; i++) {
			struct rte_mbuf *m = ipoib_eth_tx_one(eth, q, raw,
							      pkts[done + i],
							      &dest[nout]);

			if (m != NULL)
				out[nout++] = m;
		}
		sent = ipoib_tx_burst_owned(raw, out, dest, nout);
		for (; sent < nout; sent++) {
			q->st.ring_full++;
			rte_pktmbuf_free(out[sent]);
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
