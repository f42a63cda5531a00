/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The io, macswap and l2 data paths of ipoib-fwd, and the transmit
 * buffers every mode uses.
 */

#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "fwd.h"
#include "rte_pmd_ipoib.h"

#define L2_TABLE_SIZE 1024            /* per lcore, a power of two */
#define L2_AGE_SECONDS 300

/** A learned MAC: on which port it was last seen. */
struct l2_entry {
	uint64_t mac;                 /* 48 bits; 0 = free */
	uint64_t seen;                /* timer cycles */
	uint16_t port;
};

/** Each lcore learns on its own (no sharing, no locks). */
static struct l2_entry l2_tables[FWD_MAX_LCORES][L2_TABLE_SIZE];

/**
 * Drop a packet: free it and count the reason.
 */
void
fwd_drop(struct fwd_lcore *lc, struct rte_mbuf *m, enum fwd_drop why)
{
	lc->cnt.drop[why]++;
	rte_pktmbuf_free(m);
}

/**
 * Send what is buffered for a port; what the queue does not take is
 * dropped and counted (tx_full).
 */
void
fwd_tx_flush(struct fwd_lcore *lc, uint16_t port)
{
	unsigned int n = lc->tx_len[port], i;
	struct rte_mbuf **b = lc->tx_buf[port];
	uint64_t bytes = 0;
	uint16_t sent;

	if (n == 0)
		return;
	if (!fwd_link_up[port]) {
		for (i = 0; i < n; i++)
			fwd_drop(lc, b[i], FWD_DROP_LINK_DOWN);
		lc->tx_len[port] = 0;
		return;
	}
	for (i = 0; i < n; i++)
		bytes += b[i]->pkt_len;
	sent = rte_eth_tx_burst(fwd_cfg.ports[port].id, (uint16_t)lc->index,
				b, (uint16_t)n);
	for (i = sent; i < n; i++) {
		bytes -= b[i]->pkt_len;
		fwd_drop(lc, b[i], FWD_DROP_TX_FULL);
	}
	lc->cnt.port[port].tx_pkts += sent;
	lc->cnt.port[port].tx_bytes += bytes;
	lc->tx_len[port] = 0;
}

/**
 * Buffer a packet for a port, sending the buffer when it is full.
 */
void
fwd_tx_enqueue(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	lc->tx_buf[port][lc->tx_len[port]++] = m;
	if (lc->tx_len[port] >= fwd_cfg.burst)
		fwd_tx_flush(lc, port);
}

/**
 * Address a packet to the io-mode destination of its output port: the
 * peer MAC (source = the port's MAC) or the raw IPoIB peer's tag.
 */
static void
io_address(const struct fwd_port *out, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh;

	if (!rte_is_zero_ether_addr(&out->peer_mac)) {
		if (m->data_len < sizeof(*eh))
			return;
		eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
		eh->dst_addr = out->peer_mac;
		eh->src_addr = out->mac;
	} else {
		rte_pmd_ipoib_set_dst_tag(m, out->peer_tag);
	}
}

/**
 * io mode: forward a burst unchanged to the paired port (readdressed
 * when that port has a --peer).
 */
void
fwd_io_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
	     unsigned int n)
{
	uint16_t out = fwd_cfg.ports[port].pair;
	const struct fwd_port *op = &fwd_cfg.ports[out];
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (op->has_peer)
			io_address(op, m[i]);
		fwd_tx_enqueue(lc, out, m[i]);
	}
}

/**
 * macswap mode: send each packet back out of its port with source and
 * destination MACs swapped.
 */
static void
macswap_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
	      unsigned int n)
{
	struct rte_ether_hdr *eh;
	struct rte_ether_addr tmp;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (m[i]->data_len < sizeof(*eh)) {
			fwd_drop(lc, m[i], FWD_DROP_MALFORMED);
			continue;
		}
		eh = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		tmp = eh->dst_addr;
		eh->dst_addr = eh->src_addr;
		eh->src_addr = tmp;
		fwd_tx_enqueue(lc, port, m[i]);
	}
}

/** A MAC as a 48-bit number. */
static inline uint64_t
mac_u64(const struct rte_ether_addr *a)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < RTE_ETHER_ADDR_LEN; i++)
		v = v << 8 | a->addr_bytes[i];
	return v;
}

/**
 * Find a MAC in an lcore's table (linear probing).
 *
 * @param create  take a free (or aged) slot when it is not there
 * @return the entry, or NULL
 */
static struct l2_entry *
l2_find(struct l2_entry *t, uint64_t mac, bool create, uint64_t now)
{
	uint64_t age = (uint64_t)L2_AGE_SECONDS * rte_get_timer_hz();
	uint32_t h = (uint32_t)((mac * 0x9e3779b97f4a7c15ULL) >> 40);
	unsigned int i, s;

	for (i = 0; i < 8; i++) {
		s = (h + i) & (L2_TABLE_SIZE - 1);
		if (t[s].mac == mac)
			return &t[s];
		if (create && (t[s].mac == 0 || now - t[s].seen > age)) {
			t[s].mac = mac;
			return &t[s];
		}
		if (t[s].mac == 0)
			return NULL;
	}
	return NULL;
}

/**
 * Send a copy of a packet on every port but its own (the last one gets
 * the packet itself).
 */
static void
l2_flood(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	int last = -1;
	unsigned int p;
	struct rte_mbuf *c;

	for (p = 0; p < fwd_cfg.nb_ports; p++) {
		if (p == port)
			continue;
		if (last >= 0) {
			c = rte_pktmbuf_copy(m, fwd_pool, 0, UINT32_MAX);
			if (c == NULL)
				lc->cnt.drop[FWD_DROP_NO_MBUF]++;
			else
				fwd_tx_enqueue(lc, (uint16_t)last, c);
		}
		last = (int)p;
	}
	if (last < 0)
		fwd_drop(lc, m, FWD_DROP_NOT_FORWARDED);
	else
		fwd_tx_enqueue(lc, (uint16_t)last, m);
}

/**
 * l2 mode: a learning bridge. Sources are learned per lcore; known
 * unicast destinations go to their port, others are flooded.
 */
void
fwd_l2_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
	     unsigned int n)
{
	struct l2_entry *t = l2_tables[lc->index], *e;
	uint64_t now = rte_get_timer_cycles();
	struct rte_ether_hdr *eh;
	unsigned int i;

	if (fwd_cfg.mode == FWD_MODE_MACSWAP) {
		macswap_burst(lc, port, m, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (m[i]->data_len < sizeof(*eh)) {
			fwd_drop(lc, m[i], FWD_DROP_MALFORMED);
			continue;
		}
		eh = rte_pktmbuf_mtod(m[i], struct rte_ether_hdr *);
		if (rte_is_unicast_ether_addr(&eh->src_addr)) {
			e = l2_find(t, mac_u64(&eh->src_addr), true, now);
			if (e != NULL) {
				e->port = port;
				e->seen = now;
			}
		}
		e = NULL;
		if (rte_is_unicast_ether_addr(&eh->dst_addr))
			e = l2_find(t, mac_u64(&eh->dst_addr), false, now);
		if (e == NULL)
			l2_flood(lc, port, m[i]);
		else if (e->port == port)
			fwd_drop(lc, m[i], FWD_DROP_NOT_FORWARDED);
		else
			fwd_tx_enqueue(lc, e->port, m[i]);
	}
}
