/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef IPOIB_FWD_TX_H
#define IPOIB_FWD_TX_H

/**
 * @file
 * Transmit buffers and drops of ipoib-fwd (fwd_tx.c), used by every
 * engine: a packet is either buffered for a port (sent a burst at a
 * time) or dropped with its reason counted.
 */

#include <rte_mbuf.h>

#include "fwd.h"

void fwd_tx_flush(struct fwd_lcore *lc, uint16_t port);

/**
 * Drop a packet: free it and count the reason.
 *
 * @param lc   the lcore that drops it (its counters)
 * @param m    the packet
 * @param why  the reason
 */
static inline void
fwd_drop(struct fwd_lcore *lc, struct rte_mbuf *m, enum fwd_drop why)
{
	lc->cnt.drop[why]++;
	rte_pktmbuf_free(m);
}

/**
 * Buffer a packet for a port, sending the buffer when it is full.
 *
 * @param lc    the lcore (its transmit queue on the port)
 * @param port  index into fwd_cfg.ports
 * @param m     the packet, owned by the buffer from now on
 */
static inline void
fwd_tx_enqueue(struct fwd_lcore *lc, uint16_t port, struct rte_mbuf *m)
{
	lc->tx_buf[port][lc->tx_len[port]++] = m;
	if (lc->tx_len[port] >= fwd_cfg.burst)
		fwd_tx_flush(lc, port);
}

#endif /* IPOIB_FWD_TX_H */
