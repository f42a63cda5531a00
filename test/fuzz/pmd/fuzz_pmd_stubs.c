/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * The control-path symbols the PMD's data-path files refer to, for the
 * harnesses that compile only those files (ipoib_rxtx.c, ipoib_eth.c,
 * ipoib_arp.c, ipoib_nd.c, ipoib_mac.c, ipoib_peer.c): the multicast
 * thread's entry points (ipoib_mcast.c), which the receive path never
 * calls.
 */

#include <stdio.h>
#include <stdlib.h>

#include "fuzz_pmd.h"

/** Not reached by the harnesses (transmit to a group not joined). */
void
ipoib_mcast_hold(struct ipoib_eth *eth, struct ipoib_eth_txq *q,
		 struct rte_mbuf *m, const union hca_gid *mgid)
{
	(void)eth;
	(void)q;
	(void)m;
	(void)mgid;
	fprintf(stderr, "fuzz_pmd: ipoib_mcast_hold() called\n");
	abort();
}

/** The harnesses start no multicast thread. */
int
ipoib_mcast_start(struct ipoib_eth *eth)
{
	(void)eth;
	return 0;
}

/** Nothing to stop. */
void
ipoib_mcast_stop(struct ipoib_eth *eth)
{
	(void)eth;
}
