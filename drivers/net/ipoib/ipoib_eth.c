/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * mode=eth data path: the burst functions of a port in the Ethernet view
 * (doc/eth-mode.md). They wrap the raw ones (ipoib_rxtx.c): receive turns
 * the 4-byte IPoIB header into a 14-byte Ethernet header in place (the
 * headroom holds the GRH, read first); transmit maps the destination MAC
 * to a peer or group, strips the Ethernet header and writes the IPoIB
 * one. ARP and ND messages are translated on the way (ipoib_arp.c,
 * ipoib_nd.c). No locks, no system calls, no allocation.
 */

#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "ipoib_eth.h"
#include "ipoib_log.h"
#include "rte_pmd_ipoib.h"

/** What the Ethernet header adds to the IPoIB one. */
#define IPOIB_ETH_GROWTH (RTE_ETHER_HDR_LEN - RTE_IPOIB_HDR_LEN)
/** Basic blocks a send WQE takes at most (inline 128 bytes). */
#define IPOIB_ETH_WQE_BLOCKS_MAX 4

/**
 * The mode=eth state of every port of this process, by port id: only to
 * give each port an own MAC no other one has (the bursts reach their
 * state through the port's private data, priv->eth).
 */
static struct ipoib_eth *ipoib_eth_ports[RTE_MAX_ETHPORTS];

/**
 * The mode=eth state of a port, NULL in mode=raw. Read from the port's
 * private data (shared memory), so that it also works in a secondary
 * process, where priv->dev is not this process's device.
 */
struct ipoib_eth *
ipoib_eth_of_priv(const struct ipoib_priv *priv)
{
	return priv->eth;
}

/**
 * Whether another port of this process has this own MAC already.
 *
 * @param self  the port asking
 */
static bool
ipoib_eth_mac_taken(const struct ipoib_eth *self,
		    const struct rte_ether_addr *mac)
{
	unsigned int i;

	for (i = 0; i < RTE_MAX_ETHPORTS; i++)
		if (ipoib_eth_ports[i] != NULL && ipoib_eth_ports[i] != self &&
		    rte_is_same_ether_addr(&ipoib_eth_ports[i]->own_mac, mac))
			return true;
	return false;
}

/**
 * Create the mode=eth state of a port (at probe): its own MAC, which
 * is also written to the port's MAC address table.
 *
 * @return the state, or NULL (out of memory)
 */
struct ipoib_eth *
ipoib_eth_create(struct ipoib_priv *priv)
{
	struct ipoib_eth *eth = rte_zmalloc("ipoib_eth", sizeof(*eth),
					    RTE_CACHE_LINE_SIZE);
	uint32_t salt = 0;

	if (eth == NULL)
		return NULL;
	eth->priv = priv;
	pthread_mutex_init(&eth->mc_lock, NULL);
	do {
		ipoib_mac_own(priv->attr.port.port_guid, priv->name, salt++,
			      &eth->own_mac);
	} while (ipoib_eth_mac_taken(eth, &eth->own_mac) && salt < 64);
	ipoib_eth_ports[priv->dev->data->port_id] = eth;
	priv->eth = eth;
	if (priv->dev->data->mac_addrs != NULL)
		priv->dev->data->mac_addrs[0] = eth->own_mac;
	return eth;
}

/** Free the mode=eth state of a port (at close, after stop). */
void
ipoib_eth_free(struct ipoib_eth *eth)
{
	if (eth == NULL)
		return;
	ipoib_eth_ports[eth->priv->dev->data->port_id] = NULL;
	eth->priv->eth = NULL;
	pthread_mutex_destroy(&eth->mc_lock);
	rte_free(eth);
}

/** Start the mode=eth parts of a started port (multicast thread). */
int
ipoib_eth_start(struct ipoib_eth *eth)
{
	return ipoib_mcast_start(eth);
}

/** Stop them and free the packets they held (before the teardown). */
void
ipoib_eth_stop(struct ipoib_eth *eth)
{
	unsigned int q, i;

	if (eth == NULL)
		return;
	ipoib_mcast_stop(eth);
	for (q = 0; q < IPOIB_MAX_QUEUES; q++) {
		struct ipoib_eth_rxq *e = &eth->rxq[q];

		for (i = 0; i < e->n_held; i++)
			rte_pktmbuf_free(e->held[i]);
		e->n_held = 0;
	}
}

/* ------------------------------------------------- address mapping */

/** Whether an address is the port's own. */
static bool
ipoib_eth_is_own(const struct ipoib_priv *priv,
		 const struct ipoib_hwaddr *addr)
{
	return ipoib_hwaddr_qpn(addr) == priv->qpn &&
		memcmp(&addr->gid, &priv->gid, sizeof(addr->gid)) == 0;
}

/**
 * The MAC of a 20-byte unicast address (flags zero): the own MAC, or the
 * MAC of the peer entry that holds it (reader, lock free).
 *
 * @return 0, or -ENOENT when no peer entry holds it (yet)
 */
int
ipoib_eth_mac_of_addr(const struct ipoib_eth *eth,
		      const struct ipoib_hwaddr *addr,
		      struct rte_ether_addr *mac)
{
	const struct ipoib_priv *priv = eth->priv;
	struct ipoib_peer *p;
	uint64_t tag;
	uint16_t key;

	if (ipoib_eth_is_own(priv, addr)) {
		*mac = eth->own_mac;
		return 0;
	}
	key = ipoib_peer_lookup(priv->peers, addr);
	p = ipoib_peer_get(priv->peers, key);
	if (p == NULL || (p->flags & IPOIB_PEER_F_MCAST))
		return -ENOENT;
	tag = ipoib_peer_tag(p);
	if (ipoib_tag_key(tag) != key ||
	    !ipoib_mac_of_tag(tag, ipoib_peer_tag_base(priv->peers), mac))
		return -ENOENT;
	return 0;
}

/**
 * The 20-byte address a unicast MAC stands for: the own address, or the
 * peer's whose tag the MAC holds, read consistently (reader, lock free).
 *
 * @return 0, or -ENOENT when the MAC stands for nobody
 */
int
ipoib_eth_addr_of_mac(const struct ipoib_eth *eth,
		      const struct rte_ether_addr *mac,
		      struct ipoib_hwaddr *addr)
{
	const struct ipoib_priv *priv = eth->priv;
	uint64_t tag;
	struct ipoib_peer *p;

	if (rte_is_same_ether_addr(mac, &eth->own_mac)) {
		ipoib_hwaddr_make(addr, priv->qpn, &priv->gid);
		return 0;
	}
	tag = ipoib_mac_to_tag(mac, ipoib_peer_tag_base(priv->peers));
	p = ipoib_peer_get_tagged(priv->peers, tag);
	if (p == NULL || (p->flags & IPOIB_PEER_F_MCAST))
		return -ENOENT;
	ipoib_hwaddr_make(addr, p->qpn, &p->gid);
	if (ipoib_peer_tag(p) != tag) /* reused while we read it */
		return -ENOENT;
	return 0;
}

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

	if (unlikely(q->n_held != 0))
		nb = ipoib_eth_rx_retry(eth, q, pkts, n);
	if (nb == n)
		return nb;
	got = ipoib_rx_burst(raw, pkts + nb, n - nb);
	out = nb;
	for (i = 0; i < got; i++) {
		struct rte_mbuf *m = pkts[nb + i];

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
 * The tag of a multicast frame's group (0 when the port has not joined
 * it; *mgid is then the group to join).
 *
 * @return 0, or -EINVAL when the MAC maps to no group
 */
static int
ipoib_eth_tx_group_tag(const struct ipoib_priv *priv,
		       const struct rte_mbuf *m,
		       const struct rte_ether_hdr *eh, union hca_gid *mgid,
		       uint64_t *tag)
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
 * Turn one Ethernet frame into an IPoIB packet with its destination's
 * key and tag, in place; a shared frame (ipoib_mbuf_is_shared()) is
 * translated in a copy, never where its other holders see it.
 *
 * @return the packet ready to post; NULL when it was dropped (freed,
 *         counted) or held for a send-only join
 */
static struct rte_mbuf *
ipoib_eth_tx_one(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		 struct ipoib_txq *raw, struct rte_mbuf *m)
{
	const struct ipoib_priv *priv = eth->priv;
	struct rte_ether_hdr *eh;
	struct rte_ipoib_hdr *h;
	union hca_gid mgid = { .raw = { 0 } };
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
		if (!ipoib_snoop_tx(eth, q, m))
			goto drop;
		if (ipoib_eth_tx_group_tag(priv, m, eh, &mgid, &tag) < 0) {
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
	}
	if (proto != RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    !ipoib_eth_tx_payload(eth, q, m, proto))
		goto drop;
	h = (struct rte_ipoib_hdr *)rte_pktmbuf_adj(m, IPOIB_ETH_GROWTH);
	h->proto = proto;
	h->key = rte_cpu_to_be_16(ipoib_tag_key(tag));
	if (tag == 0) { /* a group not joined yet */
		ipoib_mcast_hold(eth, q, m, &mgid);
		return NULL;
	}
	ipoib_mbuf_set_tag(m, tag);
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
	uint16_t room = ipoib_eth_tx_room(raw);
	uint16_t done = 0;

	if (room < n) {
		ipoib_tx_burst(raw, out, 0); /* reap completions */
		room = ipoib_eth_tx_room(raw);
	}
	if (n > room)
		n = room;
	do {
		uint16_t k = RTE_MIN((uint16_t)(n - done), IPOIB_BURST);
		uint16_t nout = 0, sent, i;

		for (i = 0; i < k; i++) {
			struct rte_mbuf *m = ipoib_eth_tx_one(eth, q, raw,
							      pkts[done + i]);

			if (m != NULL)
				out[nout++] = m;
		}
		sent = ipoib_tx_burst(raw, out, nout);
		for (; sent < nout; sent++) {
			q->st.ring_full++;
			rte_pktmbuf_free(out[sent]);
		}
		done += k;
	} while (done < n);
	return n;
}
