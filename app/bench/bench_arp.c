/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ARP between the two ports of bench-pmd (see bench_arp.h). The frames
 * go through rte_eth_rx_burst()/rte_eth_tx_burst() directly, never
 * through bench-pmd's measured wrappers, so callgrind does not count them.
 */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "bench_arp.h"

#define ARP_BURST 32
#define ARP_RETRY_MS 50

/** Shared state of one learning run. */
struct arp_ctx {
	struct rte_mempool *pool;
	uint16_t nports;                /**< ports 0..nports-1 take part */
	struct rte_ether_addr own[2];   /**< each port's own MAC */
	uint8_t own_host[2];            /**< each port's address */
	uint8_t want_host[2];           /**< the address each port asks for */
	struct rte_ether_addr *peer;    /**< the result */
	bool known[2];                  /**< peer[p] is set */
};

/** IPv4 address (network order) of host number h in these exchanges. */
static rte_be32_t
arp_ip(uint8_t h)
{
	return rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, h));
}

/**
 * Build and send one ARP frame from a port; the frame is dropped when
 * the port does not take it (the next retry sends another).
 *
 * @param op   RTE_ARP_OP_REQUEST or RTE_ARP_OP_REPLY
 * @param dst  Ethernet destination (broadcast for requests)
 * @param tha  target hardware address (zero for requests)
 * @param tip  target IPv4 address
 * @return 0 or -ENOMEM
 */
static int
arp_send(struct arp_ctx *c, uint16_t port, uint16_t op,
	 const struct rte_ether_addr *dst, const struct rte_ether_addr *tha,
	 rte_be32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(c->pool);
	struct rte_ether_hdr *e;
	struct rte_arp_hdr *a;

	if (m == NULL)
		return -ENOMEM;
	e = (struct rte_ether_hdr *)rte_pktmbuf_append(m,
			sizeof(*e) + sizeof(*a));
	if (e == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	rte_ether_addr_copy(dst, &e->dst_addr);
	rte_ether_addr_copy(&c->own[port], &e->src_addr);
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a = (struct rte_arp_hdr *)(e + 1);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&c->own[port], &a->arp_data.arp_sha);
	a->arp_data.arp_sip = arp_ip(c->own_host[port]);
	rte_ether_addr_copy(tha, &a->arp_data.arp_tha);
	a->arp_data.arp_tip = tip;
	if (rte_eth_tx_burst(port, 0, &m, 1) != 1)
		rte_pktmbuf_free(m);
	return 0;
}

/**
 * Handle one frame received on a port: answer a request for the port's
 * address, record a reply from the other port. Other frames are ignored.
 *
 * @return 0 or -ENOMEM
 */
static int
arp_handle(struct arp_ctx *c, uint16_t port, const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *e =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(e + 1);

	if (m->data_len < sizeof(*e) + sizeof(*a) ||
	    e->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) ||
	    a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_hlen != RTE_ETHER_ADDR_LEN)
		return 0;
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
	    a->arp_data.arp_tip == arp_ip(c->own_host[port]))
		return arp_send(c, port, RTE_ARP_OP_REPLY,
				&a->arp_data.arp_sha, &a->arp_data.arp_sha,
				a->arp_data.arp_sip);
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY) &&
	    a->arp_data.arp_sip == arp_ip(c->want_host[port])) {
		rte_ether_addr_copy(&a->arp_data.arp_sha, &c->peer[port]);
		c->known[port] = true;
	}
	return 0;
}

/** Receive what is waiting on both ports and handle it. */
static int
arp_poll(struct arp_ctx *c)
{
	struct rte_mbuf *pkts[ARP_BURST];
	uint16_t p, n, i;
	int ret = 0;

	for (p = 0; p < c->nports; p++) {
		n = rte_eth_rx_burst(p, 0, pkts, ARP_BURST);
		for (i = 0; i < n; i++) {
			if (ret == 0)
				ret = arp_handle(c, p, pkts[i]);
			rte_pktmbuf_free(pkts[i]);
		}
	}
	return ret;
}

/**
 * Ask and answer until every port of the context knows its peer.
 *
 * @return 0, -ENOMEM or -ETIMEDOUT
 */
static int
arp_run(struct arp_ctx *c, double seconds)
{
	static const struct rte_ether_addr zero;
	struct rte_ether_addr bcast;
	uint64_t hz = rte_get_tsc_hz(), now = rte_get_tsc_cycles();
	uint64_t end = now + (uint64_t)(seconds * (double)hz), next = 0;
	uint16_t p;
	int ret;

	memset(&bcast, 0xff, sizeof(bcast));
	for (p = 0; p < c->nports; p++) {
		ret = rte_eth_macaddr_get(p, &c->own[p]);
		if (ret < 0)
			return ret;
	}
	while (!c->known[0] || (c->nports == 2 && !c->known[1])) {
		now = rte_get_tsc_cycles();
		if (now > end)
			return -ETIMEDOUT;
		for (p = 0; p < c->nports && now >= next; p++) {
			if (c->known[p])
				continue;
			ret = arp_send(c, p, RTE_ARP_OP_REQUEST, &bcast,
				       &zero, arp_ip(c->want_host[p]));
			if (ret < 0)
				return ret;
		}
		if (now >= next)
			next = now + hz * ARP_RETRY_MS / 1000;
		ret = arp_poll(c);
		if (ret < 0)
			return ret;
		rte_delay_us_sleep(100);
	}
	return 0;
}

/* See bench_arp.h. */
int
bench_arp_learn(struct rte_mempool *pool, struct rte_ether_addr peer[2],
		double seconds)
{
	struct arp_ctx c = {
		.pool = pool, .nports = 2, .peer = peer,
		.own_host = { 1, 2 }, .want_host = { 2, 1 },
	};

	return arp_run(&c, seconds);
}

/* See bench_arp.h. */
int
bench_arp_resolve(struct rte_mempool *pool, uint16_t port, uint8_t own,
		  uint8_t peer, struct rte_ether_addr *mac, double seconds)
{
	struct arp_ctx c = {
		.pool = pool, .nports = 1, .peer = mac,
		.own_host = { own }, .want_host = { peer },
	};

	if (port != 0)
		return -EINVAL;
	return arp_run(&c, seconds);
}

/* See bench_arp.h. */
bool
bench_arp_answer(struct rte_mempool *pool, uint16_t port, uint8_t own,
		 const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *e =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	struct rte_ether_addr none;
	struct arp_ctx c = {
		.pool = pool, .nports = 1, .peer = &none,
		.own_host = { own },
	};

	if (e->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) ||
	    port != 0 || rte_eth_macaddr_get(port, &c.own[0]) < 0)
		return e->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	arp_handle(&c, port, m);
	return true;
}
