/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The receive path of net_ipoib under fuzzing: completions written into
 * the fake port's memory device (fuzz_pmd_port.c) are received with the
 * production burst functions, ipoib_rx_burst() (mode=raw) or
 * ipoib_eth_rx_burst() (mode=eth, with its header, ARP and ND
 * translation), and every outcome is checked against an oracle.
 *
 * Input: one flags byte, then records of 17 bytes each followed by the
 * GRH area (40 bytes) and the packet (see struct rx_rec). Selector bytes
 * replace fields of the input by the addresses of the port's peers, so
 * the fuzzer meets known, stale, unresolved and group sources at once.
 */

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "fuzz.h"
#include "fuzz_pmd.h"
#include "fuzz_pmd_rx.h"

/** Bytes of a record's header. */
#define RX_REC_LEN 17
/** Records per input at most (mode=raw). */
#define RX_RECS_MAX 4
/** Largest image of a receive buffer: GRH area and data room. */
#define RX_IMG_MAX (HCA_GRH_LEN + FUZZ_PMD_ROOM + 64)

/** Flags of the first input byte. */
#define RX_F_NO_MBUFS 0x01   /**< the pool is empty during the burst */
#define RX_F_LEARN 0x02      /**< eth: learn the held sender, retry */
#define RX_F_MEMO 0x04       /**< the queue's last source: record 0's */

/** One completion, decoded from the input. */
struct rx_rec {
	uint8_t opcode;
	uint8_t sl;
	bool grh;
	uint32_t byte_cnt;
	uint32_t src_qpn;
	uint16_t slid;
	uint32_t rss;
	uint32_t img_len;          /**< bytes of img that are defined */
	uint8_t img[RX_IMG_MAX];   /**< the buffer as the device wrote it */
};

/** Receive counters of a queue, both views. */
struct rx_counts {
	struct ipoib_rxq_stats raw;
	struct ipoib_eth_rx_stats eth;
};

static struct rx_rec recs[RX_RECS_MAX];

/** Read a little chunk of the input, zero past its end. */
static void
take(const uint8_t **p, size_t *left, uint8_t *out, size_t n)
{
	size_t k = n < *left ? n : *left;

	memcpy(out, *p, k);
	memset(out + k, 0, n - k);
	*p += k;
	*left -= k;
}

/**
 * Decode one record: its header's selectors and fields, then the GRH
 * area and the packet.
 *
 * byte 0: source (0-7 a peer, 8 own, else the input's), 0x10 GRH, 0x20
 * SLID from the input (else the peer's LID), 0x40 byte count from the
 * input (else exact), 0x80 DGID from the input; byte 1: DGID selector;
 * byte 2: opcode selector; 3: SL; 4-5: byte count; 6-8: source QPN;
 * 9-10: SLID; 11-14: RSS hash; 15-16: packet length.
 */
static void
rec_decode(const struct fuzz_port *fp, const uint8_t **p, size_t *left,
	   struct rx_rec *r)
{
	uint8_t h[RX_REC_LEN];
	struct ipoib_hwaddr a;
	uint32_t plen, have;

	take(p, left, h, sizeof(h));
	r->grh = h[0] & 0x10;
	r->opcode = (h[2] & 15) == 14 ? MLX5_CQE_RESP_ERR :
		(h[2] & 15) == 15 ? MLX5_CQE_REQ : MLX5_CQE_RESP_SEND;
	r->sl = h[3] & 15;
	r->byte_cnt = fuzz_be16(h + 4);
	r->src_qpn = (uint32_t)h[6] << 16 | (uint32_t)h[7] << 8 | h[8];
	r->slid = fuzz_be16(h + 9);
	r->rss = fuzz_be32(h + 11);
	plen = fuzz_be16(h + 15) % (FUZZ_PMD_ROOM + 48);
	have = (uint32_t)RTE_MIN((size_t)HCA_GRH_LEN + plen, *left);
	memset(r->img, 0, sizeof(r->img));
	take(p, left, r->img, have);
	if (fuzz_pmd_pick_addr(fp, h[0] & 15, &a)) {
		const struct fuzz_peer *pe = fuzz_pmd_peer_of_addr(fp, &a);

		r->src_qpn = ipoib_hwaddr_qpn(&a);
		memcpy(r->img + 8, &a.gid, HCA_GID_LEN);
		if (!(h[0] & 0x20))
			r->slid = pe != NULL ? pe->lid : fp->priv->lid;
	}
	if (!(h[0] & 0x80) && fuzz_pmd_pick_addr(fp, h[1] & 15, &a))
		memcpy(r->img + 24, &a.gid, HCA_GID_LEN);
	else if (!(h[0] & 0x80) && (h[1] & 15) == 9) /* a group not joined */
		r->img[24] = 0xff;
	if (!(h[0] & 0x40))
		r->byte_cnt = HCA_GRH_LEN + plen;
	r->img_len = RTE_MIN(r->byte_cnt, (uint32_t)sizeof(r->img));
}

/** Whether the raw path must keep a record's packet. */
static bool
rec_kept(const struct fuzz_port *fp, const struct rx_rec *r)
{
	return r->opcode == MLX5_CQE_RESP_SEND &&
		r->byte_cnt >= HCA_GRH_LEN + RTE_IPOIB_HDR_LEN &&
		r->byte_cnt - HCA_GRH_LEN <= FUZZ_PMD_ROOM &&
		r->src_qpn != IPOIB_MCAST_QPN &&
		!(r->src_qpn == fp->priv->qpn && r->slid == fp->priv->lid);
}

/**
 * The tag the raw path must give a record's packet: the live peer's
 * that sent it (by address with a GRH, by (SLID, QPN) of resolved
 * unicast peers without), else 0.
 */
static uint64_t
rec_tag(const struct fuzz_port *fp, const struct rx_rec *r)
{
	const struct fuzz_peer *pe;
	struct ipoib_hwaddr a;
	unsigned int i;

	if (r->grh) {
		ipoib_hwaddr_make(&a, r->src_qpn,
				  (const union hca_gid *)(r->img + 8));
		pe = fuzz_pmd_peer_of_addr(fp, &a);
		return pe != NULL && pe->kind != FUZZ_PEER_STALE ? pe->tag : 0;
	}
	for (i = 0; i < FUZZ_PMD_NPEERS; i++) {
		pe = &fp->peers[i];
		if (pe->kind == FUZZ_PEER_RESOLVED && pe->lid == r->slid &&
		    ipoib_hwaddr_qpn(&pe->addr) == r->src_qpn)
			return pe->tag;
	}
	return 0;
}

/** Whether the raw path must report a kept record to the control thread. */
static bool
rec_reported(const struct fuzz_port *fp, const struct rx_rec *r,
	     uint64_t tag)
{
	struct ipoib_hwaddr a;
	const struct fuzz_peer *pe;

	if (tag == 0)
		return true;
	ipoib_hwaddr_make(&a, r->src_qpn, (const union hca_gid *)(r->img + 8));
	pe = fuzz_pmd_peer_of_addr(fp, &a);
	return r->grh && pe != NULL && pe->kind == FUZZ_PEER_RESOLVED &&
		pe->lid != r->slid;
}

/** Whether a learn-ring entry is the report of a record. */
static bool
learn_matches(const struct ipoib_learn *l, const struct rx_rec *r)
{
	if (l->addr.flags != 0 || ipoib_hwaddr_qpn(&l->addr) != r->src_qpn ||
	    l->slid != r->slid || l->sl != r->sl || l->by_lid != !r->grh)
		return false;
	if (r->grh)
		return memcmp(&l->addr.gid, r->img + 8, 16) == 0;
	return l->addr.gid.global.subnet_prefix == 0 &&
		l->addr.gid.global.interface_id == 0;
}

/**
 * Check the learn ring against the records: exactly one report per
 * record that must be reported, in any order (a source found by the
 * queue's last-source memo is reported where the burst meets it, the
 * others after the lookup), and nothing else.
 */
static void
check_learn_ring(const struct fuzz_port *fp, unsigned int n)
{
	struct ipoib_learn l[RX_RECS_MAX + 1];
	bool used[RX_RECS_MAX + 1] = { false };
	unsigned int i, j, nl = 0;

	while (nl < RTE_DIM(l) &&
	       rte_ring_sc_dequeue_elem(fp->priv->learn, &l[nl],
					sizeof(l[0])) == 0)
		nl++;
	FUZZ_CHECK(rte_ring_count(fp->priv->learn) == 0);
	for (i = 0; i < n; i++) {
		if (!rec_kept(fp, &recs[i]) ||
		    !rec_reported(fp, &recs[i], rec_tag(fp, &recs[i])))
			continue;
		for (j = 0; j < nl; j++)
			if (!used[j] && learn_matches(&l[j], &recs[i]))
				break;
		FUZZ_CHECK(j < nl);
		used[j] = true;
	}
	for (j = 0; j < nl; j++)
		FUZZ_CHECK(used[j]);
}

/**
 * Set the queue's last-source memo as the input says, so that an input
 * replays as it ran: empty, or record 0's source address with the tag of
 * the fake peer of that address (a stale peer's old tag included, which
 * the receive path must not give out).
 */
static void
memo_set(struct fuzz_port *fp, unsigned int n, uint8_t flags)
{
	const struct fuzz_peer *pe = NULL;
	struct ipoib_hwaddr a;

	fp->rxq->last_tag = 0;
	memset(&fp->rxq->last_src, 0, sizeof(fp->rxq->last_src));
	if (!(flags & RX_F_MEMO) || n == 0 || !recs[0].grh)
		return;
	ipoib_hwaddr_make(&a, recs[0].src_qpn,
			  (const union hca_gid *)(recs[0].img + 8));
	pe = fuzz_pmd_peer_of_addr(fp, &a);
	if (pe == NULL)
		return;
	fp->rxq->last_src = a;
	fp->rxq->last_tag = pe->tag;
}

/** Check a packet the raw path delivered against its record. */
static void
check_raw_pkt(const struct fuzz_port *fp, const struct rte_mbuf *m,
	      const struct rx_rec *r, uint64_t tag)
{
	uint32_t len = r->byte_cnt - HCA_GRH_LEN;
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	bool mc = r->grh && r->img[24] == 0xff;

	FUZZ_CHECK(m->pkt_len == len && m->data_len == len);
	FUZZ_CHECK(m->nb_segs == 1 && m->next == NULL);
	FUZZ_CHECK(m->data_off == RTE_PKTMBUF_HEADROOM);
	FUZZ_CHECK(m->port == fp->rxq->port_id);
	FUZZ_CHECK(d[0] == r->img[40] && d[1] == r->img[41]);
	FUZZ_CHECK(fuzz_be16(d + 2) == ipoib_tag_key(tag));
	FUZZ_CHECK(ipoib_mbuf_tag(m) == tag);
	FUZZ_CHECK(memcmp(d + 4, r->img + 44, len - 4) == 0);
	FUZZ_CHECK(!!rte_pmd_ipoib_rx_is_multicast(m) == mc);
	FUZZ_CHECK(!!(m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) == (r->rss != 0));
	if (r->rss != 0)
		FUZZ_CHECK(m->hash.rss == r->rss);
}

/** Counters of queue 0 now. */
static void
counts_read(const struct fuzz_port *fp, struct rx_counts *c)
{
	c->raw = fp->rxq->st;
	if (fp->eth != NULL)
		c->eth = fp->eth->rxq[0].st;
	else
		memset(&c->eth, 0, sizeof(c->eth));
}

#define D(f) (after->f - before->f)

/**
 * Records a burst handles: those before the first receive error
 * completion, which puts the QP in the error state and stops the burst
 * (the completion stays for the control thread).
 */
static unsigned int
rec_stop(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (recs[i].opcode == MLX5_CQE_RESP_ERR)
			break;
	return i;
}

/**
 * Check the raw counters' changes over a burst against the records.
 *
 * @param n        records of the burst
 * @param drained  whether the pool was empty during the burst
 */
static void
check_raw_counts(const struct fuzz_port *fp, const struct rx_counts *before,
		 const struct rx_counts *after, unsigned int n, bool drained)
{
	uint64_t errors = 0, malformed = 0, loopback = 0, kept = 0;
	uint64_t no_grh = 0, mcast = 0, bytes = 0, hits = 0;
	unsigned int i, stop = rec_stop(n);

	FUZZ_CHECK(((__atomic_load_n(&fp->priv->qp_failed, __ATOMIC_RELAXED)
		     & 1) != 0) == (stop < n));
	for (i = 0; i < stop; i++) {
		const struct rx_rec *r = &recs[i];

		if (r->opcode != MLX5_CQE_RESP_SEND)
			errors++;
		else if (r->src_qpn == fp->priv->qpn &&
			 r->slid == fp->priv->lid &&
			 r->byte_cnt >= HCA_GRH_LEN + RTE_IPOIB_HDR_LEN &&
			 r->byte_cnt - HCA_GRH_LEN <= FUZZ_PMD_ROOM)
			loopback++;
		else if (!rec_kept(fp, r))
			malformed++;
		if (!rec_kept(fp, r))
			continue;
		kept++;
		bytes += r->byte_cnt - HCA_GRH_LEN;
		no_grh += !r->grh;
		mcast += r->grh && r->img[24] == 0xff;
		hits += rec_tag(fp, r) != 0;
	}
	FUZZ_CHECK(D(raw.errors) == errors);
	FUZZ_CHECK(D(raw.malformed) == malformed);
	FUZZ_CHECK(D(raw.loopback) == loopback);
	FUZZ_CHECK(D(raw.packets) == kept && D(raw.bytes) == bytes);
	FUZZ_CHECK(D(raw.no_grh) == no_grh && D(raw.mcast) == mcast);
	FUZZ_CHECK(D(raw.peer_hits) == hits);
	FUZZ_CHECK(D(raw.unknown_src) + D(raw.unknown_lid) == kept - hits);
	/* dropped mbufs go back to the pool before the refill takes them */
	FUZZ_CHECK(D(raw.nombuf) == (drained && kept > 0 ? 1u : 0u));
	FUZZ_CHECK(D(raw.learn_dropped) == 0);
}

/** Take every mbuf of the pool (to make refills fail); how many. */
static unsigned int
pool_drain(struct fuzz_port *fp, struct rte_mbuf **held)
{
	unsigned int n = 0;

	while (n < FUZZ_PMD_MBUFS && (held[n] = rte_pktmbuf_alloc(fp->mp)))
		n++;
	return n;
}

/** Give them back. */
static void
pool_refund(struct rte_mbuf **held, unsigned int n)
{
	while (n > 0)
		rte_pktmbuf_free(held[--n]);
}

/**
 * Do what the control thread does for a QP the burst found in the error
 * state (ipoib_qp_reset.c, without a device): take the completions left,
 * give their mbufs back, clear the flag, post the ring full again.
 */
static void
rx_recover(struct fuzz_port *fp)
{
	struct ipoib_rxq *rxq = fp->rxq;
	uint32_t mask = rxq->qp->rq_wqe_cnt - 1;
	struct mlx5_cqe64 *cqe;

	if (__atomic_load_n(&fp->priv->qp_failed, __ATOMIC_RELAXED) == 0)
		return;
	while ((cqe = hca_cq_peek(rxq->cq)) != NULL) {
		uint32_t idx = be16toh(cqe->wqe_counter) & mask;

		rte_pktmbuf_free(rxq->elts[idx]);
		rxq->elts[idx] = NULL;
		hca_cq_consume(rxq->cq);
		rxq->rq_tail++;
	}
	hca_cq_doorbell(rxq->cq);
	__atomic_store_n(&fp->priv->qp_failed, 0, __ATOMIC_RELAXED);
	FUZZ_CHECK(ipoib_rxq_fill(rxq) == 0);
}

/**
 * Poll until the queue's ring is full again (an empty poll must refill a
 * ring that could not be refilled before), then check the mbufs; a QP
 * in the error state is recovered first.
 */
static void
rx_settle(struct fuzz_port *fp)
{
	struct rte_mbuf *m[IPOIB_BURST];

	rx_recover(fp);

	FUZZ_CHECK(ipoib_rx_burst(fp->rxq, m, IPOIB_BURST) == 0);
	fuzz_pmd_check_mbufs(fp);
}

/** Run the records through mode=raw and check everything. */
static void
rx_raw(struct fuzz_port *fp, unsigned int n, uint8_t flags)
{
	struct rte_mbuf *pkts[IPOIB_BURST], *held[FUZZ_PMD_MBUFS];
	struct rx_counts before, after;
	unsigned int i, got, k = 0, nheld = 0;

	counts_read(fp, &before);
	if (flags & RX_F_NO_MBUFS)
		nheld = pool_drain(fp, held);
	got = ipoib_rx_burst(fp->rxq, pkts, IPOIB_BURST);
	pool_refund(held, nheld);
	fp->pending = 0;
	counts_read(fp, &after);
	check_raw_counts(fp, &before, &after, n, flags & RX_F_NO_MBUFS);
	n = rec_stop(n);
	for (i = 0; i < n; i++) {
		if (!rec_kept(fp, &recs[i]))
			continue;
		FUZZ_CHECK(k < got);
		check_raw_pkt(fp, pkts[k++], &recs[i], rec_tag(fp, &recs[i]));
	}
	check_learn_ring(fp, n);
	FUZZ_CHECK(k == got);
	for (i = 0; i < got; i++)
		rte_pktmbuf_free(pkts[i]);
	rx_settle(fp);
}

/** Whether a MAC stands for the port or a live unicast peer. */
static bool
mac_is_unicast_source(const struct fuzz_port *fp,
		      const struct rte_ether_addr *mac)
{
	struct ipoib_peer *p;
	uint64_t tag;

	if (rte_is_same_ether_addr(mac, &fp->eth->own_mac))
		return true;
	tag = ipoib_mac_to_tag(mac, fuzz_pmd_tag_base(fp));
	p = ipoib_peer_get_tagged(fp->priv->peers, tag);
	return p != NULL && !(p->flags & IPOIB_PEER_F_MCAST);
}

/** Check the destination MAC of a delivered frame. */
static void
check_eth_dst(const struct fuzz_port *fp, const struct rte_ether_hdr *eh,
	      const struct rx_rec *r)
{
	const uint8_t *g = r->img + 24, *b = eh->dst_addr.addr_bytes;

	if (!(r->grh && g[0] == 0xff)) {
		FUZZ_CHECK(rte_is_same_ether_addr(&eh->dst_addr,
						  &fp->eth->own_mac));
		return;
	}
	if (memcmp(g, fp->priv->bcast_mgid.raw, 16) == 0) {
		FUZZ_CHECK(rte_is_broadcast_ether_addr(&eh->dst_addr));
		return;
	}
	FUZZ_CHECK(g[3] == 0x1b && (g[2] == 0x40 || g[2] == 0x60));
	if (g[2] == 0x40)
		FUZZ_CHECK(b[0] == 0x01 && b[1] == 0x00 && b[2] == 0x5e &&
			   b[3] == (g[13] & 0x7f) && b[4] == g[14] &&
			   b[5] == g[15]);
	else
		FUZZ_CHECK(b[0] == 0x33 && b[1] == 0x33 &&
			   memcmp(b + 2, g + 12, 4) == 0);
}

/** Check the ICMPv6 checksum and lengths of a delivered IPv6 frame. */
static void
check_eth_ipv6(const struct rte_mbuf *m, const uint8_t *orig, uint32_t olen)
{
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *,
						    RTE_ETHER_HDR_LEN);
	uint32_t plen, sum;

	if (m->data_len < RTE_ETHER_HDR_LEN + 41 || ip[6] != 58 ||
	    ip[40] < 133 || ip[40] > 137) {
		/* not ND: unchanged */
		FUZZ_CHECK(m->data_len == RTE_ETHER_HDR_LEN + olen);
		FUZZ_CHECK(memcmp(ip, orig, olen) == 0);
		return;
	}
	plen = fuzz_be16(ip + 4);
	FUZZ_CHECK(m->data_len == RTE_ETHER_HDR_LEN + 40 + plen);
	sum = fuzz_pmd_sum(0, ip + 8, 32);
	sum = fuzz_pmd_sum(sum, (const uint8_t[]){ 0, 0, plen >> 8, plen,
						    0, 0, 0, 58 }, 8);
	sum = fuzz_pmd_sum(sum, ip + 40, plen);
	FUZZ_CHECK(sum == 0xffff);
}

/** Check a frame mode=eth delivered for a record. */
static void
check_eth_frame(const struct fuzz_port *fp, const struct rte_mbuf *m,
		const struct rx_rec *r)
{
	const struct rte_ether_hdr *eh =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint32_t olen = r->byte_cnt - HCA_GRH_LEN - RTE_IPOIB_HDR_LEN;
	const uint8_t *orig = r->img + HCA_GRH_LEN + RTE_IPOIB_HDR_LEN;
	uint16_t proto = fuzz_be16(r->img + HCA_GRH_LEN);

	FUZZ_CHECK(m->data_off == RTE_PKTMBUF_HEADROOM -
		   (RTE_ETHER_HDR_LEN - RTE_IPOIB_HDR_LEN));
	FUZZ_CHECK(m->pkt_len == m->data_len && m->nb_segs == 1);
	FUZZ_CHECK(m->data_off + m->data_len <= m->buf_len);
	FUZZ_CHECK(rte_be_to_cpu_16(eh->ether_type) == proto);
	check_eth_dst(fp, eh, r);
	FUZZ_CHECK(mac_is_unicast_source(fp, &eh->src_addr));
	if (proto == RTE_ETHER_TYPE_ARP) {
		const uint8_t *a = (const uint8_t *)(eh + 1);

		FUZZ_CHECK(m->data_len == RTE_ETHER_HDR_LEN + 28);
		FUZZ_CHECK(a[1] == 1 && a[4] == 6 && a[5] == 4);
	} else if (proto == RTE_ETHER_TYPE_IPV6) {
		check_eth_ipv6(m, orig, olen);
	} else {
		FUZZ_CHECK(m->data_len == RTE_ETHER_HDR_LEN + olen);
		FUZZ_CHECK(memcmp(eh + 1, orig, olen) == 0);
	}
}

/** The sum of the mode=eth drop counters' changes. */
static uint64_t
eth_drops(const struct rx_counts *before, const struct rx_counts *after)
{
	return D(eth.unknown_src) + D(eth.no_mac) + D(eth.unknown_group) +
		D(eth.arp_malformed) + D(eth.nd_malformed) +
		D(eth.nd_bad_checksum) +
		D(eth.held_full) + D(eth.held_expired);
}

/**
 * The control thread's part for a held packet: insert the sources the
 * raw path reported, so that a retry can deliver it. Returns the keys
 * inserted (to be removed afterwards).
 */
static unsigned int
eth_learn(struct fuzz_port *fp, uint16_t *keys, unsigned int max)
{
	struct ipoib_learn l;
	unsigned int n = 0;
	uint16_t key;

	while (rte_ring_sc_dequeue_elem(fp->priv->learn, &l, sizeof(l)) == 0)
		if (!l.by_lid && n < max && l.addr.gid.raw[0] != 0xff &&
		    ipoib_peer_insert(fp->priv->peers, &l.addr, 0, &key) == 1)
			keys[n++] = key;
	return n;
}

/** Undo eth_learn() and free the packets still held. */
static void
eth_cleanup(struct fuzz_port *fp, const uint16_t *keys, unsigned int n)
{
	struct ipoib_eth_rxq *q = &fp->eth->rxq[0];
	struct ipoib_learn l;
	unsigned int i;

	for (i = 0; i < q->n_held; i++)
		rte_pktmbuf_free(q->held[i]);
	q->n_held = 0;
	for (i = 0; i < n; i++)
		FUZZ_CHECK(ipoib_peer_remove(fp->priv->peers, keys[i]) == 0);
	while (rte_ring_sc_dequeue_elem(fp->priv->learn, &l, sizeof(l)) == 0)
		;
	ipoib_peer_reader_quiescent(fp->priv->peers, 0);
	ipoib_peer_reclaim(fp->priv->peers);
}

/** Run one record through mode=eth and check everything. */
static void
rx_eth(struct fuzz_port *fp, unsigned int n, uint8_t flags)
{
	struct rte_mbuf *pkts[IPOIB_BURST], *held[FUZZ_PMD_MBUFS];
	struct rx_counts cb, ca, *before = &cb, *after = &ca;
	unsigned int got, nheld = 0, nkeys = 0, i;
	uint16_t keys[4];
	bool kept = n > 0 && rec_kept(fp, &recs[0]);

	counts_read(fp, before);
	if (flags & RX_F_NO_MBUFS)
		nheld = pool_drain(fp, held);
	got = ipoib_eth_rx_burst(fp->rxq, pkts, IPOIB_BURST);
	pool_refund(held, nheld);
	fp->pending = 0;
	counts_read(fp, after);
	check_raw_counts(fp, before, after, n, flags & RX_F_NO_MBUFS);
	FUZZ_CHECK(got <= 1);
	FUZZ_CHECK(got + D(eth.held) + eth_drops(before, after) ==
		   (kept ? 1u : 0u));
	if (got == 1)
		check_eth_frame(fp, pkts[0], &recs[0]);
	if (D(eth.held) == 1 && (flags & RX_F_LEARN)) {
		nkeys = eth_learn(fp, keys, RTE_DIM(keys));
		counts_read(fp, before);
		i = got;
		got += ipoib_eth_rx_burst(fp->rxq, pkts + got, IPOIB_BURST - got);
		counts_read(fp, after);
		FUZZ_CHECK(got - i + fp->eth->rxq[0].n_held +
			   eth_drops(before, after) == 1);
		if (got > i)
			check_eth_frame(fp, pkts[i], &recs[0]);
	}
	for (i = 0; i < got; i++)
		rte_pktmbuf_free(pkts[i]);
	eth_cleanup(fp, keys, nkeys);
	rx_settle(fp);
}

#undef D

void
fuzz_pmd_rx(const uint8_t *data, size_t size, bool eth)
{
	struct fuzz_port *fp = fuzz_pmd_port(eth);
	const uint8_t *p = data;
	size_t left = size;
	unsigned int n = 0, max;
	uint8_t flags = 0;

	take(&p, &left, &flags, 1);
	max = eth ? 1 : 1 + (flags >> 6);
	while (n < max && left > 0) {
		struct rx_rec *r = &recs[n];

		rec_decode(fp, &p, &left, r);
		FUZZ_CHECK(fuzz_pmd_complete(fp, r->opcode, r->byte_cnt,
					     r->grh, r->src_qpn, r->slid,
					     r->sl, r->rss, r->img,
					     r->img_len));
		n++;
	}
	memo_set(fp, n, flags);
	if (eth)
		rx_eth(fp, n, flags);
	else
		rx_raw(fp, n, flags);
}
