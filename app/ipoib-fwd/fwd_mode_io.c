/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The io engine of ipoib-fwd: each port's packets go unchanged to its
 * paired port (--pairs), readdressed when that port has a --peer (a MAC,
 * or a raw net_ipoib peer resolved to a tag at setup).
 */

#include <rte_ethdev.h>

#include "fwd_engine.h"
#include "fwd_port.h"
#include "fwd_tx.h"
#include "rte_pmd_ipoib.h"

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
static void
io_burst(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf **m,
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

/** The io engine: raw net_ipoib ports allowed, their peers resolved. */
const struct fwd_engine fwd_engine_io = {
	.name = "io",
	.ethernet = false,
	.setup = fwd_ports_resolve_peers,
	.burst = io_burst,
};
