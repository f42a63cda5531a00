/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Checksum and TCP segmentation offloads of the transmit path (see
 * ipoib_tx_offload.h): the device computes the IPv4 header and TCP/UDP
 * checksums and splits a large TCP send into MSS-sized datagrams, from
 * a WQE whose Ethernet segment carries the packet's headers.
 */

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "ipoib.h"
#include "ipoib_dp.h"
#include "ipoib_peer.h"
#include "ipoib_tx_offload.h"
#include "hca_dp_eth.h"
#include "rte_pmd_ipoib.h"

/* See ipoib_tx_offload.h. */
uint64_t
ipoib_tx_offload_capa(const struct ipoib_priv *priv)
{
	uint64_t capa = 0;

	if (priv->attr.tx_csum)
		capa |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
			RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	if (priv->attr.tx_csum && priv->attr.max_lso != 0)
		capa |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	return capa;
}

/**
 * Check a packet's offload request against the port and its sizes, and
 * find the headers to inline and the device's flags.
 *
 * @return true when it can be posted; false when it was counted
 */
static bool
ipoib_tx_offload_check(struct ipoib_txq *txq, const struct rte_mbuf *m,
		       uint32_t *ihs, uint8_t *cs_flags, uint16_t *mss)
{
	const struct ipoib_priv *priv = txq->priv;
	uint64_t f = m->ol_flags;
	uint32_t max_len = priv->mtu + RTE_IPOIB_HDR_LEN;
	bool tso = (f & RTE_MBUF_F_TX_TCP_SEG) != 0;
	uint64_t l4 = f & RTE_MBUF_F_TX_L4_MASK;

	if (unlikely(!priv->attr.tx_csum ||
		     (tso && priv->attr.max_lso == 0) ||
		     l4 == RTE_MBUF_F_TX_SCTP_CKSUM)) {
		txq->st.offload_unsupported++;
		return false;
	}
	*cs_flags = 0;
	*mss = 0;
	if (f & RTE_MBUF_F_TX_IP_CKSUM)
		*cs_flags |= MLX5_ETH_WQE_L3_CSUM;
	if (tso || l4 != 0)
		*cs_flags |= MLX5_ETH_WQE_L4_CSUM;
	/* the IPoIB header, then what the application says of L3 and L4 */
	*ihs = RTE_IPOIB_HDR_LEN + m->l3_len +
	       ((tso || l4 != 0) ? m->l4_len : 0);
	if (l4 == RTE_MBUF_F_TX_UDP_CKSUM && m->l4_len == 0)
		*ihs += sizeof(struct rte_udp_hdr);
	if (unlikely(m->l3_len < sizeof(struct rte_ipv4_hdr) ||
		     *ihs > HCA_ETH_INLINE_MAX || *ihs > m->pkt_len ||
		     m->nb_segs > IPOIB_TX_OFFLOAD_MAX_SEGS ||
		     m->data_len < RTE_IPOIB_HDR_LEN)) {
		txq->st.offload_malformed++;
		return false;
	}
	if (tso) {
		if (unlikely(m->l4_len < sizeof(struct rte_tcp_hdr) ||
			     m->tso_segsz == 0 ||
			     *ihs + m->tso_segsz > max_len)) {
			txq->st.offload_malformed++;
			return false;
		}
		if (unlikely(m->pkt_len > priv->attr.max_lso)) {
			txq->st.oversized++;
			return false;
		}
		if (!(f & RTE_MBUF_F_TX_IPV6))
			*cs_flags |= MLX5_ETH_WQE_L3_CSUM;
		*mss = m->tso_segsz;
	} else if (unlikely(m->pkt_len > max_len)) {
		txq->st.oversized++;
		return false;
	}
	return true;
}

/**
 * Check the packet's own headers against what the application says of
 * them, so that the device, which reads them, never fails the WQE (and
 * the QP with it) for an application's mistake: an IPoIB type of IPv4
 * with an IPv4 header of l3_len bytes (not a fragment when L4 is
 * asked), or IPv6 without extension headers (and then no IPv4 checksum
 * asked); the L4 protocol asked for, a TCP header of l4_len bytes;
 * without TSO an IP length that says the packet's.
 *
 * @param hdr  the packet's first bytes, IPoIB, l3_len and (for TCP)
 *             l4_len of them (ipoib_tx_offload_check())
 * @return true when they agree
 */
static bool
ipoib_tx_offload_headers_ok(const struct rte_mbuf *m, const uint8_t *hdr)
{
	const struct rte_ipoib_hdr *ih = (const void *)hdr;
	const uint8_t *ip = hdr + RTE_IPOIB_HDR_LEN;
	uint64_t f = m->ol_flags;
	uint64_t l4 = f & RTE_MBUF_F_TX_L4_MASK;
	bool tcp = (f & RTE_MBUF_F_TX_TCP_SEG) ||
		   l4 == RTE_MBUF_F_TX_TCP_CKSUM;
	uint32_t ip_len;
	uint8_t proto;

	if (ih->proto == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		if (ip[0] >> 4 != 4 || (ip[0] & 0xfu) * 4 != m->l3_len)
			return false;
		/* a fragment has no L4 header to sum */
		if ((tcp || l4 != 0) &&
		    (rte_be_to_cpu_16(*(const rte_be16_t *)(const void *)
				      (ip + 6)) & 0x3fff) != 0)
			return false;
		ip_len = rte_be_to_cpu_16(*(const rte_be16_t *)(const void *)
					  (ip + 2));
		proto = ip[9];
	} else if (ih->proto == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		if (ip[0] >> 4 != 6 || m->l3_len != 40 ||
		    (f & RTE_MBUF_F_TX_IP_CKSUM))
			return false;
		ip_len = 40u + rte_be_to_cpu_16(*(const rte_be16_t *)
			(const void *)(ip + 4));
		proto = ip[6];
	} else {
		return false;
	}
	/* (the TCP header is within the ihs bytes read: l4_len of them) */
	if (tcp && (proto != IPPROTO_TCP ||
		    m->l4_len < sizeof(struct rte_tcp_hdr) ||
		    (uint32_t)(ip[m->l3_len + 12] >> 4) * 4 != m->l4_len))
		return false;
	if (l4 == RTE_MBUF_F_TX_UDP_CKSUM && proto != IPPROTO_UDP)
		return false;
	if (!(f & RTE_MBUF_F_TX_TCP_SEG) &&
	    RTE_IPOIB_HDR_LEN + ip_len != m->pkt_len)
		return false;
	return true;
}

/**
 * Fill the gather list of what follows the inlined headers, skipping
 * empty pieces.
 *
 * @return the number of entries; 0 when some memory is not registered
 *         (counted), or UINT32_MAX when there are none to send
 */
static uint32_t
ipoib_tx_offload_sges(struct ipoib_txq *txq, struct rte_mbuf *m,
		      uint32_t skip, struct hca_sge *sge)
{
	uint32_t n = 0;

	for (; m != NULL; m = m->next) {
		uint32_t len = m->data_len, off = 0;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		off = skip;
		skip = 0;
		sge[n].addr = rte_pktmbuf_mtod_offset(m, uintptr_t, off);
		sge[n].len = len - off;
		sge[n].lkey = hca_mr_map_lkey(txq->priv->mrs, sge[n].addr,
					      sge[n].len, &txq->lkey_hint);
		if (unlikely(sge[n].lkey == HCA_NO_LKEY)) {
			txq->st.no_lkey++;
			return 0;
		}
		n++;
	}
	return n == 0 ? UINT32_MAX : n;
}

/* See ipoib_tx_offload.h. */
int
ipoib_tx_offload_post(struct ipoib_txq *txq, struct rte_mbuf *m,
		      struct ipoib_peer *p, uint32_t *since_signal,
		      uint32_t *last_head)
{
	struct hca_qp *qp = txq->qp;
	uint32_t mask = qp->sq_wqe_cnt - 1;
	struct hca_sge sge[IPOIB_TX_OFFLOAD_MAX_SEGS];
	uint8_t hdr[HCA_ETH_INLINE_MAX];
	const struct rte_ipoib_hdr *ih;
	uint32_t ihs, nsge, blocks, head;
	uint8_t cs_flags;
	uint16_t mss;
	bool signal;

	if (!ipoib_tx_offload_check(txq, m, &ihs, &cs_flags, &mss))
		goto drop;
	if (unlikely(p == NULL)) {
		/* no key, or one no peer answers to (an ambiguous bare key
		 * is counted as stale here) */
		if (rte_pmd_ipoib_get_key(m) == 0)
			txq->st.malformed++;
		else
			txq->st.stale_key++;
		goto drop;
	}
	if (unlikely(!ipoib_peer_is_resolved(p))) {
		txq->st.peer_misses++;
		ipoib_tx_hold(txq, p, m);
		return 0;
	}
	/* the headers go into the WQE: the wire's key (zero) is written in
	 * the copy, never in the mbuf, which may be shared */
	ih = rte_pktmbuf_read(m, 0, ihs, hdr);
	if (ih != (const void *)hdr)
		memcpy(hdr, ih, ihs);
	if (unlikely(!ipoib_tx_offload_headers_ok(m, hdr))) {
		txq->st.offload_malformed++;
		goto drop;
	}
	((struct rte_ipoib_hdr *)(void *)hdr)->key = 0;
	nsge = ipoib_tx_offload_sges(txq, m, ihs, sge);
	if (unlikely(nsge == 0))
		goto drop;
	if (nsge == UINT32_MAX)
		nsge = 0; /* the headers are the whole packet */
	if (unlikely(hca_eth_wqe_ds(ihs, nsge) > HCA_WQE_MAX_DS)) {
		txq->st.offload_malformed++;
		goto drop;
	}
	blocks = (hca_eth_wqe_ds(ihs, nsge) * 16 + MLX5_SEND_WQE_BB - 1) /
		 MLX5_SEND_WQE_BB;
	if (qp->sq_wqe_cnt - (qp->sq_head - txq->sq_tail) < blocks)
		return -1;
	txq->st.peer_hits++;
	signal = ++*since_signal >= IPOIB_TX_SIGNAL_EVERY;
	if (mss != 0)
		txq->st.offload_tso++;
	else
		txq->st.offload_csum++;
	head = hca_sq_post_ud_eth(qp, &p->av, cs_flags, mss, hdr, ihs, sge,
				  nsge, signal);
	txq->elts[head & mask] = m;
	/* an mbuf in the ring: completions walk up to here to free it */
	txq->gather_end = qp->sq_head;
	if (signal) {
		txq->wqe_end[head & mask] = qp->sq_head;
		*since_signal = 0;
	}
	*last_head = head;
	/* the peer is in use (as the plain send marks it) */
	ipoib_peer_touch(p, rte_get_tsc_cycles());
	return 1;
drop:
	rte_pktmbuf_free(m);
	return 0;
}
