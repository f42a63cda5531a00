/* SPDX-License-Identifier: BSD-3-Clause */

#ifndef ETH_PEER_H
#define ETH_PEER_H

/**
 * @file
 * What the files of eth_peer (the mode=eth test application) share: the
 * port under test, its pool and MAC, the failure count, the frame and
 * xstat helpers (eth_peer_frame.c) and the runs kept apart
 * (eth_peer_snoop.c, eth_peer_tso.c).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

extern unsigned int failures;       /**< checks failed so far */
extern struct rte_mempool *pool;    /**< the frames' pool */
extern uint16_t port;               /**< the net_ipoib port */
extern struct rte_ether_addr own;   /**< its MAC */
extern uint64_t tx_offloads;        /**< enabled at configure */

/** The transmit offloads the tso run enables. */
#define TSO_TX_OFFLOADS (RTE_ETH_TX_OFFLOAD_MULTI_SEGS | \
			 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | \
			 RTE_ETH_TX_OFFLOAD_TCP_CKSUM | \
			 RTE_ETH_TX_OFFLOAD_TCP_TSO)

#include "../ipoib_test.h"

void mac_print(const char *what, const struct rte_ether_addr *m);
struct rte_mbuf *frame_new(const struct rte_ether_addr *dst, uint16_t type,
			   uint16_t len);
void frame_send(struct rte_mbuf *m);
/**
 * An empty transmit burst on queue 0: the frames the PMD held while it
 * resolved their destination go out with the next burst call of queue 0
 * (doc/pmd.md), which an application that only answers makes late.
 */
void frame_flush(void);
struct rte_mbuf *frame_wait(bool (*match)(struct rte_mbuf *m, void *arg),
			    void *arg, unsigned int ms);
void solicited(const uint8_t ip[16], uint8_t grp[16],
	       struct rte_ether_addr *mac);
struct rte_mbuf *ip6_frame(const struct rte_ether_addr *dst,
			   const uint8_t src_ip[16], const uint8_t dst_ip[16],
			   uint8_t proto, uint16_t plen, uint8_t **payload);
void ip6_cksum(struct rte_mbuf *m, unsigned int cks_off);
uint64_t xstat(const char *name);
void xstats_print(void);

/** ARP for peer (IPv4, dotted) from my; its MAC into mac. */
bool arp_resolve(const char *my, const char *peer,
		 struct rte_ether_addr *mac);

void run_malformed(void);
void run_snoop(void);
void run_tso(const char *my, const char *peer, uint16_t mss,
	     const char *stream_file);

#endif /* ETH_PEER_H */
