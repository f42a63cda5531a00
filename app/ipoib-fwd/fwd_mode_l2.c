/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The l2 engine of ipoib-fwd: a learning bridge between Ethernet ports.
 * Each lcore learns source MACs in its own table (no sharing, no
 * locks); known unicast destinations go to their port, the others are
 * flooded.
 */

#include <rte_cycles.h>
#include <rte_ether.h>

#include "fwd_engine.h"
#include "fwd_tx.h"

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
static void
l2_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
	 unsigned int n)
{
	struct l2_entry *t = l2_tables[lc->index], *e;
	uint64_t now = rte_get_timer_cycles();
	struct rte_ether_hdr *eh;
	unsigned int i;

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

/** The l2 engine. */
const struct fwd_engine fwd_engine_l2 = {
	.name = "l2",
	.ethernet = true,
	.burst = l2_burst,
};
