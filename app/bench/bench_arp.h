/* SPDX-License-Identifier: BSD-3-Clause */

/**
 * @file
 * ARP between the two ports of bench-pmd, so that net_ipoib ports in
 * mode=eth learn each other's peer MAC as any Ethernet application does.
 */

#ifndef BENCH_ARP_H
#define BENCH_ARP_H

#include <stdbool.h>

#include <rte_ether.h>
#include <rte_mempool.h>

/**
 * Make ports 0 and 1 (started, link up) find each other by ARP: each
 * asks for the other's IPv4 address (198.18.0.1 and 198.18.0.2, the
 * benchmarking range) every 50 ms and answers the requests for its own,
 * until both have an answer.
 *
 * @param pool     mbufs for the requests and replies
 * @param peer     filled: peer[p] is the MAC port p sends to to reach
 *                 the other port
 * @param seconds  give up after this long
 * @return 0, -ENOMEM (pool empty) or -ETIMEDOUT
 */
int bench_arp_learn(struct rte_mempool *pool, struct rte_ether_addr peer[2],
		    double seconds);

/**
 * One port asks for the address of another process's port by ARP (every
 * 50 ms), answering requests for its own address meanwhile.
 *
 * @param own, peer  host numbers: the addresses are 198.18.0.own/peer
 * @param mac        filled with the peer's MAC
 * @return 0, -ENOMEM (pool empty) or -ETIMEDOUT
 */
int bench_arp_resolve(struct rte_mempool *pool, uint16_t port, uint8_t own,
		      uint8_t peer, struct rte_ether_addr *mac, double seconds);

/**
 * Whether a received frame is ARP; a request for 198.18.0.own is
 * answered from the port. The caller still owns (and frees) the frame.
 */
bool bench_arp_answer(struct rte_mempool *pool, uint16_t port, uint8_t own,
		      const struct rte_mbuf *m);

#endif /* BENCH_ARP_H */
