/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * Transmit buffers of ipoib-fwd: a burst per port and lcore, sent when
 * full or at the end of each polling round (fwd_tx_enqueue and fwd_drop
 * are inline in fwd_tx.h).
 */

#include <rte_ethdev.h>

#include "fwd_tx.h"

/**
 * Send what is buffered for a port; what the queue does not take is
 * dropped and counted (tx_full), all of it when the link is down
 * (link_down).
 *
 * @param lc    the lcore whose buffer and queue are used
 * @param port  index into fwd_cfg.ports
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
