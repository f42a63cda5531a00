/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The macswap engine of ipoib-fwd: every packet goes back out of its
 * port with its source and destination MACs swapped.
 */

#include <rte_ether.h>

#include "fwd_engine.h"
#include "fwd_tx.h"

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

/** The macswap engine. */
const struct fwd_engine fwd_engine_macswap = {
	.name = "macswap",
	.ethernet = true,
	.burst = macswap_burst,
};
